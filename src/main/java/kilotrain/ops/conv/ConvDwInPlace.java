package kilotrain.ops.conv;

import java.util.List;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * A frozen depthwise conv (channel multiplier 1, no clamp mask) that may write its output over its input: one channel
 * at a time, input channel c is copied into {@code plane} (its rows framed by the padding at the input's zero point,
 * {@link ConvDwPlane}), then output channel c is computed from the plane into {@code out}. Output channel c only
 * overwrites input channel c (both NHWC with the same channel count), which is already in the plane, so the output
 * may start where the input starts (TinyEngine's in-place depthwise); the bits are {@link ConvKernel}'s. Made by the
 * memory pipeline ({@code InPlace.kernels}) from {@link ConvFwd}.
 */
public record ConvDwInPlace(Conv2D conv, Buf in, Buf plane, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out, plane);
    }

    public String op() {
        return "conv_dw_inplace";
    }

    public JavaStep bind(JavaBinder b) {
        ConvDwPlane k = new ConvDwPlane(conv);
        int i = in.id, p = plane.id, o = out.id;
        int work = b.slot(this, () -> new int[k.outH * k.outW]);
        return (f, training) -> forward(k, f.bytes[i], f.off[i], f.bytes[p], f.off[p], f.bytes[o], f.off[o],
                (int[]) f.local[work]);
    }

    /** The kernel: x and y may be the same bytes (y at x's offset). */
    static void forward(ConvDwPlane k, byte[] x, int xOff, byte[] plane, int pOff, byte[] y, int yOff, int[] acc) {
        k.frame(plane, pOff);
        int interior = k.interior(pOff), c = k.channels;
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < k.h; r++) {
                int dst = interior + r * k.planeW, src = xOff + r * k.w * c + ch;
                for (int j = 0; j < k.w; j++) {
                    plane[dst + j] = x[src + j * c];
                }
            }
            k.channel(ch, plane, pOff, y, yOff, acc);
        }
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_conv_dw_inplace(" + e.conv(conv) + ", " + e.convWeights(conv) + ", " + e.convBias(conv) + ", "
                + e.buf(in) + ", " + e.buf(plane) + ", " + e.buf(out) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of(conv);
    }

    @Override
    public Buf[] inPlace() {
        return new Buf[] {in, out};
    }

    @Override
    public Buf inPlaceScratch() {
        return plane;
    }

    @Override
    public Instr outOfPlace() {
        return new ConvFwd(conv, null, in, out, null, null, null);
    }
}
