package kilotrain.ops.loss;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * Mean squared error of the predictions against the sample's target ({@link TargetKind}): float targets, int8
 * targets dequantized with the output's scale and zero point, or the input itself dequantized with the input's
 * ({@code scale}, {@code zero}: those of the int8 target; unused for float targets). The loss and dL/dpred.
 */
public record MseGrad(Buf pred, Buf loss, Buf gPred, TargetKind target, float scale, int zero) implements Instr {
    public MseGrad(Buf pred, Buf loss, Buf gPred) {
        this(pred, loss, gPred, TargetKind.FLOAT, 1.0f, 0);
    }

    public List<Buf> reads() {
        return Instr.bufs(pred);
    }

    public List<Buf> writes() {
        return Instr.bufs(loss, gPred);
    }

    public String op() {
        return target == TargetKind.FLOAT ? "mse_grad" : target == TargetKind.INT8 ? "mse_grad_int8_target"
                : "mse_grad_input_target";
    }

    public JavaStep bind(JavaBinder b) {
        int p = pred.id, g = gPred.id, ls = loss.id, n = pred.elements;
        float s = scale;
        int z = zero;
        TargetKind k = target;
        return (f, training) -> {
            float v = k == TargetKind.FLOAT ? MeanSquaredError.lossAndGrad(f.floats[p], 0, f.targets, n, f.floats[g], 0)
                    : MeanSquaredError.lossAndGrad(f.floats[p], 0, f.targetBytes, 0, s, z, n, f.floats[g], 0);
            f.floats[ls][0] = v;
            f.loss = v;
        };
    }

    public String emitC(CEmitter e, boolean training) {
        // kept in a local too: the loss buffer's arena bytes may be reused later in the step
        String call = target == TargetKind.FLOAT
                ? "kt_mse(" + e.buf(pred) + ", target, " + pred.elements + ", " + e.buf(gPred) + ")"
                : "kt_mse_q(" + e.buf(pred) + ", target, " + e.lit(scale) + ", " + zero + ", " + pred.elements + ", "
                        + e.buf(gPred) + ")";
        return "loss = " + call + ";\n    " + e.buf(loss) + "[0] = loss;";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
