package kilotrain.codegen;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import kilotrain.program.TrainState;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;

/**
 * The model fingerprint a saved device state carries ({@code KT_MODEL_FINGERPRINT} in kt_model.h, checked by
 * kt_store's restore): CRC-32 of a canonical text of what gives the saved bytes their meaning. That is the graph (name,
 * input, every operator's kind, name and tensor shapes), the trained parameters in program order (name, role, element
 * count, type, trained channels), the class count (and the task, for a regression) and the update rules. A firmware with another model, scheme, class
 * count or update rule refuses an old state; the values of the weights are not part of it (a host fine-tune of the same
 * layout keeps the fingerprint).
 */
public final class ModelFingerprint {
    private ModelFingerprint() {
    }

    public static int of(Program p, TrainState.Options o) {
        StringBuilder s = new StringBuilder("kilotrain-state-layout-1\n");
        s.append("graph ").append(p.forward.name).append(" input ").append(Arrays.toString(p.forward.input.shape))
                .append(" classes ").append(p.numClasses).append(p.regress() ? " task regress" : "").append('\n');
        for (Op op : p.forward.ops) {
            s.append(op.kind()).append(' ').append(op.name);
            for (Tensor t : op.inputs()) {
                s.append(' ').append(Arrays.toString(t.shape));
            }
            s.append(" -> ").append(Arrays.toString(op.output().shape)).append('\n');
        }
        for (Param q : p.params) {
            s.append("param ").append(q.name).append(' ').append(q.role).append(' ').append(q.value.elements)
                    .append(' ').append(q.value.dtype);
            if (q.conv != null) {
                s.append(" kept ").append(Arrays.toString(q.conv.keptChannels));
            }
            s.append('\n');
        }
        s.append("rules ").append(o.weightRule()).append(' ').append(o.biasRule()).append(" momentum ")
                .append(Float.floatToRawIntBits(o.momentum())).append(" qas ").append(o.qas());
        if (o.deviceBatch() != 1) {
            // B > 1 saves its gradient sums with the state (B = 1 keeps the fingerprints it always had)
            s.append(" batch ").append(o.deviceBatch());
        }
        s.append('\n');
        CRC32 crc = new CRC32();
        crc.update(s.toString().getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }
}
