package kilotrain.ops.conv;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** Saves the kept input channels of a partially trained conv for its weight gradient. */
public record SaveChannels(Buf in, int channels, int[] kept, Buf saved) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(saved);
    }

    public String op() {
        return "save_channels";
    }

    public JavaStep bind(JavaBinder b) {
        int i = in.id, s = saved.id, pixels = saved.elements / kept.length;
        return (f, training) -> saveChannels(f.bytes[i], f.off[i], channels, kept, f.bytes[s], f.off[s], pixels);
    }

    static void saveChannels(byte[] in, int inOff, int channels, int[] kept, byte[] saved, int savedOff,
            int pixels) {
        int k = kept.length;
        for (int p = 0; p < pixels; p++) {
            int src = inOff + p * channels, dst = savedOff + p * k;
            for (int j = 0; j < k; j++) {
                saved[dst + j] = in[src + kept[j]];
            }
        }
    }

    public String emitC(CEmitter e, boolean training) {
        String k = e.constInts("kt_kept_" + saved.id, kept);
        return "kt_save_channels(" + e.buf(in) + ", " + channels + ", " + k + ", " + kept.length + ", "
                + saved.elements / kept.length + ", " + e.buf(saved) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
