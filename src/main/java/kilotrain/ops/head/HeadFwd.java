package kilotrain.ops.head;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.ParamState;

/** Float32 classifier head on the dequantized int8 feature: logits = W f + b. */
public record HeadFwd(Buf feature, float featureScale, int featureZero, Buf weight, Buf bias, Buf logits)
        implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(feature, weight, bias);
    }

    public List<Buf> writes() {
        return Instr.bufs(logits);
    }

    public String op() {
        return "head_fwd";
    }

    public JavaStep bind(JavaBinder b) {
        ParamState state = b.state();
        int classes = b.numClasses(), fe = feature.id, n = feature.elements, lg = logits.id;
        b.needFeature(n);
        return (f, training) -> {
            FloatHead.dequantize(f.bytes[fe], f.off[fe], n, featureScale, featureZero, f.feature);
            FloatHead.forward(f.feature, n, state.floats(weight), state.floats(bias), classes, f.floats[lg], 0);
        };
    }

    public String emitC(CEmitter e, boolean training) {
        String feat = e.scratch("float", "kt_head_feature", feature.elements);
        return "kt_head_fwd(" + e.buf(feature) + ", " + feature.elements + ", " + e.lit(featureScale) + ", "
                + featureZero + ", " + e.buf(weight) + ", " + e.buf(bias) + ", " + e.numClasses() + ", " + feat
                + ", " + e.buf(logits) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
