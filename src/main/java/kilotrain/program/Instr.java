package kilotrain.program;

import java.util.ArrayList;
import java.util.List;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Op;
import kilotrain.ops.add.AddBackward;
import kilotrain.ops.add.AddKernel;
import kilotrain.ops.conv.ConvBackward;
import kilotrain.ops.conv.ConvDwFused;
import kilotrain.ops.conv.ConvKernel;
import kilotrain.ops.conv.WeightGradRows;
import kilotrain.ops.fc.FullyConnectedKernel;
import kilotrain.ops.head.FloatHead;
import kilotrain.ops.loss.SoftmaxCrossEntropy;
import kilotrain.ops.pool.AvgPoolBackward;
import kilotrain.ops.pool.AvgPoolKernel;
import kilotrain.ops.requant.MaskingRequantizer;
import kilotrain.ops.requant.Requantizer;

/**
 * One operation of the compiled training step. Every instruction names the buffers it reads and writes, so
 * lifetime analysis, reordering and memory planning need nothing else. Every consumer of instructions goes through
 * the abstract methods below, so an instruction kind that one of them does not handle does not compile: the Java
 * executor binds each instruction once ({@link #bind}) and runs the bound steps, the C generator asks each for its
 * statement ({@link #emitC}), and the memory passes ask for the updated parameter, the constant tensors and the
 * in-place candidate.
 */
public sealed interface Instr {

    List<Buf> reads();

    List<Buf> writes();

    /** Short operation name as {@code compile --print} shows it. */
    String op();

    /** This instruction bound to its kernels and parameters for the Java executor: done once, run many times. */
    JavaStep bind(JavaBinder b);

    /** Its C statement; {@code training} false is the inference pass (no masks recorded). */
    String emitC(CEmitter e, boolean training);

    /** The parameter this instruction updates in place (batch 1), or null. */
    Param updatedParam();

    /** The operators whose constant tensors (weights, biases, in flash) this forward instruction runs. */
    List<Op> constOps();

    /**
     * The (source, destination) pair this instruction could write over one another, or null: an elementwise operator
     * whose output element i depends only on input element i, read before it is written, of the same size. The
     * memory planner shares them when the source dies here.
     */
    default Buf[] inPlace() {
        return null;
    }

    /** Forward convolution; {@code mask} (nullable) receives one bit per output: 1 where the clamp passed. */
    record ConvFwd(Conv2D conv, TrainedConv trained, Buf in, Buf out, Buf mask, Buf weight, Buf bias) implements Instr {
        public List<Buf> reads() {
            return list(in, weight, bias);
        }

        public List<Buf> writes() {
            return list(out, mask);
        }

        public String op() {
            return "conv_fwd";
        }

        public JavaStep bind(JavaBinder b) {
            ConvKernel k = ConvKernel.of(conv);
            k.reserve(b.sizer());
            int i = in.id, o = out.id;
            if (trained == null && mask == null) {
                // frozen and unmasked: one kernel shared by all threads
                return (f, training) -> k.forward(f.bytes[i], f.off[i], f.bytes[o], f.off[o], f.scratch);
            }
            // trained convs read the current parameters, masked ones record their clamp: each thread its own kernel
            TrainState state = b.state();
            int slot = b.slot(new SlotKey("conv_fwd", conv), () -> new OwnKernel(conv));
            int m = mask == null ? -1 : mask.id;
            return (f, training) -> {
                OwnKernel own = (OwnKernel) f.local[slot];
                int v = state.version();
                if (own.version != v) {
                    own.kernel = state.kernel(conv, own.masker);
                    own.version = v;
                }
                own.masker.target(training && m >= 0 ? f.bytes[m] : null, training && m >= 0 ? f.off[m] : 0,
                        f.off[o]);
                own.kernel.forward(f.bytes[i], f.off[i], f.bytes[o], f.off[o], f.scratch);
            };
        }

        /** One thread's kernel of a trained or masked conv, rebuilt when the parameters' version moves on. */
        private static final class OwnKernel {
            final MaskingRequantizer masker;
            ConvKernel kernel;
            int version = -1;

            OwnKernel(Conv2D c) {
                masker = new MaskingRequantizer(Requantizer.of(c.requant, c.output.channels(),
                        c.output.quant.zeroPoint(), c.actMin, c.actMax));
            }
        }

