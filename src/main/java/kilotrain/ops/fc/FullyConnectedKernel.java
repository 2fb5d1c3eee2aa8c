package kilotrain.ops.fc;

import kilotrain.ir.FullyConnected;
import kilotrain.ops.Scratch;
import kilotrain.ops.requant.Requantizer;

/**
 * {@code y[o] = requant(bias[o] + sum_i W[o][i] * (x[i] - x_zero))} with int8 weights of zero offset (TFLite int8
 * fully connected weights are symmetric), per-tensor or per-channel output stage.
 */
public final class FullyConnectedKernel {
    public final int in, outFeatures, xZero;
    private final int[] w;
    private final int[] bias;
    private final Requantizer out;

    public FullyConnectedKernel(int in, int outFeatures, int xZero, byte[] weight, int[] bias, Requantizer out) {
        if (weight.length != in * outFeatures) {
            throw new IllegalArgumentException("fully connected weights hold " + weight.length + " values, expected "
                    + in * outFeatures);
        }
        this.in = in;
        this.outFeatures = outFeatures;
        this.xZero = xZero;
        this.w = new int[weight.length];
        for (int k = 0; k < weight.length; k++) {
            w[k] = weight[k];
        }
        this.bias = bias == null ? new int[outFeatures] : bias.clone();
        this.out = out;
    }

    public static FullyConnectedKernel of(FullyConnected op) {
        Requantizer rq = Requantizer.of(op.requant, op.outFeatures(), op.output.quant.zeroPoint(), op.actMin,
                op.actMax);
        return new FullyConnectedKernel(op.inFeatures(), op.outFeatures(), op.input.quant.zeroPoint(),
                op.weight.int8Data, op.bias == null ? null : op.bias.int32Data, rq);
    }

    /** Declares the scratch: accumulators and the zero-point-shifted input. */
    public void reserve(Scratch.Sizer s) {
        s.acc(outFeatures).in(in);
    }

    public void forward(byte[] x, int xOff, byte[] y, int yOff, Scratch scratch) {
        int[] acc = scratch.acc, xs = scratch.in;
        int n = in, z = xZero;
        for (int i = 0; i < n; i++) {
            xs[i] = x[xOff + i] - z;
        }
        int[] wt = w;
        for (int o = 0; o < outFeatures; o++) {
            int s = bias[o];
            int wb = o * n;
            for (int i = 0; i < n; i++) {
                s += wt[wb + i] * xs[i];
            }
            acc[o] = s;
        }
        out.apply(acc, 0, outFeatures, 0, y, yOff);
    }
}
