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

/**
 * A conv's input gradient ({@link ConvInputGrad}, not accumulating) that may write g_x over g_acc, through
 * {@code scratch} (float32):
 * <ul>
 * <li>depthwise (multiplier 1, any stride), without dilation ({@link #lanes}): eight channels at a time (then four),
 * their g_acc planes copied into the scratch and their g_x written in place by the kernel's own loop; channel c of
 * g_x only overwrites channel c of g_acc, already copied; channels left over one at a time as below (scratch: eight
 * (or four) output planes, at least one output and one input plane when channels are left over);</li>
 * <li>other depthwise convs: a group of up to four channels at a time, their g_acc planes copied into the scratch,
 * their g_x planes computed there and stored at the same channels (scratch: group x (output + input pixels));</li>
 * <li>1x1 stride 1 (pointwise): {@link #group} pixels at a time into the scratch, then stored at the pixels' place;
 * ascending pixels when g_x is the smaller (cin &lt;= cout), descending otherwise, so a store only overwrites g_acc
 * pixels already consumed (scratch: group x cin).</li>
 * </ul>
 * Every element is the same sum in the same order as {@link ConvInputGrad} (per channel, per pixel), so the bits do
 * not change; the Java executor stages float buffers around an instruction, so it runs {@link ConvInputGrad}'s kernel.
 */
public record ConvInputGradInPlace(ConvInputGrad base, Buf scratch, int group) implements Instr {
    /** Floats of a pointwise input gradient's row scratch at most (pixels per group x cin). */
    static final int POINTWISE_SCRATCH = 512;
    /** Channels per group of a depthwise input gradient: with {@link #lanes}, and without. */
    static final int LANES_GROUP = 8, DEPTHWISE_GROUP = 4;

    /** The in-place form of {@code g}, or null when its shape has none. */
    static ConvInputGradInPlace of(ConvInputGrad g, int scratchId) {
        Conv2D c = g.conv();
        if (g.accumulate()) {
            return null;
        }
        int group, floats;
        if (depthwise(c)) {
            int ch = c.input.channels(), out = c.output.height() * c.output.width();
            int in = c.input.height() * c.input.width();
            if (lanes(c)) {
                group = ch >= LANES_GROUP ? LANES_GROUP : DEPTHWISE_GROUP;
                floats = Math.max(ch >= DEPTHWISE_GROUP ? group * out : 0, ch % DEPTHWISE_GROUP != 0 ? out + in : 0);
            } else {
                group = Math.min(DEPTHWISE_GROUP, ch);
                floats = group * (out + in);
            }
        } else if (pointwise(c)) {
            int pixels = c.input.height() * c.input.width();
            group = Math.max(1, Math.min(pixels, POINTWISE_SCRATCH / c.input.channels()));
            floats = group * c.input.channels();
        } else {
            return null;
        }
        return new ConvInputGradInPlace(g, new Buf(scratchId, g.gIn().name + ".scratch", Buf.Kind.GRAD,
                DType.FLOAT32, floats), group);
    }

    /** The depthwise shape kt_conv_input_grad runs channel by channel. */
    static boolean depthwise(Conv2D c) {
        return c.isDepthwise() && c.output.channels() == c.input.channels() && c.kernelH() * c.kernelW() <= 81;
    }

    /** The depthwise shapes whose channels the C kernel sums eight or four at a time (kt_conv.c KT_DW_LANES). */
    static boolean lanes(Conv2D c) {
        return c.dilationH == 1 && c.dilationW == 1 && c.kernelH() * c.kernelW() * 8 <= 768;
    }

    static boolean pointwise(Conv2D c) {
        return c.groups == 1 && c.kernelH() == 1 && c.kernelW() == 1 && c.strideH == 1 && c.strideW == 1
                && c.padding.top() == 0 && c.padding.left() == 0 && c.output.height() == c.input.height()
                && c.output.width() == c.input.width();
    }

    public List<Buf> reads() {
        return base.reads();
    }

    public List<Buf> writes() {
        return Instr.bufs(base.gIn(), scratch);
    }

    public String op() {
        return "conv_input_grad_inplace";
    }

    public JavaStep bind(JavaBinder b) {
        return base.bind(b);
    }

    public String emitC(CEmitter e, boolean training) {
        Conv2D conv = base.conv();
        String row = e.scratch("float", "kt_row", Math.max(768, conv.input.channels()));
        return "kt_conv_input_grad_inplace(" + e.conv(conv) + ", " + e.convWeights(conv) + ", " + e.convSlice(conv)
                + ", " + e.buf(base.gAcc()) + ", " + e.buf(base.gIn()) + ", " + e.buf(scratch) + ", " + group + ", "
                + row + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    @Override
    public Buf[] inPlace() {
        return new Buf[] {base.gAcc(), base.gIn()};
    }

    @Override
    public Buf inPlaceScratch() {
        return scratch;
    }

    @Override
    public Instr outOfPlace() {
        return base;
    }
}
