package kilotrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.InputFiles;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.Qas;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import org.junit.jupiter.api.Test;

/**
 * The compiled training step (compile-time autodiff + host executor) reproduces the reference's gradients of
 * MCUNet's last seven convolutions on its training example, plain and with QAS, within 1e-4 of each tensor's
 * largest magnitude.
 */
class ProgramGradientsTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Path GRADS = SHARED.resolve("testvectors/tiny-training/mcunet-5fps-grad");

    @Test
    void compiledStepMatchesReferenceGradients() throws IOException {
        Graph g = PklImporter.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));
        // last 7 convs, classifier counted: convs 36..41 and the model's own classifier (conv 42)
        Program p = TrainCompiler.compile(g, new TrainSpec(Scheme.lastK(7, 42), 1000, 0, true));
        TrainState state = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.FLOAT_SHADOW,
                BiasRounding.FLOAT_SHADOW, 0));
        TrainExecutor ex = new TrainExecutor(p, state);
        byte[] input = InputFiles.nchwToNhwc(
                Files.readAllBytes(SHARED.resolve("testvectors/tiny-training/mcunet-5fps/case1.input.int8")), 3, 128, 128);
        TrainExecutor.Workspace ws = ex.workspace();
        float loss = ex.step(ws, input, 3);
        assertEquals(64.00316619873047, loss, 1e-4);

        float[][] grads = new float[p.params.size()][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = new float[p.params.get(i).grad.elements];
        }
        ex.copyGradients(ws, grads);
        int checked = 0;
        for (int i = 0; i < p.params.size(); i++) {
            Param q = p.params.get(i);
            int conv = q.conv.index;
            Conv2D c = q.conv.op;
            boolean weight = q.role == Param.Role.CONV_WEIGHT;
            String kind = weight ? "weight_grad" : "bias_grad";
            float[] plain = grads[i].clone();
            float[] refPlain = read(GRADS.resolve("conv" + conv + "." + kind + ".f32"));
            float[] refQas = read(GRADS.resolve("conv" + conv + "." + kind + "_qas.f32"));
            if (weight) {
                refPlain = oihwToOhwi(refPlain, c);
                refQas = oihwToOhwi(refQas, c);
            }
            assertClose(refPlain, plain, "conv" + conv + " " + kind);
            float[] qas = grads[i].clone();
            Qas.scaleRows(qas, 0, q.qas.length, q.rowLength, null, q.qas);
            assertClose(refQas, qas, "conv" + conv + " " + kind + " with QAS");
            checked++;
        }
        assertEquals(14, checked, "weights and biases of convs 36..42");
    }

    static void assertClose(float[] ref, float[] got, String what) {
        assertEquals(ref.length, got.length, what + ": size");
        double max = 0;
        for (float v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 0, what + ": reference is all zero");
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(ref[i] - got[i]));
        }
        assertTrue(worst <= 1e-4 * max, what + ": max error " + worst + " vs largest magnitude " + max);
    }

    static float[] oihwToOhwi(float[] oihw, Conv2D c) {
        int o = c.output.channels(), kh = c.kernelH(), kw = c.kernelW(), i = c.weight.dim(3);
        float[] out = new float[oihw.length];
        for (int a = 0; a < o; a++) {
            for (int b = 0; b < i; b++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        out[((a * kh + y) * kw + x) * i + b] = oihw[((a * i + b) * kh + y) * kw + x];
                    }
                }
            }
        }
        return out;
    }

    static float[] read(Path f) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(out);
        return out;
    }
}
