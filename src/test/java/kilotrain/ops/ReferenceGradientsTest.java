package kilotrain.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.exec.Executor;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Requant;
import kilotrain.ir.Reshape;
import kilotrain.ir.Tensor;
import kilotrain.ops.add.AddBackward;
import kilotrain.ops.conv.ConvBackward;
import kilotrain.ops.conv.ConvMask;
import kilotrain.ops.loss.SoftmaxCrossEntropy;
import kilotrain.ops.pool.AvgPoolBackward;
import kilotrain.ops.update.Qas;
import org.junit.jupiter.api.Test;

/**
 * The backward rules chained through the tail of MCUNet (last two blocks, pool, classifier) on the reference's
 * training example: loss, plain and QAS gradients of convs 36..42 must match the paper's PyTorch simulation within
 * 1e-4 of each tensor's largest magnitude (summation order differs).
 */
class ReferenceGradientsTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Path GRADS = SHARED.resolve("testvectors/tiny-training/mcunet-5fps-grad");
    static final int FIRST = 36;

    @Test
    void tailGradientsMatchTheReference() throws IOException {
        Graph g = PklImporter.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));
        byte[] nchw = Files.readAllBytes(SHARED.resolve("testvectors/tiny-training/mcunet-5fps/case1.input.int8"));
        Executor ex = new Executor(g);
        byte[] logits = ex.run(kilotrain.data.InputFiles.nchwToNhwc(nchw, 3, 128, 128));

        Map<Tensor, float[]> grad = new IdentityHashMap<>();
        float[] gOut = new float[logits.length];
        float loss = SoftmaxCrossEntropy.lossAndGrad(logits, 0, logits.length, 3, gOut, 0);
        assertEquals(64.00316619873047, loss, 1e-4);
        grad.put(g.output, gOut);

        List<Op> weighted = g.weightedOps();
        Op first = weighted.get(FIRST);
        int checked = 0;
        for (int i = g.ops.size() - 1; i >= 0; i--) {
            Op op = g.ops.get(i);
            float[] gy = grad.get(op.output());
            if (gy == null) {
                continue;
            }
            if (op instanceof Conv2D c) {
                byte[] x = ex.view(c.input);
                int n = c.output.elements(), cout = c.output.channels();
                byte[] mask = convMask(c, x);
                float[] eff = ConvBackward.effScales(c.requant, cout);
                float[] gAcc = new float[n];
                ConvBackward.outputGrad(c, gy, 0, mask, 0, eff, gAcc, 0);
                float[] gB = new float[cout];
                ConvBackward.biasGrad(c, gAcc, 0, gB, 0);
                float[] gW = new float[c.weight.elements()];
                ConvBackward.weightGrad(c, x, 0, gAcc, 0, null, gW, 0);
                int idx = weighted.indexOf(c);
                compare(c, idx, "weight_grad", ohwiToOihw(c, gW));
                compare(c, idx, "bias_grad", gB);
                int rowLen = gW.length / cout;
                Qas.scaleRows(gW, 0, cout, rowLen, null, Qas.weightFactors(c.weight.quant.scalesDouble));
                Qas.scale(gB, 0, cout, Qas.biasFactors(c.weight.quant.scalesDouble, c.input.quant.scaleDouble()));
                compare(c, idx, "weight_grad_qas", ohwiToOihw(c, gW));
                compare(c, idx, "bias_grad_qas", gB);
                checked++;
                if (op == first) {
                    break;
                }
                float[] gX = new float[c.input.elements()];
                ConvBackward.inputGrad(c, c.weight.int8Data, 0, gAcc, 0, gX, 0);
                accumulate(grad, c.input, gX);
            } else if (op instanceof Add a) {
                int n = a.output.elements();
                byte[] mask = addMask(a, ex.view(a.a), ex.view(a.b));
                float[] g1 = new float[n], g2 = new float[n];
                AddBackward.inputGrads(a, gy, 0, mask, 0, g1, 0, g2, 0);
                accumulate(grad, a.a, g1);
                accumulate(grad, a.b, g2);
            } else if (op instanceof AvgPool2D p) {
                float[] gX = new float[p.input.elements()];
                AvgPoolBackward.inputGrad(p, gy, 0, null, 0, gX, 0);
                accumulate(grad, p.input, gX);
            } else if (op instanceof Reshape r) {
                accumulate(grad, r.input, gy.clone());
            } else {
                throw new AssertionError("unexpected operator in the tail: " + op);
            }
        }
        assertEquals(7, checked);
    }

    static void accumulate(Map<Tensor, float[]> grad, Tensor t, float[] g) {
        float[] old = grad.get(t);
        if (old == null) {
            grad.put(t, g);
            return;
        }
        for (int i = 0; i < g.length; i++) {
            old[i] += g[i];
        }
    }

    static void compare(Conv2D c, int idx, String kind, float[] ours) throws IOException {
        float[] ref = readF32(GRADS.resolve("conv" + idx + "." + kind + ".f32"));
        assertEquals(ref.length, ours.length, c.name + " " + kind);
        double max = 0, worst = 0;
        for (float v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(ref[i] - ours[i]));
        }
        System.out.printf("conv%d %-16s max |ref| %.4g, max |diff| %.3g (%.2g relative)%n", idx, kind, max, worst,
                worst / max);
        assertTrue(max > 0, "conv" + idx + " " + kind + " is all zero in the reference");
        assertTrue(worst <= 1e-4 * max, "conv" + idx + " " + kind + ": differs by " + worst + " of " + max);
    }

    /** The forward's clamp mask recomputed from the saved input: float32 rint(float(acc + b) * eff) + zy. */
    static byte[] convMask(Conv2D c, byte[] x) {
        int inH = c.input.height(), inW = c.input.width(), cin = c.input.channels();
        int outH = c.output.height(), outW = c.output.width(), cout = c.output.channels();
        int kh = c.kernelH(), kw = c.kernelW(), cinPG = cin / c.groups, coutPG = cout / c.groups;
        int zx = c.input.quant.zeroPoint();
        float[] eff = ((Requant.FloatRint) c.requant).scales();
        byte[] w = c.weight.int8Data;
        int[] b = c.bias.int32Data;
        float[] rz = new float[c.output.elements()];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int co = 0; co < cout; co++) {
                    int acc = 0;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * c.strideH - c.padding.top() + ky * c.dilationH;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * c.strideW - c.padding.left() + kx * c.dilationW;
                            if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
                                continue;
                            }
                            for (int i = 0; i < cinPG; i++) {
                                acc += w[((co * kh + ky) * kw + kx) * cinPG + i]
                                        * (x[(iy * inW + ix) * cin + (co / coutPG) * cinPG + i] - zx);
                            }
                        }
                    }
                    rz[(oy * outW + ox) * cout + co] =
                            (float) Math.rint((float) (acc + b[co]) * eff[eff.length == 1 ? 0 : co]);
                }
            }
        }
        byte[] m = new byte[ConvMask.bytes(rz.length)];
        ConvMask.pack(rz, 0, rz.length, c.output.quant.zeroPoint(), c.actMin, c.actMax, m, 0);
        return m;
    }

    static byte[] addMask(Add a, byte[] x1, byte[] x2) {
        float s1 = a.a.quant.scale(), s2 = a.b.quant.scale(), sy = a.output.quant.scale();
        float z1 = a.a.quant.zeroPoint(), z2 = a.b.quant.zeroPoint();
        float[] rz = new float[x1.length];
        for (int i = 0; i < rz.length; i++) {
            rz[i] = (float) Math.rint(((x1[i] - z1) * s1 + (x2[i] - z2) * s2) / sy);
        }
        byte[] m = new byte[ConvMask.bytes(rz.length)];
        ConvMask.pack(rz, 0, rz.length, a.output.quant.zeroPoint(), a.actMin, a.actMax, m, 0);
        return m;
    }

    static float[] ohwiToOihw(Conv2D c, float[] g) {
        int cout = c.output.channels(), kh = c.kernelH(), kw = c.kernelW(), ci = c.weight.dim(3);
        float[] out = new float[g.length];
        for (int o = 0; o < cout; o++) {
            for (int y = 0; y < kh; y++) {
                for (int x = 0; x < kw; x++) {
                    for (int i = 0; i < ci; i++) {
                        out[((o * ci + i) * kh + y) * kw + x] = g[((o * kh + y) * kw + x) * ci + i];
                    }
                }
            }
        }
        return out;
    }

    static float[] readF32(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }
}
