package kilotrain.ops.activation;

import kilotrain.ops.core.CEmitter;

/** The C table of a PRELU ({@code kt_prelu}), its alpha bytes and backward slopes beside it. */
final class PreluTable {
    private PreluTable() {
    }

    static String of(Prelu p, CEmitter e) {
        return e.table(p, "kt_prelu", n -> {
            String alpha = e.constBytes(n + "_alpha", p.alpha.int8Data);
            String slopes = e.constFloats(n + "_r", p.slopes());
            e.declare("static const kt_prelu " + n + " = {.n = " + p.input.elements() + ", .per = "
                    + p.alpha.elements() + ", .zx = " + p.input.quant.zeroPoint() + ", .za = "
                    + p.alpha.quant.zeroPoint() + ", .zy = " + p.output.quant.zeroPoint() + ", .mult1 = " + p.mult1
                    + ", .shift1 = " + p.shift1 + ", .mult2 = " + p.mult2 + ", .shift2 = " + p.shift2 + ", .alpha = "
                    + alpha + ", .r = " + slopes + "};\n");
            return n;
        });
    }
}
