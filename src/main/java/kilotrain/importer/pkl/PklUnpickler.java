package kilotrain.importer.pkl;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * Unpickler for the paper's model files: numpy arrays ({@code numpy.core.multiarray._reconstruct} + BUILD) and the
 * torch zip form (persistent ids naming {@code <archive>/data/<key>} storages, rebuilt by
 * {@code torch._utils._rebuild_tensor_v2}). Only data classes are constructed; nothing is executed.
 */
final class PklUnpickler extends Unpickler {
    /** A typed torch storage read from its zip entry. */
    record Storage(String dtype, int itemSize, byte[] bytes) {
    }

    /** The storage type named by a persistent id, e.g. {@code torch.CharStorage}. */
    record StorageType(String dtype, int itemSize) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("torch storages cannot be constructed directly");
        }
    }

    interface StorageSource {
        byte[] read(String key);
    }

    static {
        synchronized (Unpickler.class) {
            IObjectConstructor reconstruct = args -> new NdArray();
            registerConstructor("numpy.core.multiarray", "_reconstruct", reconstruct);
            registerConstructor("numpy._core.multiarray", "_reconstruct", reconstruct);
            registerConstructor("numpy", "dtype", args -> {
                if (args.length < 1 || !(args[0] instanceof String code)) {
                    throw new PickleException("numpy.dtype needs a type code");
                }
                return new NumpyDtype(code);
            });
            registerConstructor("torch._utils", "_rebuild_tensor_v2", PklUnpickler::rebuildTensor);
            registerConstructor("torch._utils", "_rebuild_parameter", args -> {
                if (args.length < 1 || !(args[0] instanceof NdArray a)) {
                    throw new PickleException("torch parameter without a tensor");
                }
                return a;
            });
            Object[][] types = {{"CharStorage", "i1", 1}, {"ByteStorage", "u1", 1}, {"BoolStorage", "b1", 1},
                {"ShortStorage", "i2", 2}, {"IntStorage", "i4", 4}, {"LongStorage", "i8", 8},
                {"HalfStorage", "f2", 2}, {"FloatStorage", "f4", 4}, {"DoubleStorage", "f8", 8}};
            for (Object[] t : types) {
                registerConstructor("torch", (String) t[0], new StorageType((String) t[1], (Integer) t[2]));
            }
        }
    }

    private final StorageSource storages;

    PklUnpickler(StorageSource storages) {
        this.storages = storages;
    }

    /** Persistent id {@code ('storage', storage_type, key, location, numel)}. */
    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])) {
            throw new PickleException("unsupported persistent id " + pid);
        }
        if (!(t[1] instanceof StorageType type)) {
            throw new PickleException("unsupported torch storage type " + t[1]);
        }
        String key = String.valueOf(t[2]);
        long numel = ((Number) t[4]).longValue();
        byte[] bytes = storages.read(key);
        if (numel < 0 || numel * type.itemSize() > bytes.length) {
            throw new PickleException("storage '" + key + "' declares " + numel + " elements of " + type.itemSize()
                    + " bytes but its data holds " + bytes.length + " bytes");
        }
        return new Storage(type.dtype(), type.itemSize(), bytes);
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])}. */
    private static Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof Storage st) || !(args[2] instanceof Object[] size)
                || !(args[3] instanceof Object[] stride) || size.length != stride.length) {
            throw new PickleException("malformed torch tensor");
        }
        long offset = ((Number) args[1]).longValue();
        int[] shape = new int[size.length];
        long[] strides = new long[size.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = NdArray.toDim(size[i]);
            strides[i] = ((Number) stride[i]).longValue();
        }
        long n = NdArray.elementsOf(shape);
        long storageElems = st.bytes().length / st.itemSize();
        // the furthest element any index reaches must lie inside the storage
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (strides[i] < 0) {
                throw new PickleException("negative tensor stride");
            }
            last += shape[i] == 0 ? 0 : (shape[i] - 1) * strides[i];
        }
        if (offset < 0 || n > storageElems || (n > 0 && last >= storageElems)) {
            throw new PickleException("tensor of shape " + java.util.Arrays.toString(shape)
                    + " reaches past its storage of " + storageElems + " elements");
        }
        int item = st.itemSize();
        byte[] out = new byte[(int) (n * item)];
        int[] idx = new int[shape.length];
        for (long k = 0; k < n; k++) {
            long e = offset;
            for (int i = 0; i < shape.length; i++) {
                e += idx[i] * strides[i];
            }
            System.arraycopy(st.bytes(), (int) (e * item), out, (int) (k * item), item);
            for (int i = shape.length - 1; i >= 0; i--) {
                if (++idx[i] < shape[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return new NdArray(st.dtype(), shape, out);
    }

    static Object loadPickle(byte[] pickle, StorageSource storages) throws java.io.IOException {
        PklUnpickler u = new PklUnpickler(storages);
        try {
            return u.loads(pickle);
        } finally {
            u.close();
        }
    }

}
