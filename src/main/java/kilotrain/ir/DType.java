package kilotrain.ir;

/** Element types of the quantized graphs kilotrain handles. */
public enum DType {
    INT8(1), INT16(2), INT32(4), FLOAT32(4);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }
}
