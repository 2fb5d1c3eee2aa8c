package kilotrain.train;

import java.nio.file.Path;
import java.util.Locale;
import kilotrain.KtException;
import kilotrain.data.DatasetSplit;
import kilotrain.data.LoadOptions;
import kilotrain.data.TrainAugment;
import kilotrain.ir.Tensor;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.Int8WeightUpdate;
import kilotrain.ops.update.WeightRounding;

/**
 * What the words of a run's settings mean, one definition for the command-line options and for the settings an
 * analysis records (plan --verify reads them back): optimizer, update rules, step limit, augmentation, and the
 * dataset split the sample limits select.
 */
public final class RunSettings {
    private RunSettings() {
    }

    /** The momentum of an optimizer name; {@code what} names the setting in the error. */
    public static float momentum(String name, String what) {
        return switch (name) {
            case "sgd" -> 0f;
            case "sgdm" -> 0.9f;
            default -> throw new KtException(what + " must be sgd or sgdm, got " + name);
        };
    }

    public static WeightRounding weightRule(String r) {
        return switch (r) {
            case "device" -> WeightRounding.DEVICE_TRUNCATE;
            case "nearest" -> WeightRounding.NEAREST_EVEN;
            case "stochastic" -> WeightRounding.STOCHASTIC;
            case "shadow" -> WeightRounding.FLOAT_SHADOW;
            default -> throw new KtException("--update-rule must be device, nearest, stochastic or shadow, got " + r);
        };
    }

    public static BiasRounding biasRule(String r) {
        return switch (r) {
            case "nearest" -> BiasRounding.NEAREST_EVEN;
            case "shadow" -> BiasRounding.FLOAT_SHADOW;
            default -> throw new KtException("--bias-rule must be nearest or shadow, got " + r);
        };
    }

    /** The largest change of an int8 weight in one update, in quantization steps ("none": no limit). */
    public static float maxStep(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none")) {
            return Int8WeightUpdate.UNLIMITED;
        }
        float f;
        try {
            f = Float.parseFloat(t);
        } catch (NumberFormatException e) {
            f = Float.NaN;
        }
        if (!(f > 0) || Float.isInfinite(f)) {
            throw new KtException("--max-step must be a positive number of quantization steps or 'none', got " + v);
        }
        return f;
    }

    /** The step limit as the user would write it back ("none" for no limit). */
    public static String maxStepText(float maxStep) {
        return maxStep == Int8WeightUpdate.UNLIMITED ? "none" : Float.toString(maxStep);
    }

    public static TrainAugment augmentation(String name) {
        return switch (name) {
            case "standard" -> TrainAugment.standard();
            case "pil" -> TrainAugment.standard().withJitter(TrainAugment.standard().jitter().withPil(true));
            case "none" -> TrainAugment.none();
            default -> throw new KtException("--augment must be standard, pil or none, got " + name);
        };
    }

    /**
     * The split of {@code data} for a model whose input is {@code input}, as the limits select it (0: none), read as
     * {@code options} say (unreadable samples, CSV columns).
     */
    public static DatasetSplit split(Path data, Tensor input, int trainLimit, int trainPerClass, int testLimit,
            int testPerClass, LoadOptions options) {
        LoadOptions base = options.withInput(input.shape, input.quant);
        return DatasetSplit.open(data, base.withLimit(trainLimit).withLimitPerClass(trainPerClass),
                base.withLimit(testLimit).withLimitPerClass(testPerClass));
    }
}
