package kilotrain.device;

import java.nio.file.Path;
import java.util.function.Function;
import kilotrain.KtException;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * {@code device-bench} as one call: load the model, compile its step for the task, embed real samples of the dataset,
 * build the step for the board, train {@code steps} steps in QEMU against the Java twin ({@link DeviceBench#run}) and,
 * if asked and bit-exact, profile it per instruction ({@link StepProfile#measure}).
 *
 * @param model    the model file
 * @param scheme   the sparse-update scheme's name or file ({@link Scheme#resolve})
 * @param task     the task (a {@code REGRESS} whose test targets are int8 runs as {@code REGRESS_INT8})
 * @param classes  the new head's classes (a classifier's samples have a label below it)
 * @param head     the head kind for the loaded model
 * @param data     the dataset folder the samples come from
 * @param load     how its files are read (limits are set here)
 * @param input    the input convention for the model's input tensor
 * @param options  update rules and optimizer
 * @param lr       the learning rate compiled into the step
 * @param settings the lowering switches
 * @param steps    training steps on the device (at least 1)
 * @param samples  distinct samples embedded (at least 1); the steps cycle over them
 * @param dir      the C project folder (created)
 * @param timeout  seconds allowed for the build and each QEMU run
 * @param board    the board
 * @param profile  also measure the per-instruction profile
 */
public record DeviceBenchRun(Path model, String scheme, TrainSpec.Task task, int classes,
        Function<Graph, TrainSpec.Head> head, Path data, LoadOptions load, Function<Tensor, InputSpec> input,
        TrainState.Options options, float lr, DevicePipeline.Settings settings, int steps, int samples, Path dir,
        long timeout, Board board, boolean profile) {

    /** What was run and measured; {@code profile} is null unless asked for and the run was bit-exact. */
    public record Outcome(Program program, Scheme scheme, TrainSpec.Task task, DeviceBench.Result result,
            StepProfile profile) {
    }

    public Outcome run() {
        if (steps < 1 || samples < 1) {
            throw new KtException("device-bench needs at least one step and one sample, got " + steps + " and "
                    + samples);
        }
        Graph g = ModelLoader.load(model);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        boolean classify = task == TrainSpec.Task.CLASSIFY;
        // a classifier embeds test images of its classes; the other tasks their first test samples
        LoadOptions lo = load.withInput(g.input.shape, g.input.quant);
        DatasetSplit split = DatasetSplit.open(data, lo.withLimitPerClass(1),
                classify ? lo.withLimitPerClass(2) : lo.withLimitPerClass(Math.min(steps, samples)));
        TrainSpec.Task t = task == TrainSpec.Task.REGRESS && split.test() != null && split.test().targetsInt8()
                ? TrainSpec.Task.REGRESS_INT8 : task;
        Program p = TrainCompiler.compile(g, TrainSpec.forGraph(t, s, classes, 0, head.apply(g), g));
        SampleSource src = new SampleSource(split, input.apply(g.input), TrainAugment.standard(),
                TestTransform.resize(), 0);
        int count = Math.min(steps, samples);
        DeviceSamples picked;
        if (t.mse() && t != TrainSpec.Task.AUTOENCODE) {
            picked = DeviceSamples.targets(src, g.input.elements(), count, true);
        } else {
            int below = t == TrainSpec.Task.AUTOENCODE ? Integer.MAX_VALUE : t == TrainSpec.Task.BINARY ? 2
                    : t == TrainSpec.Task.CLASSIFY_KEEP_HEAD ? p.numClasses : classes;
            picked = DeviceSamples.test(src, g.input.elements(), below, count);
        }
        if (picked.size() == 0) {
            throw new KtException("dataset " + data + " has no test sample with a label below --classes " + classes);
        }
        DeviceProgram dp = DevicePipeline.lower(p, options, lr, settings);
        DeviceBench.Result r = DeviceBench.run(dp, () -> new TrainState(p, options), picked.inputs(),
                picked.labels(), picked.targets(), steps, dir, timeout, board);
        StepProfile pr = profile && r.bitExact() ? StepProfile.measure(p, dp.step(), board, dir, steps, timeout)
                : null;
        return new Outcome(p, s, t, r, pr);
    }
}
