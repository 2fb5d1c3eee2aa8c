package kilotrain.ops.pool;

import kilotrain.ops.TfliteOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Pool2DOptions;

/** Average pooling's part of its registration in {@code kilotrain.ops.Operators} besides its kernels and rule. */
public final class PoolEntry {
    /** AVERAGE_POOL_2D's options (MAX_POOL_2D carries the same table), written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.Pool2DOptions, Pool2DOptions::new,
            (o, fb) -> Pool2DOptions.createPool2DOptions(fb, o.padding(), o.strideW(), o.strideH(), o.filterWidth(),
                    o.filterHeight(), o.fusedActivationFunction()));

    private PoolEntry() {
    }
}
