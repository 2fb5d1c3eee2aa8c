package kilotrain.ops.conv;

import java.util.List;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.ParamState;
import kilotrain.ops.core.SlotKey;
import kilotrain.ops.core.TrainedConv;
import kilotrain.ops.requant.MaskingRequantizer;
import kilotrain.ops.requant.Requantizer;

/** Forward convolution; {@code mask} (nullable) receives one bit per output: 1 where the clamp passed. */
public record ConvFwd(Conv2D conv, TrainedConv trained, Buf in, Buf out, Buf mask, Buf weight, Buf bias) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in, weight, bias);
    }

    public List<Buf> writes() {
        return Instr.bufs(out, mask);
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
        ParamState state = b.state();
        int slot = b.slot(new SlotKey("conv_fwd", conv), () -> new OwnKernel(conv));
        int m = mask == null ? -1 : mask.id;
        return (f, training) -> {
            OwnKernel own = (OwnKernel) f.local[slot];
            int v = state.version();
            if (own.version != v) {
                own.kernel = ConvKernel.of(conv, state.fullWeights(conv), state.currentBias(conv), own.masker);
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

    /**
     * Block fusion: this frozen ungrouped conv and the frozen depthwise conv {@code next} that alone reads its output
     * run one channel at a time through a plane buffer ({@link ConvDwFwd}). Neither may train or record a clamp mask
     * (no gradient flows through them).
     */
    @Override
    public Instr fuseForward(Instr next, Buf middle) {
        if (!frozen() || middle != out || !(next instanceof ConvFwd dw) || !dw.frozen() || dw.in != middle
                || !ConvDwFused.fusable(conv, dw.conv)) {
            return null;
        }
        Buf plane = new Buf(middle.id, middle.name + ".plane", Buf.Kind.ACT, DType.INT8,
                ConvDwFused.planeElements(dw.conv));
        return new ConvDwFwd(conv, dw.conv, in, plane, dw.out);
    }

    /**
     * A frozen depthwise conv (multiplier 1) as {@link ConvDwInPlace}: its output written over its input one channel
     * at a time, through a plane of one padded input channel.
     */
    @Override
    public Instr inPlaceKernel(int scratchId) {
        if (!frozen() || !conv.isDepthwise() || conv.output.channels() != conv.input.channels()
                || conv.input.quant == null || conv.output.quant == null) {
            return null;
        }
        return new ConvDwInPlace(conv, in, new Buf(scratchId, out.name + ".plane", Buf.Kind.ACT, DType.INT8,
                ConvDwPlane.planeElements(conv)), out);
    }

    /** No trained parameter, no clamp mask: nothing in the backward pass looks at this conv. */
    boolean frozen() {
        return trained == null && mask == null && weight == null && bias == null;
    }
}
