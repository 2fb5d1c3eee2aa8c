package kilotrain.ops.dequantize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * DEQUANTIZE int8 -> float32 against TFLite Micro: the int8 case of its kernel test ({@code dequantize_test.cc}:
 * scale 0.5, zero point -1, the values -63.5 .. 64) bit for bit, and the float32 form kilotrain computes against
 * TFLite's reference formula with the scale in double, {@code (float) (scale * (q - zero))}, for every int8 value at
 * scales over the whole float exponent range (subnormal to the largest) and every zero point. The C kernel is held
 * to the same two checks on the host and on the emulated Cortex-M7 (kt_kernel_test.c, CKernelsTest).
 */
class DequantizeTest {
    @Test
    void tfliteMicroGoldenBitForBit() {
        float[] values = {-63.5f, -63f, -62.5f, -62f, -61.5f, 62f, 62.5f, 63f, 63.5f, 64f};
        float scale = 0.5f;
        int zero = -1;
        byte[] q = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            // TFLite's Quantize (the test's input): round half away from zero, plus the zero point, clamped
            q[i] = (byte) Math.max(-128, Math.min(127, Math.round(Math.abs(values[i] / scale))
                    * (int) Math.signum(values[i]) + zero));
        }
        assertEquals(-128, q[0]);
        assertEquals(127, q[9]);
        float[] out = new float[values.length];
        Dequantize.run(q, 0, q.length, scale, zero, out, 0);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(out[i]), "element " + i);
        }
    }

    @Test
    void floatFormEqualsTflitesDoubleFormula() {
        SplittableRandom r = new SplittableRandom(22);
        int scales = 0;
        for (int it = 0; it < 4000; it++) {
            float s = Float.intBitsToFloat(r.nextInt(1, 0x7f800000)); // every positive finite float, subnormals too
            int zero = r.nextInt(-128, 128);
            for (int q = -128; q < 128; q++) {
                float tflite = (float) ((double) s * (q - zero));
                assertEquals(Float.floatToRawIntBits(tflite), Float.floatToRawIntBits(Dequantize.value(q, s, zero)),
                        "scale " + s + " zero " + zero + " q " + q);
            }
            scales++;
        }
        // the extremes
        for (float s : new float[] {Float.MIN_VALUE, Float.MIN_NORMAL, 1.0f, Float.MAX_VALUE / 300, Float.MAX_VALUE}) {
            for (int zero : new int[] {-128, 127}) {
                for (int q = -128; q < 128; q++) {
                    assertEquals(Float.floatToRawIntBits((float) ((double) s * (q - zero))),
                            Float.floatToRawIntBits(Dequantize.value(q, s, zero)));
                }
            }
        }
        assertEquals(4000, scales);
    }
}
