package kilotrain.ops.bench;

import java.util.Random;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ir.Tensor;
import kilotrain.ops.conv.ConvBackward;

/**
 * Rough timing of the conv backward kernels on MCUNet-sized layers (not a test: run with
 * {@code java -cp target/classes:target/test-classes:... kilotrain.ops.bench.BackwardBench}).
 */
public final class BackwardBench {
    public static void main(String[] args) {
        run("pw 96->384 @8x8", conv(8, 96, 384, 1, 1, 1, 0));
        run("pw 384->96 @8x8", conv(8, 384, 96, 1, 1, 1, 0));
        run("pw 48->144 @20x20", conv(20, 48, 144, 1, 1, 1, 0));
        run("dw5x5 384 @8x8", conv(8, 384, 384, 5, 384, 1, 2));
        run("dw3x3 144 s2 @20x20", conv(20, 144, 144, 3, 144, 2, 1));
        run("conv3x3 16->16 @32x32", conv(32, 16, 16, 3, 1, 1, 1));
        run("pw 576->160 @4x4", conv(4, 576, 160, 1, 1, 1, 0));
        run("dw7x7 160 @8x8", conv(8, 160, 160, 7, 160, 1, 3));
    }

    static Conv2D conv(int hw, int cin, int cout, int k, int groups, int stride, int pad) {
        int out = Padding.outSize(hw, k, stride, 1, pad, pad);
        Random r = new Random(1);
        byte[] w = new byte[cout * k * k * (cin / groups)];
        r.nextBytes(w);
        double[] s = new double[cout];
        java.util.Arrays.fill(s, 0.01);
        Tensor in = new Tensor("x", new int[] {1, hw, hw, cin}, DType.INT8, Quant.perTensor(0.05, 3));
        Tensor wt = Tensor.int8("w", new int[] {cout, k, k, cin / groups}, Quant.perAxis(s, new int[cout], 0), w);
        Tensor y = new Tensor("y", new int[] {1, out, out, cout}, DType.INT8, Quant.perTensor(0.1, 0));
        float[] eff = new float[cout];
        java.util.Arrays.fill(eff, 0.001f);
        return new Conv2D("c", in, wt, null, y, stride, stride, 1, 1, new Padding(pad, pad, pad, pad), groups,
                new Requant.FloatRint(eff), -128, 127, "NONE");
    }

    static void run(String name, Conv2D op) {
        Random r = new Random(2);
        byte[] x = new byte[op.input.elements()];
        r.nextBytes(x);
        float[] gAcc = new float[op.output.elements()];
        for (int i = 0; i < gAcc.length; i++) {
            gAcc[i] = r.nextInt(3) == 0 ? 0f : r.nextFloat() - 0.5f;
        }
        float[] gW = new float[op.weight.elements()];
        float[] gX = new float[op.input.elements()];
        float[] gB = new float[op.output.channels()];
        long macs = op.macs();
        // as the executor calls them: weights converted once, scratch reused
        ConvBackward.Work work = new ConvBackward.Work();
        ConvBackward.Weights wf = new ConvBackward.Weights(op).set(op, op.weight.int8Data, 0);
        double wt = time(() -> ConvBackward.weightGrad(op, x, 0, gAcc, 0, null, gW, 0, work));
        double it = time(() -> ConvBackward.inputGrad(op, wf, gAcc, 0, gX, 0, work));
        double bt = time(() -> ConvBackward.biasGrad(op, gAcc, 0, gB, 0));
        System.out.printf("%-24s %9d MACs  weightGrad %8.1f us (%5.2f GMAC/s)  inputGrad %8.1f us (%5.2f GMAC/s)"
                + "  biasGrad %6.1f us%n", name, macs, wt, macs / wt / 1e3, it, macs / it / 1e3, bt);
    }

    static double time(Runnable f) {
        for (int i = 0; i < 200; i++) {
            f.run();
        }
        // thread CPU time: the build machine is shared, wall time would measure the neighbours
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int reps = 0;
        long t0 = mx.getCurrentThreadCpuTime(), t;
        do {
            f.run();
            reps++;
            t = mx.getCurrentThreadCpuTime();
        } while (t - t0 < 700_000_000L);
        return (t - t0) / 1e3 / reps;
    }
}
