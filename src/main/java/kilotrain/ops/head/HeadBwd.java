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

/** Head gradients: gW, gb, and (when backbone training needs it) dL/dfeature in quantized units. */
public record HeadBwd(Buf gLogits, Buf feature, float featureScale, int featureZero, Buf weight, Buf gWeight, Buf gBias,
        Buf gFeature) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(gLogits, feature, weight);
    }

    public List<Buf> writes() {
        return Instr.bufs(gWeight, gBias, gFeature);
    }

    public String op() {
        return "head_bwd";
    }

    public JavaStep bind(JavaBinder b) {
        ParamState state = b.state();
        int classes = b.numClasses(), fe = feature.id, n = feature.elements, gl = gLogits.id;
        int gw = gWeight.id, gb = gBias.id, gf = gFeature == null ? -1 : gFeature.id;
        b.needFeature(n);
        return (f, training) -> {
            // dequantized again from the feature it reads (the same bits as head_fwd's), so no value is carried
            // from head_fwd outside the step's buffers
            FloatHead.dequantize(f.bytes[fe], f.off[fe], n, featureScale, featureZero, f.feature);
            FloatHead.backward(f.floats[gl], 0, f.feature, n, state.floats(weight), classes, featureScale,
                    f.floats[gw], f.floats[gb], gf < 0 ? null : f.floats[gf], 0);
        };
    }

    public String emitC(CEmitter e, boolean training) {
        String feat = e.scratch("float", "kt_head_feature", feature.elements);
        return "kt_head_bwd(" + e.buf(gLogits) + ", " + feat + ", " + feature.elements + ", " + e.buf(weight)
                + ", " + e.numClasses() + ", " + e.lit(featureScale) + ", " + e.buf(gWeight) + ", "
                + e.buf(gBias) + ", " + e.buf(gFeature) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
