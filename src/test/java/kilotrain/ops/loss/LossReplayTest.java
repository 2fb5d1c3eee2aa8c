package kilotrain.ops.loss;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the loss folder: the softmax cross-entropy gradient of a ResNet-8 classification step and the mean
 * squared error gradient of a regression step (hello_world; loss values included), recorded by the Java executor, give the same
 * bits in the generated C on the host and on QEMU's Cortex-M7 (docs/architecture.md, "Golden vectors: trace and
 * replay").
 */
class LossReplayTest {
    @Test
    void softmaxCrossEntropy() {
        ReplayCase.replayFolder(ReplayCase.COVER, "loss");
    }

    @Test
    void meanSquaredError() {
        ReplayCase.replayFolder(ReplayCase.REGRESS, "loss");
    }
}