        public String emitC(CEmitter e, boolean training) {
            Conv2D c = conv;
            // two pixels' patches, each rounded up to whole groups of four values
            String xs = e.scratch("int16_t", "kt_xs",
                    c.groups == 1 ? 2 * ((c.kernelH() * c.kernelW() * c.input.channels() + 3) & ~3) : 1);
            String acc = e.scratch("int32_t", "kt_acc", Math.max(2 * c.output.channels(), 4 * c.output.width()));
            return "kt_conv_fwd(" + e.conv(c) + ", " + e.buf(in) + ", " + e.convWeights(c) + ", " + e.convSlice(c)
                    + ", " + e.convBias(c) + ", " + e.buf(out) + ", " + (training ? e.buf(mask) : "NULL") + ", " + xs
                    + ", " + acc + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of(conv);
        }
    }

    record FcFwd(FullyConnected fc, Buf in, Buf out, Buf mask) implements Instr {
        public List<Buf> reads() {
            return list(in);
        }

        public List<Buf> writes() {
            return list(out, mask);
        }

        public String op() {
            return "fc_fwd";
        }

        public JavaStep bind(JavaBinder b) {
            FullyConnectedKernel k = FullyConnectedKernel.of(fc);
            k.reserve(b.sizer());
            int i = in.id, o = out.id;
            return (f, training) -> k.forward(f.bytes[i], f.off[i], f.bytes[o], f.off[o], f.scratch);
        }

        public String emitC(CEmitter e, boolean training) {
            String name = e.fc(fc);
            String bias = fc.bias == null ? "NULL" : name + "_b";
            return "kt_fc_fwd(&" + name + ", " + e.buf(in) + ", " + name + "_w, " + bias + ", " + e.buf(out) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of(fc);
        }
    }

    record AddFwd(Add add, Buf a, Buf b, Buf out, Buf mask) implements Instr {
        public List<Buf> reads() {
            return list(a, b);
        }

        public List<Buf> writes() {
            return list(out, mask);
        }

        public String op() {
            return "add_fwd";
        }

