package kilotrain.train;

import kilotrain.data.Samples;
import kilotrain.exec.TrainExecutor;
import kilotrain.ops.core.Buf;
import kilotrain.program.Program;
import kilotrain.ops.core.TrainedConv;

/**
 * The frozen front of a training run's test images, computed once. Every epoch evaluates the same test images, and
 * the layers before the first trained conv compute the same int8 activation for an image each time (their weights
 * never change), so an evaluation only needs the program from that activation on: about the cost of the trained
 * layers instead of the whole network. The predictions are those of the whole forward pass bit for bit (see
 * {@link TrainExecutor#predictFrom}).
 */
final class TestFront {
    private final FrozenPrefix prefix;
    private final Buf cut;
    private final int resume;

    private TestFront(FrozenPrefix prefix, Buf cut, int resume) {
        this.prefix = prefix;
        this.cut = cut;
        this.resume = resume;
    }

    /**
     * The front of {@code program}'s test images, or null when nothing before its first trained conv can be cut off
     * (see {@link FrozenPrefix#forTest}) or caching the test activations would take more than {@code maxBytes}.
     */
    static TestFront of(Program program, Samples source, long maxBytes) {
        if (source.testSize() == 0 || program.backboneConvs < 2) {
            return null;
        }
        int first = program.backboneConvs - 1;
        for (TrainedConv tc : program.trained) {
            first = Math.min(first, tc.index);
        }
        FrozenPrefix p = FrozenPrefix.forTest(program.forward, first, source, maxBytes);
        if (p == null) {
            return null;
        }
        Buf cut = program.activation(p.suffix().input.name);
        if (cut == null || cut.elements != p.cutBytes()) {
            return null;
        }
        int resume = program.resumeAfter(cut);
        return resume < 0 ? null : new TestFront(p, cut, resume);
    }

    /** A buffer for one thread's activations. */
    byte[] newBuffer() {
        return new byte[cut.elements];
    }

    /** The predicted class of test image {@code index}; {@code logits} (nullable) receives the logits. */
    int predict(TrainExecutor exec, TrainExecutor.Workspace ws, int index, byte[] buffer, float[] logits) {
        prefix.fillTest(index, buffer);
        return exec.predictFrom(ws, resume, cut, buffer, logits);
    }

    /** Backbone convs computed once per test image. */
    int frozenConvs() {
        return prefix.skippedConvs();
    }
}
