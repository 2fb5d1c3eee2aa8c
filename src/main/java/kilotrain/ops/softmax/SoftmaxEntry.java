package kilotrain.ops.softmax;

import kilotrain.ops.TfliteOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.SoftmaxOptions;

/** The softmax's part of its registration in {@code kilotrain.ops.Operators} besides its kernels. */
public final class SoftmaxEntry {
    /** SOFTMAX's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.SoftmaxOptions, SoftmaxOptions::new,
            (o, fb) -> SoftmaxOptions.createSoftmaxOptions(fb, o.beta()));

    private SoftmaxEntry() {
    }
}
