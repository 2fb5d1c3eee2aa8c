package kilotrain.importer.tflite;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.google.flatbuffers.FlatBufferBuilder;

import kilotrain.ops.tflite.schema.Buffer;
import kilotrain.ops.tflite.schema.Model;
import kilotrain.ops.tflite.schema.Operator;
import kilotrain.ops.tflite.schema.OperatorCode;
import kilotrain.ops.tflite.schema.QuantizationParameters;
import kilotrain.ops.tflite.schema.SubGraph;
import kilotrain.ops.tflite.schema.Tensor;

/** Writes small TFLite flatbuffers with the generated builders, to test cases no shipped model has. */
final class TinyModel {
    record T(String name, int[] shape, byte type, byte[] data, float[] scales, long[] zeros, int axis) {
    }

    record Op(int deprecatedCode, int builtinCode, int[] inputs, int[] outputs, byte optionsType,
            java.util.function.ToIntFunction<FlatBufferBuilder> options) {
    }

    final List<T> tensors = new ArrayList<>();
    final List<Op> ops = new ArrayList<>();
    int input, output, subgraphs = 1;
    /** The custom code every CUSTOM operator code gets. */
    String customCode;

    int tensor(String name, int[] shape, byte type, byte[] data, float[] scales, long[] zeros, int axis) {
        tensors.add(new T(name, shape, type, data, scales, zeros, axis));
        return tensors.size() - 1;
    }

    int int8(String name, int[] shape, byte[] data, float scale, int zero) {
        return tensor(name, shape, kilotrain.ops.tflite.schema.TensorType.INT8, data, new float[] {scale},
                new long[] {zero}, 0);
    }

    void op(int deprecatedCode, int builtinCode, int[] inputs, int output, byte optionsType,
            java.util.function.ToIntFunction<FlatBufferBuilder> options) {
        ops.add(new Op(deprecatedCode, builtinCode, inputs, new int[] {output}, optionsType, options));
    }

    byte[] build() {
        FlatBufferBuilder b = new FlatBufferBuilder(1024);
        List<Integer> buffers = new ArrayList<>();
        buffers.add(Buffer.createBuffer(b, 0, 0, 0));
        int[] tensorOffsets = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            T t = tensors.get(i);
            int buffer = 0;
            if (t.data != null) {
                int data = Buffer.createDataVector(b, t.data);
                buffers.add(Buffer.createBuffer(b, data, 0, 0));
                buffer = buffers.size() - 1;
            }
            int q = 0;
            if (t.scales != null) {
                int s = QuantizationParameters.createScaleVector(b, t.scales);
                int z = QuantizationParameters.createZeroPointVector(b, t.zeros);
                q = QuantizationParameters.createQuantizationParameters(b, 0, 0, s, z, 0, 0, t.axis);
            }
            int shape = Tensor.createShapeVector(b, t.shape);
            int name = b.createString(t.name);
            tensorOffsets[i] = Tensor.createTensor(b, shape, t.type, buffer, name, q, false, 0);
        }
        int[] codes = new int[ops.size()];
        int[] opOffsets = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            int custom = customCode == null ? 0 : b.createString(customCode);
            codes[i] = OperatorCode.createOperatorCode(b, (byte) op.deprecatedCode, custom, 1, op.builtinCode);
            int options = op.options == null ? 0 : op.options.applyAsInt(b);
            int in = Operator.createInputsVector(b, op.inputs);
            int out = Operator.createOutputsVector(b, op.outputs);
            opOffsets[i] = Operator.createOperator(b, i, in, out, op.optionsType, options);
        }
        int[] graphs = new int[subgraphs];
        for (int g = 0; g < subgraphs; g++) {
            int ts = SubGraph.createTensorsVector(b, tensorOffsets);
            int ins = SubGraph.createInputsVector(b, new int[] {input});
            int outs = SubGraph.createOutputsVector(b, new int[] {output});
            int opv = SubGraph.createOperatorsVector(b, opOffsets);
            graphs[g] = SubGraph.createSubGraph(b, ts, ins, outs, opv, 0);
        }
        int codeVec = Model.createOperatorCodesVector(b, codes);
        int graphVec = Model.createSubgraphsVector(b, graphs);
        int bufVec = Model.createBuffersVector(b, buffers.stream().mapToInt(Integer::intValue).toArray());
        Model.finishModelBuffer(b, Model.createModel(b, 3, codeVec, graphVec, 0, bufVec));
        ByteBuffer bb = b.dataBuffer();
        return Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
    }

    static byte[] ints(int... v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            bb.putInt(x);
        }
        return bb.array();
    }
}
