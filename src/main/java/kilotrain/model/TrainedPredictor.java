package kilotrain.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import kilotrain.data.InputSpec;
import kilotrain.exec.TrainExecutor;
import kilotrain.ir.Graph;

/** Predictions of a fine-tuned model: the training program's forward pass, exactly as training evaluated it. */
public final class TrainedPredictor implements Predictor {
    private final TrainedModel model;
    private final TrainExecutor exec;
    private final InputSpec spec;

    public TrainedPredictor(TrainedModel model, InputSpec spec) {
        this.model = model;
        this.exec = new TrainExecutor(model.program, model.state);
        this.spec = spec;
    }

    @Override
    public InputSpec inputSpec() {
        return spec;
    }

    @Override
    public kilotrain.ir.Quant outputQuant() {
        kilotrain.ops.loss.MseGrad m = model.program.mse();
        return m != null && m.target() == kilotrain.ops.loss.TargetKind.INT8
                ? kilotrain.ir.Quant.perTensor(m.scale(), m.zero()) : null;
    }

    @Override
    public List<String> classes() {
        return model.classes;
    }

    @Override
    public boolean rawInputIsNchw() {
        return model.graph.source == Graph.Source.TINY_TRAINING_PKL;
    }

    @Override
    public Scorer scorer() {
        TrainExecutor.Workspace ws = exec.workspace();
        // a binary program's one logit z scores its two classes as (0, z): sigmoid(z) is softmax(0, z)[1], and the
        // arg-max (first on ties) is class 1 exactly when z > 0
        boolean binary = model.program.binary();
        float[] logits = new float[binary ? 2 : model.program.numClasses];
        return new Scorer() {
            @Override
            public float[] scores(byte[] input) {
                exec.predict(ws, input, binary ? null : logits);
                if (binary) {
                    logits[0] = 0.0f;
                    logits[1] = ws.floats(model.program.logits)[0];
                }
                return logits.clone();
            }

            @Override
            public byte[] rawOutput() {
                ByteBuffer bb = ByteBuffer.allocate(logits.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(logits);
                return bb.array();
            }
        };
    }
}
