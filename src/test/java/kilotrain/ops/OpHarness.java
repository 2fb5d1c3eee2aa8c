package kilotrain.ops;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;

/** Runs one operator through its registered inference binding on given int8 inputs (tests only). */
public final class OpHarness {
    private OpHarness() {
    }

    public static Tensor t(String name, Quant q, int... shape) {
        return Tensor.int8(name, shape, q, null);
    }

    public static Tensor t(String name, double scale, int zero, int... shape) {
        return t(name, Quant.perTensor(scale, zero), shape);
    }

    public static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** Binds {@code op} through {@link Operators#bind} and runs it once on {@code inputs} (in op.inputs() order). */
    public static byte[] run(kilotrain.ir.Op op, byte[]... inputs) {
        Map<Tensor, Integer> slots = new IdentityHashMap<>();
        List<byte[]> buffers = new ArrayList<>();
        List<Tensor> activations = new ArrayList<>();
        for (Tensor t : op.inputs()) {
            if (!t.isConstant()) {
                activations.add(t);
            }
        }
        if (activations.size() != inputs.length) {
            throw new IllegalArgumentException(op + " reads " + activations.size() + " activations");
        }
        for (int i = 0; i < inputs.length; i++) {
            slots.put(activations.get(i), buffers.size());
            buffers.add(inputs[i].clone());
        }
        slots.put(op.output(), buffers.size());
        byte[] out = new byte[op.output().elements()];
        java.util.Arrays.fill(out, (byte) 0x5a);
        buffers.add(out);
        Scratch.Sizer sizer = new Scratch.Sizer();
        Forward f = Operators.bind(op, new Binder() {
            @Override
            public int slot(Tensor t) {
                return slots.get(t);
            }

            @Override
            public Scratch.Sizer scratch() {
                return sizer;
            }
        });
        f.run(buffers.toArray(new byte[0][]), sizer.allocate());
        return out;
    }
}
