package kilotrain.ops.transpose;

import java.util.Arrays;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.gather.GatherKernel;
import kilotrain.ops.gather.GatherSpec;
import kilotrain.ops.gather.Gathering;
import kilotrain.ops.StridedIndex;
import kilotrain.ops.TfliteOperator;

/**
 * TRANSPOSE by a constant permutation of up to 6 dimensions ({@code out.dim(i) = in.dim(perm[i])}), e.g. the
 * NCHW -> NHWC change PyTorch exports put at the input. Bytes are moved, not requantized, as TFLite's kernel does.
 */
public final class Transpose extends OneInputOp implements Gathering {
    public final int[] perm;

    public Transpose(String name, Tensor input, Tensor output, int[] perm) {
        super(name, input, output);
        this.perm = perm.clone();
        int rank = input.rank();
        int[] sorted = perm.clone();
        Arrays.sort(sorted);
        boolean isPerm = sorted.length == rank;
        for (int i = 0; isPerm && i < rank; i++) {
            isPerm = sorted[i] == i;
        }
        if (!isPerm || rank > 6 || output.rank() != rank) {
            throw new IllegalArgumentException("Transpose '" + name + "': " + Arrays.toString(perm)
                    + " is not a permutation of the " + rank + " dimensions of " + Arrays.toString(input.shape)
                    + " (at most 6)");
        }
        for (int i = 0; i < rank; i++) {
            if (output.dim(i) != input.dim(perm[i])) {
                throw new IllegalArgumentException("Transpose '" + name + "': " + Arrays.toString(input.shape)
                        + " permuted by " + Arrays.toString(perm) + " is not the output " + Arrays.toString(output.shape));
            }
        }
    }

    public static Transpose read(TfliteOperator op) {
        op.arity(2, 2);
        Tensor x = op.input(0), y = op.output();
        int[] perm = op.ints(1, "permutation");
        return new Transpose(op.name(), x, y, perm);
    }

    @Override
    public String kind() {
        return "Transpose";
    }

    /** Output dimension d walks input dimension {@code perm[d]}. */
    @Override
    public GatherSpec gather() {
        int[] inStride = StridedIndex.strides(input.shape);
        int[][] off = new int[perm.length][];
        for (int d = 0; d < perm.length; d++) {
            off[d] = GatherSpec.affine(output.dim(d), 0, inStride[perm[d]]);
        }
        return new GatherSpec(output.shape.clone(), off, (byte) 0, input.elements());
    }

    @Override
    public Forward bind(Binder b) {
        return GatherKernel.bind(this, gather(), b);
    }
}
