package kilotrain.ops.conv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import kilotrain.device.ReplayCase;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the conv folder: every conv instruction of a ResNet-8 training step (forward, channel saves,
 * output, input, full and partial weight and bias gradients) and a sample of MCUNet's (depthwise, fused pairs, fused
 * weight updates), recorded by the Java executor, give the same bits in the generated C on the host and on QEMU's
 * Cortex-M7, instruction by instruction (docs/architecture.md, "Golden vectors: trace and replay").
 */
class ConvReplayTest {
    @Test
    void resnet8() {
        ReplayCase.replayFolder(ReplayCase.COVER, "conv");
    }

    /** A sample of MCUNet's 49 KB device step: depthwise convs, fused conv + depthwise pairs, fused weight updates. */
    @Test
    void mcunetSample() {
        ReplayCase.replayFolder(ReplayCase.MCUNET, "conv");
    }

    /**
     * The in-place kernels with their output over their input in the planned arena (ProxylessNAS 98 KB, every kernel
     * offered): depthwise forwards of stride 1 and 2 (kernels 3; 5 and 7), depthwise input gradients of stride 1 and 2,
     * 1x1 input gradients with the smaller g_x (ascending pixels) and the larger (descending). A kernel that read a
     * value after writing over it would diverge here.
     */
    @Test
    void inPlaceKernels() {
        ReplayCase.Step step = ReplayCase.step(ReplayCase.IN_PLACE);
        Set<String> aliased = new TreeSet<>();
        for (var rec : step.records()) {
            Instr in = rec.instr();
            Buf[] pair = in.inPlace();
            if (step.variant().plan().offsetOf(pair[0]) != step.variant().plan().offsetOf(pair[1])) {
                continue;
            }
            if (in instanceof ConvDwInPlace d) {
                aliased.add("dw_fwd s" + d.conv().strideH + " k" + d.conv().kernelH());
            } else if (in instanceof ConvInputGradInPlace g && g.base().conv().isDepthwise()) {
                aliased.add("dw_input_grad s" + g.base().conv().strideH);
            } else if (in instanceof ConvInputGradInPlace g) {
                aliased.add(g.base().conv().input.channels() <= g.base().conv().output.channels()
                        ? "pw_input_grad ascending" : "pw_input_grad descending");
            }
        }
        assertTrue(aliased.containsAll(Set.of("dw_fwd s1 k3", "dw_fwd s2 k5", "dw_fwd s2 k7",
                "dw_input_grad s1", "dw_input_grad s2", "pw_input_grad ascending", "pw_input_grad descending")),
                "aliased in the plan: " + aliased);
        ReplayCase.replay(ReplayCase.IN_PLACE, in -> in.inPlaceScratch() != null);
    }
}
