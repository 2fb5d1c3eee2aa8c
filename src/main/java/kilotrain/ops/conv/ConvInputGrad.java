package kilotrain.ops.conv;

import java.util.List;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Frame;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.ParamState;
import kilotrain.ops.core.SlotKey;

public record ConvInputGrad(Conv2D conv, Buf gAcc, Buf weight, Buf gIn, boolean accumulate) implements Instr {
    public List<Buf> reads() {
        return accumulate ? Instr.bufs(gAcc, weight, gIn) : Instr.bufs(gAcc, weight);
    }

    public List<Buf> writes() {
        return Instr.bufs(gIn);
    }

    public String op() {
        return "conv_input_grad";
    }

    public JavaStep bind(JavaBinder b) {
        ParamState state = b.state();
        int ga = gAcc.id, gi = gIn.id, n = gIn.elements;
        int work = b.slot(ConvBackward.Work.class, ConvBackward.Work::new);
        byte[] w = state.fullWeights(conv);
        if (w == conv.weight.int8Data) {
            // frozen weights: converted once, shared by all threads
            ConvBackward.Weights frozen = new ConvBackward.Weights(conv).set(conv, w, 0);
            return (f, training) -> run(f, frozen, ga, gi, n, work);
        }
        int live = b.slot(new SlotKey("live_weights", conv), () -> new LiveWeights(conv));
        return (f, training) -> {
            LiveWeights lw = (LiveWeights) f.local[live];
            int v = state.version();
            if (lw.version != v) {
                lw.wf.set(conv, state.fullWeights(conv), 0);
                lw.version = v;
            }
            run(f, lw.wf, ga, gi, n, work);
        };
    }

    private void run(Frame f, ConvBackward.Weights wf, int ga, int gi, int n, int work) {
        float[] dst = accumulate ? f.tmp : f.floats[gi];
        ConvBackward.inputGrad(conv, wf, f.floats[ga], 0, dst, 0, (ConvBackward.Work) f.local[work]);
        if (accumulate) {
            Frame.addInto(f.floats[gi], dst, n);
        }
    }

    /** One thread's float copy of a trained conv's int8 weights and the parameter version it was made from. */
    private static final class LiveWeights {
        final ConvBackward.Weights wf;
        int version = -1;

        LiveWeights(Conv2D c) {
            wf = new ConvBackward.Weights(c);
        }
    }

    public String emitC(CEmitter e, boolean training) {
        String row = e.scratch("float", "kt_row", Math.max(768, conv.input.channels()));
        return "kt_conv_input_grad(" + e.conv(conv) + ", " + e.convWeights(conv) + ", " + e.convSlice(conv) + ", "
                + e.buf(gAcc) + ", " + e.buf(gIn) + ", " + (accumulate ? 1 : 0) + ", " + row + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    /** Depthwise and 1x1 input gradients as {@link ConvInputGradInPlace}: g_x written over g_acc. */
    @Override
    public Instr inPlaceKernel(int scratchId) {
        return ConvInputGradInPlace.of(this, scratchId);
    }
}
