package kilotrain.ops.conv;

import java.util.LinkedHashMap;
import java.util.Map;
import kilotrain.ir.Conv2D;
import kilotrain.ops.TfliteOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Conv2DOptions;
import kilotrain.ops.tflite.schema.DepthwiseConv2DOptions;

/** The convolution's parts of its registrations in {@code kilotrain.ops.Operators} besides its kernels and rules. */
public final class ConvEntry {
    /** CONV_2D's options, written again by the TFLite export. */
    public static final TfliteOptions CONV_OPTIONS = TfliteOptions.of(BuiltinOptions.Conv2DOptions,
            Conv2DOptions::new, (o, fb) -> Conv2DOptions.createConv2DOptions(fb, o.padding(), o.strideW(),
                    o.strideH(), o.fusedActivationFunction(), o.dilationWFactor(), o.dilationHFactor()));

    /** DEPTHWISE_CONV_2D's options. */
    public static final TfliteOptions DEPTHWISE_OPTIONS = TfliteOptions.of(BuiltinOptions.DepthwiseConv2DOptions,
            DepthwiseConv2DOptions::new, (o, fb) -> DepthwiseConv2DOptions.createDepthwiseConv2DOptions(fb,
                    o.padding(), o.strideW(), o.strideH(), o.depthMultiplier(), o.fusedActivationFunction(),
                    o.dilationWFactor(), o.dilationHFactor()));

    private ConvEntry() {
    }

    /** What {@code inspect} shows of a convolution besides shapes and counts: kernel, stride, groups. */
    public static Map<String, Object> details(Conv2D c) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kernel", c.kernelH() + "x" + c.kernelW());
        d.put("stride", c.strideH);
        d.put("groups", c.groups);
        return d;
    }
}
