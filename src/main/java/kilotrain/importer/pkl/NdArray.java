package kilotrain.importer.pkl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import net.razorvine.pickle.PickleException;

/**
 * A numpy array (or a rebuilt torch tensor) as the pickle describes it: dtype code, shape and C-ordered
 * little-endian bytes. The unpickler fills it through {@code __setstate__}, called reflectively for BUILD.
 */
public final class NdArray {
    String dtype = "?";
    int[] shape = new int[0];
    byte[] data = new byte[0];

    NdArray() {
    }

    NdArray(String dtype, int[] shape, byte[] data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /** numpy's ndarray state: (version, shape, dtype, is_fortran, raw bytes). */
    public void __setstate__(Object[] state) {
        if (state.length != 5) {
            throw new PickleException("numpy array state has " + state.length + " fields, expected 5");
        }
        if (!(state[1] instanceof Object[] dims)) {
            throw new PickleException("numpy array shape is not a tuple");
        }
        if (!(state[2] instanceof NumpyDtype dt)) {
            throw new PickleException("numpy array dtype is " + state[2]);
        }
        if (Boolean.TRUE.equals(state[3])) {
            throw new PickleException("Fortran-ordered numpy arrays are not supported");
        }
        if (!(state[4] instanceof byte[] raw)) {
            throw new PickleException("numpy array data is not raw bytes (object arrays are not supported)");
        }
        int[] s = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            s[i] = toDim(dims[i]);
        }
        dt.checkLittleEndian();
        long need = elementsOf(s) * dt.itemSize();
        if (need != raw.length) {
            throw new PickleException("numpy array of shape " + Arrays.toString(s) + " and dtype " + dt.code
                    + " needs " + need + " bytes but holds " + raw.length);
        }
        this.dtype = dt.code;
        this.shape = s;
        this.data = raw;
    }

    static int toDim(Object o) {
        if (!(o instanceof Number n)) {
            throw new PickleException("array dimension " + o + " is not an integer");
        }
        long v = n.longValue();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new PickleException("array dimension " + v + " is out of range");
        }
        return (int) v;
    }

    /** Product of dims, saturating far above any real array instead of overflowing. */
    static long elementsOf(int[] s) {
        long n = 1;
        for (int d : s) {
            n = Math.min(n * d, 1L << 40);
        }
        return n;
    }

    public int elements() {
        return (int) elementsOf(shape);
    }

    public int[] shape() {
        return shape.clone();
    }

    public String dtype() {
        return dtype;
    }

    public byte[] int8() {
        return data.clone();
    }

    public int[] int32() {
        int[] r = new int[elements()];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(r);
        return r;
    }

    public double[] float64() {
        int n = elements();
        double[] r = new double[n];
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            r[i] = dtype.equals("f8") ? bb.getDouble(i * 8) : bb.getFloat(i * 4);
        }
        return r;
    }

    @Override
    public String toString() {
        return "ndarray(" + dtype + ", " + Arrays.toString(shape) + ")";
    }
}
