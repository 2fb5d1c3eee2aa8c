package kilotrain.program;

import java.util.IdentityHashMap;
import java.util.Map;
import kilotrain.ir.Conv2D;
import kilotrain.ops.conv.ConvBackward;
import kilotrain.ops.conv.ConvKernel;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.ParamState;
import kilotrain.ops.requant.Requantizer;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.Int32BiasUpdate;
import kilotrain.ops.update.Int8WeightUpdate;
import kilotrain.ops.update.Qas;
import kilotrain.ops.update.Sgd;
import kilotrain.ops.update.WeightRounding;

/**
 * The values that persist across training steps: the trained conv weights and biases (kept here as full tensors
 * whose kept slice changes, which is what the device's forward pass reads), the float head, the optimizer state,
 * and the rules that turn a batch's summed gradient into the new int8 / int32 values.
 *
 * <p>Update of one parameter, per element i of output channel c, in float32 (the generated C does the same):
 * {@code g = sum_b g_b} (samples in batch order), {@code g = g * invB} with {@code invB = 1.0f / B},
 * {@code g = g * qas[c]} (QAS on), then {@link Sgd} gives the step and the rounding rule applies it.
 */
public final class TrainState implements ParamState {
    /**
     * Optimizer and rounding settings of a run. {@code maxStep}: the largest change of an int8 weight per update, in
     * quantization steps ({@link Int8WeightUpdate#UNLIMITED}: none). {@code deviceBatch}: B, the samples the device
     * accumulates gradients over before each update ({@link #learnSample}; 1: an update per sample, the in-place
     * updates of the device step).
     */
    public record Options(boolean qas, float momentum, WeightRounding weightRule, BiasRounding biasRule, int seed,
            float maxStep, int deviceBatch) {
        public Options {
            if (deviceBatch < 1) {
                throw new IllegalArgumentException("the device batch must be at least 1, got " + deviceBatch);
            }
        }

        /** With the default step limit. */
        public Options(boolean qas, float momentum, WeightRounding weightRule, BiasRounding biasRule, int seed) {
            this(qas, momentum, weightRule, biasRule, seed, Int8WeightUpdate.DEFAULT_MAX_STEP);
        }

        /** An update per sample on the device. */
        public Options(boolean qas, float momentum, WeightRounding weightRule, BiasRounding biasRule, int seed,
                float maxStep) {
            this(qas, momentum, weightRule, biasRule, seed, maxStep, 1);
        }

        /** The same rules with the device accumulating over {@code b} samples per update. */
        public Options withDeviceBatch(int b) {
            return new Options(qas, momentum, weightRule, biasRule, seed, maxStep, b);
        }
    }

    private final Program program;
    private final Options options;
    private final Map<Conv2D, byte[]> weights = new IdentityHashMap<>();
    private final Map<Conv2D, int[]> biases = new IdentityHashMap<>();
    private volatile int version;
    private final float[][] floatValues;
    private final Sgd[] sgd;
    private final Int8WeightUpdate[] weightUpdates;
    private final Int32BiasUpdate[] biasUpdates;
    private final float[] delta;
    private final int[][] sliceIndex;
    /** Device batch B > 1: the per-parameter gradient sums of the batch so far, and how many samples they hold. */
    private float[][] batchSums;
    private int batchFill;

    public TrainState(Program program, Options options) {
        this.program = program;
        this.options = options;
        int n = program.params.size();
        floatValues = new float[program.bufs.size()][];
        sgd = new Sgd[n];
        weightUpdates = new Int8WeightUpdate[n];
        biasUpdates = new Int32BiasUpdate[n];
        sliceIndex = new int[n][];
        int maxLen = 0;
        for (int i = 0; i < n; i++) {
            Param p = program.params.get(i);
            maxLen = Math.max(maxLen, p.value.elements);
            sgd[i] = new Sgd(p.value.elements, 0.0f, options.momentum());
            switch (p.role) {
                case HEAD_WEIGHT, HEAD_BIAS -> floatValues[p.value.id] = ((float[]) p.initial).clone();
                case CONV_WEIGHT -> {
                    Conv2D c = p.conv.op;
                    byte[] w = weights.computeIfAbsent(c, x -> x.weight.int8Data.clone());
                    int[] index = ConvBackward.weightSliceIndex(c, p.conv.partial() ? p.conv.keptChannels : null);
                    sliceIndex[i] = index;
                    weightUpdates[i] = new Int8WeightUpdate(options.weightRule(), w, 0, index, index.length,
                            options.seed() * 31 + i + 1, options.maxStep());
                }
                case CONV_BIAS -> {
                    Conv2D c = p.conv.op;
                    int[] b = biases.computeIfAbsent(c, x -> x.bias.int32Data.clone());
                    biasUpdates[i] = new Int32BiasUpdate(options.biasRule(), b, 0, b.length);
                }
            }
        }
        delta = new float[Math.max(1, maxLen)];
    }

