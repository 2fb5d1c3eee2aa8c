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
import kilotrain.ops.core.TrainedConv;

/** Weight gradient of the kept channels; {@code saved} holds exactly those input channels. */
public record ConvWeightGrad(Conv2D conv, TrainedConv trained, Buf gAcc, Buf saved, Buf gWeight) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(gAcc, saved);
    }

    public List<Buf> writes() {
        return Instr.bufs(gWeight);
    }

    public String op() {
        return trained.partial() ? "conv_weight_grad_slice" : "conv_weight_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int s = saved.id, ga = gAcc.id, gw = gWeight.id;
        int[] kept = trained.partial() ? trained.keptChannels : null;
        int work = b.slot(ConvBackward.Work.class, ConvBackward.Work::new);
        return (f, training) -> ConvBackward.weightGrad(conv, f.bytes[s], f.off[s], f.floats[ga], 0, kept,
                f.floats[gw], 0, (ConvBackward.Work) f.local[work]);
    }

    public String emitC(CEmitter e, boolean training) {
        String kept = "NULL";
        int nk = conv.input.channels();
        if (trained.partial()) {
            kept = e.constInts("kt_wkept_" + gWeight.id, trained.keptChannels);
            nk = trained.keptChannels.length;
        }
        return "kt_conv_weight_grad(" + e.conv(conv) + ", " + e.buf(saved) + ", " + kept + ", " + nk + ", "
                + e.buf(gAcc) + ", " + e.buf(gWeight) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    /** The reorder pass tries this conv's weight gradient before and after its input gradient. */
    @Override
    public Object orderChoice() {
        return conv;
    }

    @Override
    public Buf rowGradient() {
        return gWeight;
    }

    /** {@link ConvWeightUpdate}: the gradient one output channel at a time, applied at once. */
    @Override
    public Instr withRowUpdate(Param q, Buf rows, int rowsPerChunk) {
        return new ConvWeightUpdate(conv, trained, gAcc, saved, q, rows, rowsPerChunk);
    }
}
