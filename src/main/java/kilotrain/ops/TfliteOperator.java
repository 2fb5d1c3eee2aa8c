package kilotrain.ops;

import com.google.flatbuffers.Table;
import kilotrain.KtException;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;

/**
 * One TFLite operator as an import rule sees it (implemented by the importer): its tensors already checked and turned
 * into IR tensors, its options table, and errors that name the file, the operator and its index. Input indices are
 * the operator's own (0 = its first input).
 */
public interface TfliteOperator {
    /** "operator 7 (PAD)", for messages. */
    String label();

    /** The name the IR operator gets (its output tensor's). */
    String name();

    /** How many inputs the operator lists; fails unless it is within {@code [min, max]}. */
    int arity(int min, int max);

    /** Whether input i is given (optional inputs are -1 or missing). */
    boolean has(int i);

    /** Input i as an int8 activation quantized per tensor. */
    Tensor input(int i);

    /** The int8 output activation. */
    Tensor output();

    /** Input i as an int8 activation or, when the model holds it as data, an int8 constant (both per tensor). */
    Tensor operand(int i);

    /** Input i as a constant integer vector (int32 or int64 data), e.g. paddings, axes, a permutation. */
    int[] ints(int i, String role);

    /** Input i as a constant int8 tensor quantized per tensor (e.g. PADV2's pad value, PRELU's alpha). */
    Tensor int8Constant(int i, String role);

    /** The operator's options table of the given union type; fails when it has others. */
    <T extends Table> T options(byte type, T table);

    /** The options table if the operator has one of this type, else null (converters omit empty ones). */
    <T extends Table> T optionsIfAny(byte type, T table);

    /** A fused activation as a clamp in the output's quantized domain, as TFLite computes it. */
    int[] activationRange(int fusedActivation, Tensor output);

    KtException error(String message);

    // The import rules of the operators that predate the operator folders stay in the importer this session.
    Op conv2d(boolean depthwise);

    Op averagePool();

    Op fullyConnected();

    Op add();

    /** RESHAPE, SQUEEZE and EXPAND_DIMS: the same bytes in a new shape. */
    Op reshape();

    Op softmax();
}
