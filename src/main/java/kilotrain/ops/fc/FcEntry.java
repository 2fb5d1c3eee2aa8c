package kilotrain.ops.fc;

import java.util.Map;
import kilotrain.ir.FullyConnected;
import kilotrain.ops.TfliteOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;

/** The fully connected layer's parts of its registration in {@code kilotrain.ops.Operators} besides its kernels. */
public final class FcEntry {
    /** FULLY_CONNECTED's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.FullyConnectedOptions,
            FullyConnectedOptions::new, (o, fb) -> FullyConnectedOptions.createFullyConnectedOptions(fb,
                    o.fusedActivationFunction(), o.weightsFormat(), o.keepNumDims()));

    private FcEntry() {
    }

    /** What {@code inspect} shows of a fully connected layer besides shapes and counts. */
    public static Map<String, Object> details(FullyConnected f) {
        return Map.of("kernel", "fc");
    }
}
