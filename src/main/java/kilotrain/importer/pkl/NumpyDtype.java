package kilotrain.importer.pkl;

import net.razorvine.pickle.PickleException;

/** A numpy dtype as pickled: {@code numpy.dtype(code, False, True)} then BUILD with (version, byte order, ...). */
public final class NumpyDtype {
    final String code;
    private String byteOrder = "=";

    NumpyDtype(String code) {
        this.code = code;
        itemSize();
    }

    public void __setstate__(Object[] state) {
        if (state.length > 1 && state[1] instanceof String order) {
            byteOrder = order;
        }
    }

    int itemSize() {
        return switch (code) {
            case "i1", "u1", "b1" -> 1;
            case "i2", "u2", "f2" -> 2;
            case "i4", "u4", "f4" -> 4;
            case "i8", "u8", "f8" -> 8;
            default -> throw new PickleException("unsupported numpy dtype '" + code + "'");
        };
    }

    void checkLittleEndian() {
        if (byteOrder.equals(">")) {
            throw new PickleException("big-endian numpy dtype '" + code + "' is not supported");
        }
    }
}
