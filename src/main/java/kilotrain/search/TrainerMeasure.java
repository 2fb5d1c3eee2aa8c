package kilotrain.search;

import java.util.List;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.SampleSource;
import kilotrain.data.Samples;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.ir.Graph;
import kilotrain.train.FrozenPrefix;
import kilotrain.compiler.Scheme;
import kilotrain.train.Trainer;

/**
 * The real measurement: compile the scheme's training step, fine-tune it with the {@link Trainer} exactly as
 * {@code kilotrain train} would (same head seed for every measurement, so gains compare paired runs), and return the
 * final test accuracy. The graph and the samples are shared: training copies the weights it changes.
 */
public final class TrainerMeasure implements MeasureFunction {
    private final Graph graph;
    private final SampleSource source;
    private final int classes;
    private final TrainState.Options stateOptions;
    private final Trainer.Options trainOptions;
    private final long seed;
    private final TrainSpec.Head head;
    private FrozenPrefix prefix;

    public TrainerMeasure(Graph graph, SampleSource source, int classes, TrainState.Options stateOptions,
            Trainer.Options trainOptions, long seed) {
        this(graph, source, classes, stateOptions, trainOptions, seed, TrainSpec.Head.FLOAT);
    }

    public TrainerMeasure(Graph graph, SampleSource source, int classes, TrainState.Options stateOptions,
            Trainer.Options trainOptions, long seed, TrainSpec.Head head) {
        this.head = head;
        this.graph = graph;
        this.source = source;
        this.classes = classes;
        this.stateOptions = stateOptions;
        this.trainOptions = trainOptions;
        this.seed = seed;
    }

    /**
     * Fine-tunes every scheme that trains nothing before the prefix' cut on its suffix, reusing the cached frozen
     * activations (null: always the whole graph). The accuracies are the same either way.
     */
    public TrainerMeasure reusing(FrozenPrefix p) {
        this.prefix = p;
        return this;
    }

    /** Evaluates only after the last epoch: the analysis records the final accuracy alone. */
    @Override
    public double measure(Measurement m, int threads) {
        return train(m.scheme(), threads, Trainer.Progress.NONE, true);
    }

    /**
     * Fine-tunes any scheme under the analysis' settings, reporting progress and the test accuracy after every epoch
     * (plan --verify's fine-tunes are long and worth watching); returns the final test accuracy.
     */
    public double train(Scheme scheme, int threads, Trainer.Progress progress) {
        return train(scheme, threads, progress, false);
    }

    private double train(Scheme scheme, int threads, Trainer.Progress progress, boolean lastEpochTestOnly) {
        int convs = TrainCompiler.backboneConvs(graph).size();
        scheme.validate(convs, graph.name);
        boolean cut = prefix != null && prefix.covers(scheme, convs);
        Graph g = cut ? prefix.suffix() : graph;
        Scheme s = cut ? prefix.shift(scheme) : scheme;
        Samples samples = cut ? prefix : source;
        TrainState state = new TrainState(TrainCompiler.compile(g, new TrainSpec(s, classes, seed, head)),
                stateOptions);
        TrainExecutor exec = new TrainExecutor(state.program(), state);
        Trainer.Options o = trainOptions;
        Trainer trainer = new Trainer(exec, samples, new Trainer.Options(o.epochs(), o.warmupEpochs(), o.lr(),
                o.batch(), o.schedule(), threads, o.divergeLoss()).withTestLastEpochOnly(lastEpochTestOnly));
        try {
            List<Trainer.EpochMetrics> h = trainer.run(progress, m -> {
            });
            return h.get(h.size() - 1).testAccuracy();
        } catch (Trainer.Diverged d) {
            // A diverging layer is a finding, not a failure of the analysis: it is scored by what is left.
            double a = trainer.evaluate();
            return Double.isFinite(a) ? a : 0;
        }
    }
}
