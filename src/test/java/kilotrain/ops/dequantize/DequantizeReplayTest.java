package kilotrain.ops.dequantize;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the dequantize folder: the int8 output dequantized and its gradient in a regression step
 * (hello_world, mean squared error of the model's float output) and in a step with a new int8 head (ResNet-8),
 * recorded by the Java executor, give the same bits in the generated C on the host and on QEMU's Cortex-M7
 * (docs/architecture.md, "Golden vectors: trace and replay").
 */
class DequantizeReplayTest {
    @Test
    void regression() {
        ReplayCase.replayFolder(ReplayCase.REGRESS, "dequantize");
    }

    @Test
    void int8Head() {
        ReplayCase.replayFolder(ReplayCase.INT8_HEAD, "dequantize");
    }
}
