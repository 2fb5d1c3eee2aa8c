package kilotrain.ops.requant;

import java.util.Arrays;
import kilotrain.ir.Requant;
import kilotrain.ops.core.CEmitter;

/**
 * The output stage of a conv or fully connected op as its C table holds it: {@code float_rint} with one effective
 * scale and one accumulator limit per output channel (|acc * eff| <= 2^22 within the limit), or TFLite's multiplier
 * and shift per output channel. The one place the C tables' requantization arrays are written.
 */
public record RequantTable(boolean floatRint, String eff, String limit, String mult, String shift) {

    /** Declares the arrays of {@code r} for {@code channels} outputs as {@code <name>_eff} etc. */
    public static RequantTable declare(Requant r, int channels, String name, CEmitter e) {
        if (r instanceof Requant.FloatRint fr) {
            float[] eff = expand(fr.scales(), channels);
            return new RequantTable(true, e.constFloats(name + "_eff", eff), e.constInts(name + "_limit",
                    limits(eff)), "NULL", "NULL");
        }
        Requant.FixedPoint fp = (Requant.FixedPoint) r;
        return new RequantTable(false, "NULL", "NULL", e.constInts(name + "_mult", expand(fp.multipliers(), channels)),
                e.constInts(name + "_shift", expand(fp.shifts(), channels)));
    }

    /** The designated initialisers of the output stage's fields in a kernel table. */
    public String fields() {
        return ".float_rint = " + (floatRint ? 1 : 0) + ", .eff = " + eff + ", .limit = " + limit + ", .mult = " + mult
                + ", .shift = " + shift;
    }

    /** floor(2^22 / |eff|) per channel, saturated: beyond it the output saturates anyway. */
    public static int[] limits(float[] eff) {
        int[] l = new int[eff.length];
        for (int k = 0; k < eff.length; k++) {
            double a = Math.floor(4194304.0 / Math.abs((double) eff[k]));
            l[k] = a >= Integer.MAX_VALUE || Double.isNaN(a) ? Integer.MAX_VALUE : (int) a;
        }
        return l;
    }

    /** A per-tensor value repeated per channel, or the per-channel values as they are. */
    public static float[] expand(float[] v, int n) {
        if (v.length == n) {
            return v;
        }
        float[] out = new float[n];
        Arrays.fill(out, v[0]);
        return out;
    }

    public static int[] expand(int[] v, int n) {
        if (v.length == n) {
            return v;
        }
        int[] out = new int[n];
        Arrays.fill(out, v[0]);
        return out;
    }
}
