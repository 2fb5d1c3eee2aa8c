package kilotrain.model;

import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.codegen.CGenerator;
import kilotrain.codegen.ParamDump;
import kilotrain.program.TrainState;
import kilotrain.ops.core.Param;

/**
 * A model made of the parameters a device exported ({@link ParamDump}) on top of the model its program was compiled
 * from: same base model, scheme, head, classes and update rules, the device's values.
 */
public final class DeviceImport {
    /** The imported model and, per parameter in program order, how many of its values the device changed. */
    public record Result(TrainedModel model, int[] changed) {
        public long changedValues() {
            long n = 0;
            for (int c : changed) {
                n += c;
            }
            return n;
        }

        public long values() {
            long n = 0;
            for (Param p : model.program.params) {
                n += p.value.elements;
            }
            return n;
        }
    }

    private DeviceImport() {
    }

    public static Result read(TrainedModel start, Path dump) {
        Object[] values = CGenerator.readParams(start.program, ParamDump.read(dump, start.program), dump.toString());
        TrainState state = new TrainState(start.program, start.state.options());
        int[] changed = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            Param p = start.program.params.get(i);
            checkFinite(dump, p, values[i]);
            changed[i] = differences(start.state.value(p), values[i]);
            state.setValue(p, values[i]);
        }
        return new Result(start.withState(state), changed);
    }

    /** A NaN or infinity means the device's training diverged; such a model would predict nothing useful. */
    private static void checkFinite(Path dump, Param p, Object v) {
        if (v instanceof float[] f) {
            for (int i = 0; i < f.length; i++) {
                if (!Float.isFinite(f[i])) {
                    throw new KtException(dump + ": parameter " + p.name + " element " + i + " is " + f[i]
                            + ": the device's training diverged (or the dump is not of this program)");
                }
            }
        }
    }

    private static int differences(Object a, Object b) {
        int n = 0;
        if (a instanceof byte[] x) {
            byte[] y = (byte[]) b;
            for (int i = 0; i < x.length; i++) {
                n += x[i] != y[i] ? 1 : 0;
            }
        } else if (a instanceof int[] x) {
            int[] y = (int[]) b;
            for (int i = 0; i < x.length; i++) {
                n += x[i] != y[i] ? 1 : 0;
            }
        } else {
            float[] x = (float[]) a, y = (float[]) b;
            for (int i = 0; i < x.length; i++) {
                n += Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i]) ? 1 : 0;
            }
        }
        return n;
    }
}
