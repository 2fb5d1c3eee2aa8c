package kilotrain.ops.reshape;

import kilotrain.ops.TfliteOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ReshapeOptions;
import kilotrain.ops.tflite.schema.SqueezeOptions;

/** The reshape's part of its registration in {@code kilotrain.ops.Operators} besides its kernel and rule. */
public final class ReshapeEntry {
    /** RESHAPE's and SQUEEZE's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.ReshapeOptions, ReshapeOptions::new,
            (o, fb) -> ReshapeOptions.createReshapeOptions(fb, ReshapeOptions.createNewShapeVector(fb,
                    TfliteOptions.ints(o.newShapeLength(), o::newShape))))
            .or(BuiltinOptions.SqueezeOptions, SqueezeOptions::new, (o, fb) -> SqueezeOptions.createSqueezeOptions(fb,
                    SqueezeOptions.createSqueezeDimsVector(fb, TfliteOptions.ints(o.squeezeDimsLength(),
                            o::squeezeDims))));

    private ReshapeEntry() {
    }
}
