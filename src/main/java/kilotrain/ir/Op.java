package kilotrain.ir;

import java.util.List;

/** One operator of the forward graph. Subclasses are plain data; the math lives in {@code kilotrain.ops}. */
public abstract sealed class Op permits Conv2D, FullyConnected, AvgPool2D, Add, Reshape, Softmax {
    public final String name;

    protected Op(String name) {
        this.name = name;
    }

    public abstract List<Tensor> inputs();

    public abstract Tensor output();

    /** Short operator type, as `inspect` prints it. */
    public abstract String kind();

    /** Multiply-accumulates of one forward pass. */
    public long macs() {
        return 0;
    }

    @Override
    public String toString() {
        return kind() + " " + name;
    }
}
