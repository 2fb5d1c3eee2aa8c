package kilotrain.ops;

import java.util.IdentityHashMap;
import java.util.Map;
import kilotrain.KtException;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Op;
import kilotrain.ir.Reshape;
import kilotrain.ops.add.AddTraining;
import kilotrain.ops.conv.ConvTraining;
import kilotrain.ops.core.TrainRule;
import kilotrain.ops.fc.FcTraining;
import kilotrain.ops.pool.PoolTraining;
import kilotrain.ops.reshape.ReshapeTraining;

/**
 * The one registry of operators: one line per operator. The training side maps an IR operator class to its
 * {@link TrainRule} (forward instructions and gradient rule, in the operator's folder {@code kilotrain.ops.<op>});
 * the training compiler finds every operator's rule here.
 */
public final class Operators {
    private static final Map<Class<? extends Op>, TrainRule<?>> TRAINING = new IdentityHashMap<>();

    static {
        train(Conv2D.class, new ConvTraining());
        train(FullyConnected.class, new FcTraining());
        train(AvgPool2D.class, new PoolTraining());
        train(Add.class, new AddTraining());
        train(Reshape.class, new ReshapeTraining());
    }

    private Operators() {
    }

    private static <T extends Op> void train(Class<T> type, TrainRule<T> rule) {
        if (TRAINING.put(type, rule) != null) {
            throw new IllegalStateException(type.getSimpleName() + " has two training rules");
        }
    }

    /** The training rule of {@code op}; a clear error when the operator cannot be part of a trained backbone. */
    @SuppressWarnings("unchecked")
    public static <T extends Op> TrainRule<T> training(T op) {
        TrainRule<T> rule = (TrainRule<T>) TRAINING.get(op.getClass());
        if (rule == null) {
            throw new KtException("operator " + op + " cannot appear inside a trained backbone");
        }
        return rule;
    }
}
