package kilotrain.device;

import java.nio.file.Path;
import java.util.function.Function;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DevicePipeline;
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
 * {@code device-demo} as one call: load the model, compile its step, pick the stream (one training image per class
 * in turn) and the held-out test images, optionally with a class the model has never seen interleaved, and run
 * {@link DeviceDemo#run} on the board.
 *
 * @param model    the model file
 * @param scheme   the sparse-update scheme's name or file
 * @param classes  the dataset's classes the head learns
 * @param head     the head kind for the loaded model
 * @param data     the dataset folder of the stream and the held-out images
 * @param newClass a dataset folder whose images all count as one class more (class {@code classes}), every
 *                 {@code (classes + 1)}-th sample of the stream and of the held-out set; null for none
 * @param input    the input convention for the model's input tensor
 * @param options  update rules and optimizer
 * @param lr       the learning rate
 * @param settings the lowering switches
 * @param stream   samples learned on the device
 * @param heldOut  test images evaluated after the stream
 * @param every    save every {@code every} samples
 * @param cut      the power is cut after this many samples
 * @param dir      the C project folder
 * @param timeout  seconds allowed for the build and each QEMU run
 * @param board    the board
 */
public record DeviceDemoRun(Path model, String scheme, int classes, Function<Graph, TrainSpec.Head> head, Path data,
        Path newClass, Function<Tensor, InputSpec> input, TrainState.Options options, float lr,
        DevicePipeline.Settings settings, int stream, int heldOut, int every, int cut, Path dir, long timeout,
        Board board) {

    /** The run, and for the new class: samples learned, held-out images and those the device got right. */
    public record Outcome(Scheme scheme, DeviceDemo.Result result, int newLearned, int newHeld, int newCorrect) {
    }

    public Outcome run() {
        Graph g = ModelLoader.load(model);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        int outputs = classes + (newClass != null ? 1 : 0);
        Program p = TrainCompiler.compile(g, new TrainSpec(s, outputs, 0, head.apply(g)));
        int newTrain = newClass != null ? stream / outputs : 0, newTest = newClass != null ? heldOut / outputs : 0;
        SampleSource src = source(data, g, (stream + classes - 1) / classes, (heldOut + classes - 1) / classes);
        int n = p.input.elements;
        DeviceSamples learn = DeviceSamples.training(src, n, classes, stream - newTrain);
        DeviceSamples test = DeviceSamples.test(src, n, classes, heldOut - newTest);
        if (newClass != null) {
            // the unseen class: its own dataset's images, whatever their labels there, all as class `classes`
            SampleSource nsrc = source(newClass, g, newTrain, newTest);
            learn = learn.interleave(DeviceSamples.training(nsrc, n, Integer.MAX_VALUE, newTrain), classes, outputs);
            test = test.interleave(DeviceSamples.test(nsrc, n, Integer.MAX_VALUE, newTest), classes, outputs);
        }
        DeviceDemo.Result r = DeviceDemo.run(DevicePipeline.lower(p, options, lr, settings), learn.inputs(),
                learn.labels(), test.inputs(), test.labels(), every, cut, board, dir, timeout);
        int newHeld = 0, newCorrect = 0, newLearned = 0;
        for (int l : learn.labels()) {
            newLearned += newClass != null && l == classes ? 1 : 0;
        }
        for (int i = 0; i < test.size() && newClass != null; i++) {
            if (test.labels()[i] == classes) {
                newHeld++;
                newCorrect += r.devicePredictions()[i] == classes ? 1 : 0;
            }
        }
        return new Outcome(s, r, newLearned, newHeld, newCorrect);
    }

    private SampleSource source(Path folder, Graph g, int trainPerClass, int testPerClass) {
        DatasetSplit split = DatasetSplit.open(folder,
                LoadOptions.defaults().withLimitPerClass(Math.max(1, trainPerClass)),
                LoadOptions.defaults().withLimitPerClass(Math.max(1, testPerClass)));
        return new SampleSource(split, input.apply(g.input), TrainAugment.standard(), TestTransform.resize(), 0);
    }
}
