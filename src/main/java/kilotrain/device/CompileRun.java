package kilotrain.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import kilotrain.KtException;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.exec.ArenaCheck;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.model.TrainedModel;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.report.MemoryReport;
import kilotrain.util.AtomicFiles;

/**
 * {@code compile} as one call: load the model, compile its step for the task, lower it for the device (every stage
 * planned, for the stage table), optionally write its memory report, check it against the target's budgets ({@link BuildTarget#check}), optionally run
 * the arena check, and with an output folder write the C project and the model it starts from ({@link #START_MODEL}).
 *
 * @param model       the model file
 * @param scheme      the sparse-update scheme's name or file
 * @param task        the task
 * @param classNames  the new head's class names, in label order (a regression's, a binary's and a kept head's are
 *                    made here when they do not fit the task)
 * @param head        the head kind for the loaded model
 * @param options     update rules and optimizer
 * @param lr          the learning rate compiled into the step
 * @param settings    the lowering switches
 * @param target      what is built
 * @param sramBudget  bytes, or -1 (with an output folder and a board: the board's)
 * @param flashBudget bytes, or -1 (likewise)
 * @param verifyArena training steps of the arena check (0: none)
 * @param memoryReport the memory report's folder ({@link MemoryReport}; null: none), written before the budgets are
 *                    checked
 * @param out         the C project folder (null: nothing written)
 */
public record CompileRun(Path model, String scheme, TrainSpec.Task task, List<String> classNames,
        Function<Graph, TrainSpec.Head> head, TrainState.Options options, float lr, DevicePipeline.Settings settings,
        BuildTarget target, long sramBudget, long flashBudget, int verifyArena, Path memoryReport, Path out) {

    /** The model a generated C project starts from, in its folder. */
    public static final String START_MODEL = "start.ktm";

    /**
     * What was compiled: the step, the device program, the footprint counted for a board (null for the host), the
     * arena check (null when not asked) and the start model written (null without an output folder).
     */
    public record Outcome(Scheme scheme, Program program, DeviceProgram device, DeviceFootprint footprint,
            ArenaCheck.Result verified, Path startModel) {
    }

    public Outcome run() {
        boolean writing = out != null;
        long sram = target.sramBudget(sramBudget, writing);
        long flash = target.flashBudget(flashBudget, writing);
        if (writing) {
            AtomicFiles.checkNotInput(out.resolve(START_MODEL), model);
        }
        Graph g = ModelLoader.load(model);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, TrainSpec.forGraph(task, s, classNames.size(), 0, head.apply(g), g));
        DeviceProgram dp = DevicePipeline.lower(p, options, lr, settings.withPlannedStages(true));
        if (memoryReport != null) {
            MemoryReport.write(memoryReport, dp);
        }
        TrainState state = new TrainState(p, options);
        DeviceFootprint footprint = target.check(dp, state, sram, flash, writing);
        ArenaCheck.Result verified = verifyArena > 0 ? ArenaCheck.verify(dp, verifyArena) : null;
        Path start = null;
        if (writing) {
            target.write(dp, state, out);
            // what the generated step starts from, so that import-params can turn the parameters the device
            // exports after training into a model file
            start = out.resolve(START_MODEL);
            new TrainedModel(model.getFileName().toString(), read(model), 0, g, s, names(p), 0, p, state).save(start);
        }
        return new Outcome(s, p, dp, footprint, verified, start);
    }

    /** The start model's output names: the class names, or what the task's outputs are called. */
    private List<String> names(Program p) {
        List<String> names = new ArrayList<>();
        if (task.mse() && task != TrainSpec.Task.AUTOENCODE) {
            // a regression's start.ktm names its targets, one per model output
            for (int i = 0; i < p.numClasses; i++) {
                names.add(p.numClasses == 1 ? "y" : "y" + i);
            }
            return names;
        }
        if (task == TrainSpec.Task.BINARY && classNames.size() != 2) {
            return List.of("0", "1");
        }
        if (task == TrainSpec.Task.CLASSIFY_KEEP_HEAD && classNames.size() != p.numClasses) {
            for (int i = 0; i < p.numClasses; i++) {
                names.add(Integer.toString(i));
            }
            return names;
        }
        return classNames;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KtException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