        public JavaStep bind(JavaBinder bd) {
            AddKernel k = AddKernel.of(add);
            int ia = a.id, ib = b.id, o = out.id, m = mask == null ? -1 : mask.id;
            return (f, training) -> {
                k.forward(f.bytes[ia], f.off[ia], f.bytes[ib], f.off[ib], f.bytes[o], f.off[o]);
                if (training && m >= 0) {
                    k.mask(f.bytes[ia], f.off[ia], f.bytes[ib], f.off[ib], f.bytes[m], f.off[m]);
                }
            };
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_add_fwd(" + e.add(add) + ", " + e.buf(a) + ", " + e.buf(b) + ", " + e.buf(out) + ", "
                    + (training ? e.buf(mask) : "NULL") + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    record PoolFwd(AvgPool2D pool, Buf in, Buf out) implements Instr {
        public List<Buf> reads() {
            return list(in);
        }

        public List<Buf> writes() {
            return list(out);
        }

        public String op() {
            return "avgpool_fwd";
        }

        public JavaStep bind(JavaBinder b) {
            int i = in.id, o = out.id;
            return (f, training) -> AvgPoolKernel.forward(pool, f.bytes[i], f.off[i], f.bytes[o], f.off[o]);
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_pool_fwd(" + e.pool(pool) + ", " + e.buf(in) + ", " + e.buf(out) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /** Reshape: the same bytes under a new shape; kept as a copy so every buffer has one writer. */
    record Copy(Buf in, Buf out) implements Instr {
        public List<Buf> reads() {
            return list(in);
        }

        public List<Buf> writes() {
            return list(out);
        }

        public String op() {
            return "copy";
        }

        public JavaStep bind(JavaBinder b) {
            int i = in.id, o = out.id, n = in.elements;
            return (f, training) -> System.arraycopy(f.bytes[i], f.off[i], f.bytes[o], f.off[o], n);
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_copy_i8(" + e.buf(in) + ", " + e.buf(out) + ", " + in.elements + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }

        @Override
        public Buf[] inPlace() {
            return new Buf[] {in, out};
        }
    }

    /** Saves the kept input channels of a partially trained conv for its weight gradient. */
    record SaveChannels(Buf in, int channels, int[] kept, Buf saved) implements Instr {
        public List<Buf> reads() {
            return list(in);
        }

        public List<Buf> writes() {
            return list(saved);
        }

        public String op() {
            return "save_channels";
        }

        public JavaStep bind(JavaBinder b) {
            int i = in.id, s = saved.id, pixels = saved.elements / kept.length;
            return (f, training) -> saveChannels(f.bytes[i], f.off[i], channels, kept, f.bytes[s], f.off[s], pixels);
        }

        static void saveChannels(byte[] in, int inOff, int channels, int[] kept, byte[] saved, int savedOff,
                int pixels) {
            int k = kept.length;
            for (int p = 0; p < pixels; p++) {
                int src = inOff + p * channels, dst = savedOff + p * k;
                for (int j = 0; j < k; j++) {
                    saved[dst + j] = in[src + kept[j]];
                }
            }
        }

        public String emitC(CEmitter e, boolean training) {
            String k = e.constInts("kt_kept_" + saved.id, kept);
            return "kt_save_channels(" + e.buf(in) + ", " + channels + ", " + k + ", " + kept.length + ", "
                    + saved.elements / kept.length + ", " + e.buf(saved) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /** Float32 classifier head on the dequantized int8 feature: logits = W f + b. */
    record HeadFwd(Buf feature, float featureScale, int featureZero, Buf weight, Buf bias, Buf logits)
            implements Instr {
        public List<Buf> reads() {
            return list(feature, weight, bias);
        }

        public List<Buf> writes() {
            return list(logits);
        }

        public String op() {
            return "head_fwd";
        }

        public JavaStep bind(JavaBinder b) {
            TrainState state = b.state();
            int classes = b.program().numClasses, fe = feature.id, n = feature.elements, lg = logits.id;
            b.needFeature(n);
            return (f, training) -> {
                FloatHead.dequantize(f.bytes[fe], f.off[fe], n, featureScale, featureZero, f.feature);
                FloatHead.forward(f.feature, n, state.floats(weight), state.floats(bias), classes, f.floats[lg], 0);
            };
        }

        public String emitC(CEmitter e, boolean training) {
            String feat = e.scratch("float", "kt_head_feature", feature.elements);
            return "kt_head_fwd(" + e.buf(feature) + ", " + feature.elements + ", " + e.lit(featureScale) + ", "
                    + featureZero + ", " + e.buf(weight) + ", " + e.buf(bias) + ", " + e.numClasses() + ", " + feat
                    + ", " + e.buf(logits) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /**
     * The int8 classifier's outputs as float logits: {@code (float) (q - zero) * scale}. The model's own classifier
     * ({@code kept}) takes them as they are (scale 1, zero 0), as the paper's training does; a new int8 head
     * dequantizes them.
     */
    record Int8Logits(Buf in, Buf logits, float scale, int zero, boolean kept) implements Instr {
        public Int8Logits(Buf in, Buf logits) {
            this(in, logits, 1.0f, 0, true);
        }

        public List<Buf> reads() {
            return list(in);
        }

        public List<Buf> writes() {
            return list(logits);
        }

        public String op() {
            return "int8_logits";
        }

        public JavaStep bind(JavaBinder b) {
            int i = in.id, o = logits.id, n = logits.elements;
            float s = scale;
            int z = zero;
            return (f, training) -> {
                byte[] q = f.bytes[i];
                int qOff = f.off[i];
                float[] l = f.floats[o];
                for (int k = 0; k < n; k++) {
                    l[k] = (float) (q[qOff + k] - z) * s;
                }
            };
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_int8_logits(" + e.buf(in) + ", " + e.buf(logits) + ", " + logits.elements + ", " + e.lit(scale)
                    + ", " + zero + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /** Gradient of the int8 logits from that of their dequantized values: {@code gOut = gLogits * scale}. */
    record Int8LogitsGrad(Buf gLogits, float scale, Buf gOut) implements Instr {
        public List<Buf> reads() {
            return list(gLogits);
        }

        public List<Buf> writes() {
            return list(gOut);
        }

        public String op() {
            return "int8_logits_grad";
        }

        public JavaStep bind(JavaBinder b) {
            int i = gLogits.id, o = gOut.id, n = gOut.elements;
            float s = scale;
            return (f, training) -> {
                float[] src = f.floats[i], dst = f.floats[o];
                for (int k = 0; k < n; k++) {
                    dst[k] = src[k] * s;
                }
            };
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_int8_logits_grad(" + e.buf(gLogits) + ", " + e.lit(scale) + ", " + e.buf(gOut) + ", "
                    + gOut.elements + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /** Softmax cross-entropy on the logits against the sample's label: the loss and dL/dlogits. */
    record LossGrad(Buf logits, Buf loss, Buf gLogits) implements Instr {
        public List<Buf> reads() {
            return list(logits);
        }

        public List<Buf> writes() {
            return list(loss, gLogits);
        }

        public String op() {
            return "softmax_ce_grad";
        }

        public JavaStep bind(JavaBinder b) {
            int l = logits.id, g = gLogits.id, ls = loss.id, classes = b.program().numClasses;
            return (f, training) -> {
                float v = SoftmaxCrossEntropy.lossAndGrad(f.floats[l], 0, classes, f.label, f.floats[g], 0);
                f.floats[ls][0] = v;
                f.loss = v;
            };
        }

        public String emitC(CEmitter e, boolean training) {
            // kept in a local too: the loss buffer's arena bytes may be reused later in the step
            return "loss = kt_softmax_ce(" + e.buf(logits) + ", " + e.numClasses() + ", label, " + e.buf(gLogits)
                    + ");\n    " + e.buf(loss) + "[0] = loss;";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /** Head gradients: gW, gb, and (when backbone training needs it) dL/dfeature in quantized units. */
    record HeadBwd(Buf gLogits, Buf feature, float featureScale, int featureZero, Buf weight, Buf gWeight, Buf gBias,
            Buf gFeature) implements Instr {
        public List<Buf> reads() {
            return list(gLogits, feature, weight);
        }

        public List<Buf> writes() {
            return list(gWeight, gBias, gFeature);
        }

        public String op() {
            return "head_bwd";
        }

        public JavaStep bind(JavaBinder b) {
            TrainState state = b.state();
            int classes = b.program().numClasses, fe = feature.id, n = feature.elements, gl = gLogits.id;
            int gw = gWeight.id, gb = gBias.id, gf = gFeature == null ? -1 : gFeature.id;
            b.needFeature(n);
            return (f, training) -> {
                // dequantized again from the feature it reads (the same bits as head_fwd's), so no value is carried
                // from head_fwd outside the step's buffers
                FloatHead.dequantize(f.bytes[fe], f.off[fe], n, featureScale, featureZero, f.feature);
                FloatHead.backward(f.floats[gl], 0, f.feature, n, state.floats(weight), classes, featureScale,
                        f.floats[gw], f.floats[gb], gf < 0 ? null : f.floats[gf], 0);
            };
        }

        public String emitC(CEmitter e, boolean training) {
            String feat = e.scratch("float", "kt_head_feature", feature.elements);
            return "kt_head_bwd(" + e.buf(gLogits) + ", " + feat + ", " + feature.elements + ", " + e.buf(weight)
                    + ", " + e.numClasses() + ", " + e.lit(featureScale) + ", " + e.buf(gWeight) + ", "
                    + e.buf(gBias) + ", " + e.buf(gFeature) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    record PoolBwd(AvgPool2D pool, Buf gOut, Buf gIn, boolean accumulate) implements Instr {
        public List<Buf> reads() {
            return accumulate ? list(gOut, gIn) : list(gOut);
        }

        public List<Buf> writes() {
            return list(gIn);
        }

        public String op() {
            return "avgpool_bwd";
        }

        public JavaStep bind(JavaBinder b) {
            int go = gOut.id, gi = gIn.id, n = gIn.elements;
            if (!accumulate) {
                return (f, training) -> AvgPoolBackward.inputGrad(pool, f.floats[go], 0, null, 0, f.floats[gi], 0);
            }
            return (f, training) -> {
                AvgPoolBackward.inputGrad(pool, f.floats[go], 0, null, 0, f.tmp, 0);
                Frame.addInto(f.floats[gi], f.tmp, n);
            };
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_pool_bwd(" + e.pool(pool) + ", " + e.buf(gOut) + ", " + e.buf(gIn) + ", " + (accumulate ? 1 : 0)
                    + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    record CopyGrad(Buf gOut, Buf gIn, boolean accumulate) implements Instr {
        public List<Buf> reads() {
            return accumulate ? list(gOut, gIn) : list(gOut);
        }

        public List<Buf> writes() {
            return list(gIn);
        }

        public String op() {
            return "copy_grad";
        }

        public JavaStep bind(JavaBinder b) {
            int go = gOut.id, gi = gIn.id, n = gIn.elements;
            if (accumulate) {
                return (f, training) -> Frame.addInto(f.floats[gi], f.floats[go], n);
            }
            return (f, training) -> System.arraycopy(f.floats[go], 0, f.floats[gi], 0, n);
        }

        public String emitC(CEmitter e, boolean training) {
            return (accumulate ? "kt_add_into(" + e.buf(gIn) + ", " + e.buf(gOut)
                    : "kt_copy_f32(" + e.buf(gOut) + ", " + e.buf(gIn)) + ", " + gIn.elements + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }

        @Override
        public Buf[] inPlace() {
            return accumulate ? null : new Buf[] {gOut, gIn};
        }
    }

    /** Add backward: each non-null input gradient is written (or added to, when accumulating) through the mask. */
    record AddBwd(Add add, Buf gOut, Buf mask, Buf gA, boolean accA, Buf gB, boolean accB) implements Instr {
        public List<Buf> reads() {
            List<Buf> r = list(gOut, mask);
            if (accA) {
                r.add(gA);
            }
            if (accB) {
                r.add(gB);
            }
            return r;
        }

        public List<Buf> writes() {
            return list(gA, gB);
        }

        public String op() {
            return "add_bwd";
        }

        public JavaStep bind(JavaBinder b) {
            int go = gOut.id, m = mask.id, n = gOut.elements;
            int ia = gA == null ? -1 : gA.id, ib = gB == null ? -1 : gB.id;
            boolean intoA = ia >= 0 && !accA, intoB = ib >= 0 && !accB;
            return (f, training) -> {
                float[] ga = intoA ? f.floats[ia] : f.tmp;
                float[] gb = intoB ? f.floats[ib] : f.tmp2;
                AddBackward.inputGrads(add, f.floats[go], 0, f.bytes[m], f.off[m], ga, 0, gb, 0);
                if (ia >= 0 && accA) {
                    Frame.addInto(f.floats[ia], ga, n);
                }
                if (ib >= 0 && accB) {
                    Frame.addInto(f.floats[ib], gb, n);
                }
            };
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_add_bwd(" + e.add(add) + ", " + e.buf(gOut) + ", " + e.buf(mask) + ", " + e.buf(gA) + ", "
                    + (accA ? 1 : 0) + ", " + e.buf(gB) + ", " + (accB ? 1 : 0) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }

        @Override
        public Buf[] inPlace() {
            if (gA != null && !accA) {
                return new Buf[] {gOut, gA};
            }
            if (gB != null && !accB) {
                return new Buf[] {gOut, gB};
            }
            return null;
        }
    }

    /** g_acc = (g_out * mask) * eff_c: the gradient at the conv's integer accumulator. */
    record ConvOutGrad(Conv2D conv, Buf gOut, Buf mask, Buf gAcc) implements Instr {
        public List<Buf> reads() {
            return list(gOut, mask);
        }

        public List<Buf> writes() {
            return list(gAcc);
        }

        public String op() {
            return "conv_out_grad";
        }

        public JavaStep bind(JavaBinder b) {
            float[] eff = ConvBackward.effScales(conv.requant, conv.output.channels());
            int go = gOut.id, m = mask.id, ga = gAcc.id;
            return (f, training) -> ConvBackward.outputGrad(conv, f.floats[go], 0, f.bytes[m], f.off[m], eff,
                    f.floats[ga], 0);
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_conv_out_grad(" + e.conv(conv) + ", " + e.buf(gOut) + ", " + e.buf(mask) + ", " + e.buf(gAcc)
                    + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }

        @Override
        public Buf[] inPlace() {
            return new Buf[] {gOut, gAcc};
        }
    }

    record ConvBiasGrad(Conv2D conv, Buf gAcc, Buf gBias) implements Instr {
        public List<Buf> reads() {
            return list(gAcc);
        }

        public List<Buf> writes() {
            return list(gBias);
        }

        public String op() {
            return "conv_bias_grad";
        }

        public JavaStep bind(JavaBinder b) {
            int ga = gAcc.id, gb = gBias.id;
            return (f, training) -> ConvBackward.biasGrad(conv, f.floats[ga], 0, f.floats[gb], 0);
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_conv_bias_grad(" + e.conv(conv) + ", " + e.buf(gAcc) + ", " + e.buf(gBias) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /** Weight gradient of the kept channels; {@code saved} holds exactly those input channels. */
    record ConvWeightGrad(Conv2D conv, TrainedConv trained, Buf gAcc, Buf saved, Buf gWeight) implements Instr {
        public List<Buf> reads() {
            return list(gAcc, saved);
        }

        public List<Buf> writes() {
            return list(gWeight);
        }

        public String op() {
            return trained.partial() ? "conv_weight_grad_slice" : "conv_weight_grad";
        }

        public JavaStep bind(JavaBinder b) {
            int s = saved.id, ga = gAcc.id, gw = gWeight.id;
            int[] kept = trained.partial() ? trained.keptChannels : null;
            int work = b.slot(ConvBackward.Work.class, ConvBackward.Work::new);
            return (f, training) -> ConvBackward.weightGrad(conv, f.bytes[s], f.off[s], f.floats[ga], 0, kept,
                    f.floats[gw], 0, (ConvBackward.Work) f.local[work]);
        }

        public String emitC(CEmitter e, boolean training) {
            String kept = "NULL";
            int nk = conv.input.channels();
            if (trained.partial()) {
                kept = e.constInts("kt_wkept_" + gWeight.id, trained.keptChannels);
                nk = trained.keptChannels.length;
            }
            return "kt_conv_weight_grad(" + e.conv(conv) + ", " + e.buf(saved) + ", " + kept + ", " + nk + ", "
                    + e.buf(gAcc) + ", " + e.buf(gWeight) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    record ConvInputGrad(Conv2D conv, Buf gAcc, Buf weight, Buf gIn, boolean accumulate) implements Instr {
        public List<Buf> reads() {
            return accumulate ? list(gAcc, weight, gIn) : list(gAcc, weight);
        }

        public List<Buf> writes() {
            return list(gIn);
        }

        public String op() {
            return "conv_input_grad";
        }

        public JavaStep bind(JavaBinder b) {
            TrainState state = b.state();
            int ga = gAcc.id, gi = gIn.id, n = gIn.elements;
            int work = b.slot(ConvBackward.Work.class, ConvBackward.Work::new);
            byte[] w = state.fullWeights(conv);
            if (w == conv.weight.int8Data) {
                // frozen weights: converted once, shared by all threads
                ConvBackward.Weights frozen = new ConvBackward.Weights(conv).set(conv, w, 0);
                return (f, training) -> run(f, frozen, ga, gi, n, work);
            }
            int live = b.slot(new SlotKey("live_weights", conv), () -> new LiveWeights(conv));
            return (f, training) -> {
                LiveWeights lw = (LiveWeights) f.local[live];
                int v = state.version();
                if (lw.version != v) {
                    lw.wf.set(conv, state.fullWeights(conv), 0);
                    lw.version = v;
                }
                run(f, lw.wf, ga, gi, n, work);
            };
        }

        private void run(Frame f, ConvBackward.Weights wf, int ga, int gi, int n, int work) {
            float[] dst = accumulate ? f.tmp : f.floats[gi];
            ConvBackward.inputGrad(conv, wf, f.floats[ga], 0, dst, 0, (ConvBackward.Work) f.local[work]);
            if (accumulate) {
                Frame.addInto(f.floats[gi], dst, n);
            }
        }

        /** One thread's float copy of a trained conv's int8 weights and the parameter version it was made from. */
        private static final class LiveWeights {
            final ConvBackward.Weights wf;
            int version = -1;

            LiveWeights(Conv2D c) {
                wf = new ConvBackward.Weights(c);
            }
        }

        public String emitC(CEmitter e, boolean training) {
            String row = e.scratch("float", "kt_row", Math.max(768, conv.input.channels()));
            return "kt_conv_input_grad(" + e.conv(conv) + ", " + e.convWeights(conv) + ", " + e.convSlice(conv) + ", "
                    + e.buf(gAcc) + ", " + e.buf(gIn) + ", " + (accumulate ? 1 : 0) + ", " + row + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /**
     * Batch-1 device update of one parameter, in place: the parameter's per-sample gradient (which dies here) is
     * applied to its value by the run's update rule. Placed after the last instruction that reads the old value.
     */
    record Update(Param param) implements Instr {
        public List<Buf> reads() {
            return list(param.grad, param.value);
        }

        public List<Buf> writes() {
            return list(param.value);
        }

        public String op() {
            return "update";
        }

        public JavaStep bind(JavaBinder b) {
            TrainState state = b.state();
            int index = b.paramIndex(param), g = param.grad.id;
            return (f, training) -> state.applySample(index, f.floats[g], f.learningRate(this));
        }

        public String emitC(CEmitter e, boolean training) {
            return e.update(param);
        }

        public Param updatedParam() {
            return param;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /**
     * Weight gradient and batch-1 update fused, {@code rowsPerChunk} rows of the gradient at a time (row = output
     * channel, or kept channel x multiplier for depthwise convs): each chunk is computed into {@code rows} and applied
     * at once, so the whole gradient never exists. The same bits as ConvWeightGrad followed by {@link Update}.
     */
    record ConvWeightUpdate(Conv2D conv, TrainedConv trained, Buf gAcc, Buf saved, Param param, Buf rows,
            int rowsPerChunk) implements Instr {
        public List<Buf> reads() {
            return list(gAcc, saved, param.value);
        }

        public List<Buf> writes() {
            return list(param.value, rows);
        }

        public String op() {
            return "conv_weight_grad_update";
        }

        public JavaStep bind(JavaBinder b) {
            TrainState state = b.state();
            int index = b.paramIndex(param), rowCount = param.value.elements / param.rowLength;
            int[] kept = trained.partial() ? trained.keptChannels : null;
            int ch = rows.id, s = saved.id, ga = gAcc.id;
            return (f, training) -> {
                float lr = f.learningRate(this);
                float[] chunk = f.floats[ch];
                for (int r = 0; r < rowCount; r += rowsPerChunk) {
                    int k = Math.min(rowsPerChunk, rowCount - r);
                    WeightGradRows.compute(conv, f.bytes[s], f.off[s], f.floats[ga], 0, kept, r, k, chunk, 0);
                    state.applySampleRows(index, chunk, 0, r, k, lr);
                }
            };
        }

        public String emitC(CEmitter e, boolean training) {
            return e.weightGradUpdate(this);
        }

        public Param updatedParam() {
            return param;
        }

        public List<Op> constOps() {
            return List.of();
        }
    }

    /**
     * A frozen ungrouped conv {@code conv} (typically a 1x1 expansion) and the frozen depthwise conv {@code dw} that
     * alone reads its output E, run one E channel at a time: the channel's plane ({@code conv}'s requantized output,
     * framed by dw's padding at E's zero point) goes into {@code plane}, then dw's output channel from it into
     * {@code out}. E itself never exists; the int8 results are those of running conv then dw (integer sums are exact).
     * Made by {@code BlockFusion}.
     */
    record ConvDwFwd(Conv2D conv, Conv2D dw, Buf in, Buf plane, Buf out) implements Instr {
        public List<Buf> reads() {
            return list(in);
        }

        public List<Buf> writes() {
            return list(out, plane);
        }

        public String op() {
            return "conv_dw_fwd";
        }

        public JavaStep bind(JavaBinder b) {
            ConvDwFused k = new ConvDwFused(conv, dw);
            int i = in.id, p = plane.id, o = out.id;
            int work = b.slot(this, () -> new ConvDwFused.Work(k));
            return (f, training) -> k.forward(f.bytes[i], f.off[i], f.bytes[p], f.off[p], f.bytes[o], f.off[o],
                    (ConvDwFused.Work) f.local[work]);
        }

        public String emitC(CEmitter e, boolean training) {
            return "kt_conv_dw_fwd(" + e.conv(conv) + ", " + e.convWeights(conv) + ", " + e.convBias(conv) + ", "
                    + e.conv(dw) + ", " + e.convWeights(dw) + ", " + e.convBias(dw) + ", " + e.buf(in) + ", "
                    + e.buf(plane) + ", " + e.buf(out) + ");";
        }

        public Param updatedParam() {
            return null;
        }

        public List<Op> constOps() {
            return List.of(conv, dw);
        }
    }

    /** Key of a per-thread object shared by the steps of one operator ({@link JavaBinder#slot}). */
    record SlotKey(String what, Object op) {
    }

    private static List<Buf> list(Buf... bufs) {
        List<Buf> out = new ArrayList<>();
        for (Buf b : bufs) {
            if (b != null) {
                out.add(b);
            }
        }
        return out;
    }
}
