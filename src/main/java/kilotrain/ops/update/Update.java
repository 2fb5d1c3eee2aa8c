package kilotrain.ops.update;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.ParamState;

/**
 * Batch-1 device update of one parameter, in place: the parameter's per-sample gradient (which dies here) is
 * applied to its value by the run's update rule. Placed after the last instruction that reads the old value.
 */
public record Update(Param param) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(param.grad, param.value);
    }

    public List<Buf> writes() {
        return Instr.bufs(param.value);
    }

    public String op() {
        return "update";
    }

    public JavaStep bind(JavaBinder b) {
        ParamState state = b.state();
        int index = b.paramIndex(param), g = param.grad.id;
        return (f, training) -> state.applySample(index, f.floats[g], f.learningRate(this));
    }

    public String emitC(CEmitter e, boolean training) {
        return e.update(param);
    }

    public Param updatedParam() {
        return param;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
