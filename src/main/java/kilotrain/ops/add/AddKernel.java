package kilotrain.ops.add;

import kilotrain.ir.Add;
import kilotrain.ir.Quant;

/**
 * Elementwise int8 addition with requantization, prepared once per operator. {@link Add.Rule#FLOAT_RINT} is the
 * paper's float32 formula; {@link Add.Rule#TFLITE_FIXED_POINT} is TFLite's reference int8 ADD: both inputs are
 * shifted left by 20 bits, rescaled to twice the larger input scale with Q31 multipliers below one, summed and
 * rescaled to the output.
 */
public final class AddKernel {
    public static final int LEFT_SHIFT = Rescale.LEFT_SHIFT;

    private final boolean floatRint;
    private final int n, za, zb, zy, actMin, actMax;
    private final float sa, sb, sy;
    /** TFLite's fixed-point rule. */
    public final Rescale rescale;

    public AddKernel(int n, Quant a, Quant b, Quant y, Add.Rule rule, int actMin, int actMax) {
        this.n = n;
        this.floatRint = rule == Add.Rule.FLOAT_RINT;
        this.za = a.zeroPoint();
        this.zb = b.zeroPoint();
        this.zy = y.zeroPoint();
        this.sa = a.scale();
        this.sb = b.scale();
        this.sy = y.scale();
        this.actMin = actMin;
        this.actMax = actMax;
        this.rescale = Rescale.add(sa, za, sb, zb, sy, zy);
    }

    public static AddKernel of(Add op) {
        return new AddKernel(op.output.elements(), op.a.quant, op.b.quant, op.output.quant, op.rule, op.actMin,
                op.actMax);
    }

    public void forward(byte[] a, int aOff, byte[] b, int bOff, byte[] y, int yOff) {
        if (floatRint) {
            floatRint(a, aOff, za, sa, b, bOff, zb, sb, y, yOff, zy, sy, n, actMin, actMax);
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = (byte) fixedPoint(a[aOff + i], b[bOff + i]);
            }
        }
    }

    /** {@code clamp(rint(((a - za) * sa + (b - zb) * sb) / sy) + zy)}, every step in float32. */
    public static void floatRint(byte[] a, int aOff, int za, float sa, byte[] b, int bOff, int zb, float sb,
            byte[] y, int yOff, int zy, float sy, int n, int actMin, int actMax) {
        float fza = za, fzb = zb, fzy = zy, lo = actMin, hi = actMax;
        for (int i = 0; i < n; i++) {
            float v = ((a[aOff + i] - fza) * sa + (b[bOff + i] - fzb) * sb) / sy;
            float q = (float) Math.rint(v) + fzy;
            y[yOff + i] = (byte) (int) (q < lo ? lo : q > hi ? hi : q);
        }
    }

    public int fixedPoint(int qa, int qb) {
        int raw = fixedPointUnclamped(qa, qb);
        return raw < actMin ? actMin : Math.min(raw, actMax);
    }

    private int fixedPointUnclamped(int qa, int qb) {
        return rescale.unclamped(qa, qb);
    }

    /**
     * The clamp mask of the outputs (bit i set where the output before the clamp lay inside [actMin, actMax]),
     * packed LSB first from {@code mask[maskOff]}: where the backward pass lets the gradient through.
     */
    public void mask(byte[] a, int aOff, byte[] b, int bOff, byte[] mask, int maskOff) {
        java.util.Arrays.fill(mask, maskOff, maskOff + (n + 7) / 8, (byte) 0);
        float fza = za, fzb = zb, fzy = zy, lo = actMin, hi = actMax;
        for (int i = 0; i < n; i++) {
            boolean inside;
            if (floatRint) {
                float q = (float) Math.rint(((a[aOff + i] - fza) * sa + (b[bOff + i] - fzb) * sb) / sy) + fzy;
                inside = q >= lo && q <= hi;
            } else {
                int raw = fixedPointUnclamped(a[aOff + i], b[bOff + i]);
                inside = raw >= actMin && raw <= actMax;
            }
            if (inside) {
                mask[maskOff + (i >>> 3)] |= (byte) (1 << (i & 7));
            }
        }
    }
}