    public Program program() {
        return program;
    }

    public Options options() {
        return options;
    }

    public float[] floats(Buf b) {
        return floatValues[b.id];
    }

    /** Current full int8 weights of a conv (trained convs: the updated copy; frozen: the model's). */
    public byte[] fullWeights(Conv2D c) {
        byte[] w = weights.get(c);
        return w != null ? w : c.weight.int8Data;
    }

    public int[] currentBias(Conv2D c) {
        int[] b = biases.get(c);
        return b != null ? b : (c.bias == null ? null : c.bias.int32Data);
    }

    /** Bumped by every change of the parameters, so per-thread kernels know when to rebuild. */
    public int version() {
        return version;
    }

    /** A forward kernel of conv c with its current weights and bias, requantizing through {@code out}. */
    public ConvKernel kernel(Conv2D c, Requantizer out) {
        return ConvKernel.of(c, fullWeights(c), currentBias(c), out);
    }

    /** The current value of a parameter in the program's slice layout: byte[], int[] or float[]. */
    public Object value(Param p) {
        switch (p.role) {
            case HEAD_WEIGHT, HEAD_BIAS -> {
                return floatValues[p.value.id].clone();
            }
            case CONV_WEIGHT -> {
                byte[] full = fullWeights(p.conv.op);
                int[] index = sliceIndex[program.params.indexOf(p)];
                byte[] out = new byte[index.length];
                for (int i = 0; i < index.length; i++) {
                    out[i] = full[index[i]];
                }
                return out;
            }
            default -> {
                return currentBias(p.conv.op).clone();
            }
        }
    }

    /** Parameter i's momentum velocity (slice order, as the generated C's {@code kt_pN_vel}), or null without momentum. */
    public float[] velocity(int i) {
        return sgd[i].velocity();
    }

    /** Parameter i's float32 master copy (FLOAT_SHADOW rules; {@code kt_pN_shadow}), or null. */
    public float[] shadow(int i) {
        return weightUpdates[i] != null ? weightUpdates[i].shadow()
                : biasUpdates[i] != null ? biasUpdates[i].shadow() : null;
    }

    /** Whether parameter i's update draws stochastic rounding numbers ({@code kt_pN_rng}). */
    public boolean stochastic(int i) {
        return weightUpdates[i] != null && options.weightRule() == WeightRounding.STOCHASTIC;
    }

    /** Parameter i's stochastic rounding generator state ({@link #stochastic}). */
    public int rngState(int i) {
        return weightUpdates[i].rngState();
    }

    /** Sets a parameter from a value in the slice layout (loading a fine-tuned model); resets optimizer state. */
    public void setValue(Param p, Object v) {
        int i = program.params.indexOf(p);
        switch (p.role) {
            case HEAD_WEIGHT, HEAD_BIAS -> System.arraycopy((float[]) v, 0, floatValues[p.value.id], 0, p.value.elements);
            case CONV_WEIGHT -> {
                byte[] full = weights.get(p.conv.op);
                int[] index = sliceIndex[i];
                byte[] b = (byte[]) v;
                for (int j = 0; j < index.length; j++) {
                    full[index[j]] = b[j];
                }
                weightUpdates[i] = new Int8WeightUpdate(options.weightRule(), full, 0, index, index.length,
                        options.seed() * 31 + i + 1, options.maxStep());
            }
            case CONV_BIAS -> {
                int[] b = biases.get(p.conv.op);
                System.arraycopy((int[]) v, 0, b, 0, b.length);
                biasUpdates[i] = new Int32BiasUpdate(options.biasRule(), b, 0, b.length);
            }
        }
        version++;
    }

    /**
     * Applies one batch: {@code grads[i]} is the sum over the batch of parameter i's per-sample gradients (it is
     * scaled in place).
     */
    public void apply(float[][] grads, int batch, float lr) {
        float invB = 1.0f / batch;
        for (int i = 0; i < grads.length; i++) {
            applyOne(i, grads[i], invB, lr);
        }
        version++;
    }

