package kilotrain.ops.activation;

import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import kilotrain.ir.Tensor;
import kilotrain.ops.TableOp;
import org.junit.jupiter.api.Test;

/**
 * LOGISTIC, TANH and HARD_SWISH byte for byte against TFLite Micro's reference integer kernels, on all 256 int8
 * inputs of 415 quantizations: {@code tflm_int8_tables.txt} holds the outputs of TFLite Micro's int8 kernels
 * ({@code reference_integer_ops::Logistic}, {@code reference_integer_ops::Tanh}, {@code reference_ops::HardSwish})
 * with their prepare code (the multiplier, shift and input radius of {@code logistic_common.cc} and
 * {@code tanh.cc}; the int16 multipliers of {@code hard_swish_common.cc}) and gemmlowp's {@code fixedpoint.h},
 * compiled with the host's g++ outside kilotrain (docs/operators.md says how). Each line: the operator, the input
 * scale (float bits) and zero point, the output scale (float bits) and zero point, then the outputs for inputs
 * -128 .. 127. The quantizations: TFLite Micro's kernel tests' own (LOGISTIC input scales 0.1 and 1.0, TANH 16/256,
 * HARD_SWISH's 16 pairs of input and output ranges {0, 1}, {-2, 1}, {-5, 10}, {-40, 60} quantized as its test does),
 * a grid of 15 scales by zero points -128, -5, 0, 40, 127, random ones, and HARD_SWISH's with a large output scale
 * (the int16 rounding shift by 16 or more).
 */
class TfliteMicroTablesTest {
    record Line(String kind, float inScale, int inZero, float outScale, int outZero, byte[] out) {
    }

    static List<Line> lines() throws Exception {
        List<Line> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(TfliteMicroTablesTest.class
                .getResourceAsStream("/kilotrain/ops/activation/tflm_int8_tables.txt"), StandardCharsets.US_ASCII))) {
            for (String s; (s = r.readLine()) != null;) {
                String[] f = s.trim().split(" ");
                byte[] y = new byte[256];
                for (int i = 0; i < 256; i++) {
                    y[i] = (byte) Integer.parseInt(f[5 + i]);
                }
                out.add(new Line(f[0], Float.intBitsToFloat(Integer.parseUnsignedInt(f[1], 16)), Integer.parseInt(f[2]),
                        Float.intBitsToFloat(Integer.parseUnsignedInt(f[3], 16)), Integer.parseInt(f[4]), y));
            }
        }
        return out;
    }

    @Test
    void everyTableEqualsTfliteMicrosKernels() throws Exception {
        List<Line> lines = lines();
        int[] counts = new int[3];
        for (Line l : lines) {
            Tensor x = t("x", l.inScale, l.inZero, 1, 256), y = t("y", l.outScale, l.outZero, 1, 256);
            TableOp op = switch (l.kind) {
                case "logistic" -> new Sigmoid("s", x, y, false);
                case "tanh" -> new Sigmoid("s", x, y, true);
                default -> new HardSwish("h", x, y);
            };
            counts[l.kind.equals("logistic") ? 0 : l.kind.equals("tanh") ? 1 : 2]++;
            byte[] got = run(op, SigmoidTest.all());
            for (int i = 0; i < 256; i++) {
                assertEquals(l.out[i], got[i], l.kind + " input scale " + l.inScale + " zero " + l.inZero
                        + " output scale " + l.outScale + " zero " + l.outZero + ": input " + (i - 128));
            }
        }
        assertEquals(415, lines.size());
        assertTrue(counts[0] == 135 && counts[1] == 135 && counts[2] == 145, java.util.Arrays.toString(counts));
    }
}
