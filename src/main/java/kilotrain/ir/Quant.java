package kilotrain.ir;

import java.util.Arrays;

/**
 * Affine quantization {@code real = scale * (q - zeroPoint)}; per tensor when {@code axis < 0},
 * otherwise one scale and zero point per index of dimension {@code axis}.
 */
public final class Quant {
    public final float[] scales;
    public final int[] zeroPoints;
    public final int axis;
    /**
     * The scale as the source model wrote it, in double (the paper's pickles store Python floats);
     * the paper's effective scales are computed in double from these before rounding to float32.
     */
    public final double[] scalesDouble;

    public Quant(double[] scalesDouble, int[] zeroPoints, int axis) {
        if (scalesDouble.length != zeroPoints.length || scalesDouble.length == 0) {
            throw new IllegalArgumentException("quantization needs as many scales as zero points, got "
                    + scalesDouble.length + " and " + zeroPoints.length);
        }
        if (axis < 0 && scalesDouble.length != 1) {
            throw new IllegalArgumentException("per-tensor quantization with " + scalesDouble.length + " scales");
        }
        this.scalesDouble = scalesDouble.clone();
        this.scales = new float[scalesDouble.length];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) scalesDouble[i];
        }
        this.zeroPoints = zeroPoints.clone();
        this.axis = axis;
    }

    public static Quant perTensor(double scale, int zeroPoint) {
        return new Quant(new double[] {scale}, new int[] {zeroPoint}, -1);
    }

    public static Quant perAxis(double[] scales, int[] zeroPoints, int axis) {
        return new Quant(scales, zeroPoints, axis);
    }

    public boolean perTensor() {
        return axis < 0;
    }

    public float scale() {
        return scales[0];
    }

    public double scaleDouble() {
        return scalesDouble[0];
    }

    public int zeroPoint() {
        return zeroPoints[0];
    }

    @Override
    public String toString() {
        if (perTensor()) {
            return "q(s=" + scalesDouble[0] + ", z=" + zeroPoints[0] + ")";
        }
        return "q(axis=" + axis + ", n=" + scales.length + ", s[0]=" + scalesDouble[0] + ", z[0]=" + zeroPoints[0] + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quant q && q.axis == axis && Arrays.equals(q.scalesDouble, scalesDouble)
                && Arrays.equals(q.zeroPoints, zeroPoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(scalesDouble) * 31 + Arrays.hashCode(zeroPoints) + axis;
    }
}
