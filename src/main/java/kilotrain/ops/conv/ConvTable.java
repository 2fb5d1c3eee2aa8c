package kilotrain.ops.conv;

import kilotrain.ir.Conv2D;
import kilotrain.ir.Requant;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.requant.RequantTable;

/** The C table of a convolution ({@code kt_conv}): geometry, zero points, clamp, output stage, backward scales. */
public final class ConvTable {
    private ConvTable() {
    }

    /**
     * Declares {@code static const kt_conv <name>}; {@code frozen}: neither its weights nor its bias train, so the
     * accumulator clamp may be proven unnecessary.
     */
    public static void declare(Conv2D c, String name, boolean frozen, CEmitter e) {
        int cout = c.output.channels();
        RequantTable rq = RequantTable.declare(c.requant, cout, name, e);
        String ge = e.constFloats(name + "_geff", ConvBackward.effScales(c.requant, cout));
        e.declare("static const kt_conv " + name + " = {.in_h = " + c.input.height() + ", .in_w = " + c.input.width()
                + ", .cin = " + c.input.channels() + ", .out_h = " + c.output.height() + ", .out_w = "
                + c.output.width() + ", .cout = " + cout + ", .kh = " + c.kernelH() + ", .kw = " + c.kernelW()
                + ", .stride_h = " + c.strideH + ", .stride_w = " + c.strideW + ", .dil_h = " + c.dilationH
                + ", .dil_w = " + c.dilationW + ", .pad_top = " + c.padding.top() + ", .pad_left = "
                + c.padding.left() + ", .groups = " + c.groups + ", .x_zero = " + c.input.quant.zeroPoint()
                + ", .y_zero = " + c.output.quant.zeroPoint() + ", .act_min = " + c.actMin + ", .act_max = "
                + c.actMax + ", " + rq.fields() + ", .grad_eff = " + ge + ", .acc_bounded = "
                + (frozen && accBounded(c) ? 1 : 0) + "};\n\n");
    }

    /**
     * Whether no accumulator of a frozen conv can exceed its requantizer's limit (|bias| + sum |w| * 255, computed
     * exactly in long), so the kernels may skip the clamp.
     */
    static boolean accBounded(Conv2D c) {
        if (!(c.requant instanceof Requant.FloatRint fr)) {
            return false;
        }
        int cout = c.output.channels();
        int[] limit = RequantTable.limits(RequantTable.expand(fr.scales(), cout));
        int per = c.weight.int8Data.length / cout;
        for (int o = 0; o < cout; o++) {
            long bound = c.bias == null ? 0 : Math.abs((long) c.bias.int32Data[o]);
            for (int i = 0; i < per; i++) {
                bound += 255L * Math.abs(c.weight.int8Data[o * per + i]);
            }
            if (bound > limit[o]) {
                return false;
            }
        }
        return true;
    }
}
