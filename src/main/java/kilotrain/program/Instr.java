package kilotrain.program;

import java.util.ArrayList;
import java.util.List;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;

/**
 * One operation of the compiled training step. Every instruction names the buffers it reads and writes, so
 * lifetime analysis, reordering and memory planning need nothing else; the Java executor and the C generator each
 * map an instruction to one kernel call.
 */
public sealed interface Instr {

    List<Buf> reads();

    List<Buf> writes();

    /** Short operation name as {@code compile --print} shows it. */
    String op();

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
