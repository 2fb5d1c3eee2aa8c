package kilotrain.cli;

import kilotrain.compiler.memory.DevicePipeline;
import picocli.CommandLine.Option;

/** The switches of the lowering pipeline, the same for compile, device-bench, device-demo and plan. */
final class LoweringOptions {
    @Option(names = "--fused-updates", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Fuse each conv weight gradient with its update, one gradient row at a time, so no whole "
                    + "weight gradient is ever stored; kept only where it lowers the peak (default on).")
    boolean fusedUpdates;

    @Option(names = "--fuse-blocks", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run each frozen pointwise expansion and the depthwise conv after it one channel at a time, "
                    + "so the expansion tensor never exists (default; --no-fuse-blocks to compare).")
    boolean fuseBlocks;

    @Option(names = "--in-place-kernels", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Let frozen depthwise convs and depthwise / 1x1 input gradients write their output over "
                    + "their input through a small scratch buffer; kept only where it lowers the peak (default on).")
    boolean inPlaceKernels;

    /** The device's pipeline with these switches. */
    DevicePipeline.Settings settings() {
        return DevicePipeline.Settings.device().withFuseBlocks(fuseBlocks).withFusedUpdates(fusedUpdates)
                .withInPlaceKernels(inPlaceKernels);
    }
}