    /**
     * One labelled sample as the device learns it (the twin of {@code kt_learn}): {@code grads[i]} is parameter i's
     * gradient of this sample (overwritten). With {@code deviceBatch} B = 1 the update is {@link #apply} of a batch of
     * one ({@code 0 + g}). With B > 1 the gradients are summed per element in sample order ({@code s = 0 + g} for the
     * batch's first sample, {@code s = s + g} after), the parameters stay as they are, and the B-th sample applies
     * the sums as {@link #apply} does ({@code s * (1 / B)}, QAS, SGD, rounding) - exactly what the generated C does
     * with its {@code kt_pN_gsum} arrays. Returns true when the parameters were updated.
     */
    public boolean learnSample(float[][] grads, float lr) {
        int b = options.deviceBatch();
        if (b == 1) {
            for (float[] g : grads) {
                for (int j = 0; j < g.length; j++) {
                    g[j] = 0.0f + g[j];
                }
            }
            apply(grads, 1, lr);
            return true;
        }
        if (batchSums == null) {
            batchSums = new float[grads.length][];
            for (int i = 0; i < grads.length; i++) {
                batchSums[i] = new float[grads[i].length];
            }
        }
        for (int i = 0; i < grads.length; i++) {
            float[] s = batchSums[i], g = grads[i];
            if (batchFill == 0) {
                for (int j = 0; j < g.length; j++) {
                    s[j] = 0.0f + g[j];
                }
            } else {
                for (int j = 0; j < g.length; j++) {
                    s[j] = s[j] + g[j];
                }
            }
        }
        if (++batchFill < b) {
            return false;
        }
        batchFill = 0;
        apply(batchSums, b, lr);
        return true;
    }

    /** Samples summed since the last update (always 0 with a device batch of 1). */
    public int batchFill() {
        return batchFill;
    }

    /**
     * The device's batch-1 in-place update of parameter {@code i} from its per-sample gradient {@code g} (overwritten):
     * bit for bit what {@link #apply} does after a batch of one, whose sum starts from +0.0f, so the gradient goes
     * through the same {@code 0.0f + g} and {@code * 1.0f} before the update rule.
     */
    public void applySample(int i, float[] g, float lr) {
        requireBatchOne();
        int n = program.params.get(i).value.elements;
        for (int j = 0; j < n; j++) {
            g[j] = 0.0f + g[j];
        }
        applyOne(i, g, 1.0f / 1, lr);
        version++;
    }

    /**
     * The batch-1 update of rows {@code [row0, row0 + rows)} of conv weight parameter {@code i} from those rows'
     * per-sample gradient at {@code g[gOff ..]} (overwritten). Updating all rows in ascending chunks is bit for bit
     * {@link #applySample}: every step is elementwise and the stochastic rounding draws stay in slice order.
     */
    public void applySampleRows(int i, float[] g, int gOff, int row0, int rows, float lr) {
        requireBatchOne();
        Param p = program.params.get(i);
        if (p.role != Param.Role.CONV_WEIGHT) {
            throw new IllegalArgumentException(p.name + " is not a conv weight");
        }
        int from = row0 * p.rowLength, n = rows * p.rowLength;
        float invB = 1.0f / 1;
        for (int j = 0; j < n; j++) {
            g[gOff + j] = (0.0f + g[gOff + j]) * invB;
        }
        if (options.qas() && p.qas != null) {
            for (int r = 0; r < rows; r++) {
                float f = p.qas[row0 + r];
                int o = gOff + r * p.rowLength;
                for (int j = 0; j < p.rowLength; j++) {
                    g[o + j] = g[o + j] * f;
                }
            }
        }
        sgd[i].delta(g, gOff, from, n, lr, delta, 0);
        weightUpdates[i].apply(delta, 0, from, n);
        version++;
    }

    /** The in-place updates of the Java device step are batch 1; B > 1 is learned through {@link #learnSample}. */
    private void requireBatchOne() {
        if (options.deviceBatch() != 1) {
            throw new IllegalStateException("the in-place device update runs one sample per update; a device batch of "
                    + options.deviceBatch() + " is learned through TrainState.learnSample");
        }
    }

    private void applyOne(int i, float[] g, float invB, float lr) {
        Param p = program.params.get(i);
        int n = p.value.elements;
        for (int j = 0; j < n; j++) {
            g[j] = g[j] * invB;
        }
        if (options.qas() && p.qas != null) {
            // p.qas is already per row, so rows map to themselves
            Qas.scaleRows(g, 0, p.qas.length, p.rowLength, null, p.qas);
        }
        sgd[i].delta(g, 0, n, lr, delta, 0);
        switch (p.role) {
            case HEAD_WEIGHT, HEAD_BIAS -> {
                float[] v = floatValues[p.value.id];
                for (int j = 0; j < n; j++) {
                    v[j] = v[j] - delta[j];
                }
            }
            case CONV_WEIGHT -> weightUpdates[i].apply(delta, 0);
            case CONV_BIAS -> biasUpdates[i].apply(delta, 0);
        }
    }
}
