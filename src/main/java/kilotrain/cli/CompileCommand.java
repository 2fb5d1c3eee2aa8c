package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.device.Board;
import kilotrain.device.BuildTarget;
import kilotrain.device.CompileRun;
import kilotrain.device.DeviceFootprint;
import kilotrain.compiler.memory.BlockFusion;
import kilotrain.compiler.memory.Budget;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.compiler.memory.Variant;
import kilotrain.exec.ArenaCheck;
import kilotrain.program.TrainState;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile the training step of a model under a sparse-update scheme, plan its memory for the "
                + "device (batch 1, in-place updates, reordered, one static arena); --print lists its operations.")
final class CompileCommand implements Callable<Integer> {
    @Mixin
    StepModelOptions model;

    @Option(names = "--class-names", split = ",", paramLabel = "NAME",
            description = "Names of the new head's classes, in label order; recorded in --out's start.ktm, so the "
                    + "model import-params makes from the device's parameters prints them (default: 0, 1, ...).")
    java.util.List<String> classNames;

    @Option(names = "--print", description = "List the device's (reordered) operations with the buffers they write and read.")
    boolean print;

    @Mixin
    JsonOption json;

    @Option(names = "--memory-report", paramLabel = "DIR",
            description = "Write the memory timeline (timeline.csv, timeline.png), arena offsets and breakdown to DIR.")
    Path memoryReport;

    @Option(names = "--sram-budget", paramLabel = "SIZE",
            description = "Fail unless the step fits, e.g. 256K (default with --target cortex-m7 --out: 256K). With "
                    + "--target cortex-m7 the whole program's SRAM counts (.data + .bss + 8 KiB stack reserve).")
    String sramBudget;

    @Option(names = "--flash-budget", paramLabel = "SIZE", description = "Fail unless the weights fit, e.g. 1M (default with --target cortex-m7 --out: 1M; "
                    + "with --target cortex-m7: the program's flash, code estimated).")
    String flashBudget;

    @Mixin
    OptimizerOption optimizer;

    @Option(names = "--target", defaultValue = "host",
            description = "C target of --out: host (gcc), a core (cortex-m7, cortex-m4, cortex-m33, cortex-m55: the "
                    + "demo project for its board; the Makefile builds both), or lib (a static library for the board's "
                    + "core: no startup, no main; Makefile, CMakeLists.txt, README with the API).")
    String target;

    @Option(names = "--board", description = "Board of a core or lib target (memory map, budgets, core): "
            + "mps2-an500 (Cortex-M7, default), mps2-an386 (M4), mps2-an505 (M33), mps3-an547 (M55), "
            + "stm32f746g-disco (M7, 320 KB SRAM; not run here).")
    String board;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Emit the device's C project (reordered step, planned arena, kernels, Makefile) into DIR.")
    Path out;

    @Option(names = "--lr", defaultValue = "0.025", description = "Learning rate compiled into the C step (default ${DEFAULT-VALUE}).")
    float lr;

    @Mixin
    LoweringOptions lowering;

    @Option(names = "--verify-arena", paramLabel = "STEPS", defaultValue = "0",
            description = "Run STEPS training steps (seeded random samples, --lr, the update rules above) with every "
                    + "buffer in the planned arena and with one array per buffer; fail unless losses and parameters "
                    + "are bit-identical.")
    int verifyArena;

    @Mixin
    UpdateRuleOptions rules;

    @Mixin
    AccumulateOption accumulate;

    @Mixin
    HeadOption head;

    @Mixin
    TaskOption task;

    @Override
    public Integer call() {
        BuildTarget bt = BuildTarget.of(target, board);
        boolean lib = bt.library();
        Board b = bt.board();
        optimizer.momentum();
        rules.validate();
        Checks.positive("--lr", lr);
        Checks.notNegative("--verify-arena", verifyArena);
        Checks.outFolder("--out", out);
        Checks.outFolder("--memory-report", memoryReport);
        long sram = sramBudget == null ? -1 : Budget.parse(sramBudget, "--sram-budget");
        long flash = flashBudget == null ? -1 : Budget.parse(flashBudget, "--flash-budget");
        TrainState.Options options = accumulate.apply(rules.options(true, optimizer.momentum(), 0));
        CompileRun.Outcome done = new CompileRun(model.model, model.scheme, task.task(), classNames(), head::resolve,
                options, lr, lowering.settings(), bt, sram, flash, verifyArena, memoryReport, out).run();
        Scheme s = done.scheme();
        Program p = done.program();
        DeviceProgram a = done.device();
        Variant best = a.best();
        DeviceFootprint footprint = done.footprint();
        ArenaCheck.Result verified = done.verified();
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.model.toString());
            o.put("scheme", s.name);
            o.put("operations", best.step().size());
            o.put("fused_blocks", BlockFusion.count(best.step()));
            o.put("arena_bytes", best.plan().arenaBytes());
            o.put("lower_bound_bytes", best.plan().lowerBound());
            o.put("arena_strategy", best.plan().strategy());
            o.put("peak_step", best.peakStep());
            o.put("input_bytes_in_arena", a.inputBytes);
            o.put("trainable_sram_bytes", a.trainableBytes);
            o.put("optimizer_state_bytes", a.optimizerBytes);
            o.put("shadow_bytes", a.shadowBytes);
            o.put("sram_total_bytes", a.sramTotal(best));
            o.put("flash_bytes", a.flashBytes);
            if (out != null) {
                o.put("project", out.toString());
                o.put("start_model", out.resolve(CompileRun.START_MODEL).toString());
            }
            if (footprint != null) {
                o.put("board", b.name());
                o.put("core", b.core());
                o.put(lib ? "library_ram_bytes" : "device_ram_bytes", footprint.ramBytes());
                o.put(lib ? "library_flash_bytes" : "device_flash_bytes", footprint.flashBytes());
                ObjectNode ram = o.putObject(lib ? "library_ram" : "device_ram");
                footprint.ramParts().forEach(ram::put);
                ObjectNode fl = o.putObject(lib ? "library_flash" : "device_flash");
                footprint.flashParts().forEach(fl::put);
            }
            if (verified != null) {
                o.put("arena_verified_steps", verified.steps());
                o.put("arena_verified", verified.identical());
            }
            ObjectNode stages = o.putObject("stages");
            for (Variant v : a.variants) {
                ObjectNode n = stages.putObject(v.name());
                n.put("arena_bytes", v.plan().arenaBytes());
                n.put("lower_bound_bytes", v.plan().lowerBound());
                n.put("backward_lower_bound_bytes", v.backwardLowerBound());
                n.put("sram_total_bytes", a.sramTotal(v));
            }
            ArrayNode passes = o.putArray("passes");
            for (DevicePipeline.Stage stage : a.log) {
                ObjectNode n = passes.addObject();
                n.put("pass", stage.pass());
                n.put("instructions", stage.instructions());
                n.put("peak_bytes", stage.peakBytes());
                if (stage.planned()) {
                    n.put("arena_bytes", stage.arenaBytes());
                }
                n.put("change", stage.change());
            }
            ArrayNode ops = o.putArray("program");
            for (Instr in : best.step()) {
                ObjectNode n = ops.addObject();
                n.put("op", in.op());
                ArrayNode w = n.putArray("writes");
                in.writes().forEach(x -> w.add(describe(x)));
                ArrayNode r = n.putArray("reads");
                in.reads().forEach(x -> r.add(describe(x)));
            }
            System.out.println(Json.write(o));
            return 0;
        }
        if (print) {
            System.out.print(a.program().listing());
            System.out.print(a.stageLog());
        }
        System.out.printf("%s, scheme %s: %d operations, %d trained parameters (%,d bytes in SRAM)%n", model.model, s,
                best.step().size(), p.params.size(), a.trainableBytes);
        for (Variant v : a.variants) {
            System.out.printf("  %-17s arena %,9d B (lower bound %,9d B, %s), SRAM total %,9d B%n", v.name(),
                    v.plan().arenaBytes(), v.plan().lowerBound(), v.plan().strategy(), a.sramTotal(v));
        }
        System.out.printf("  SRAM besides the arena: trainable parameters %,d B, optimizer state %,d B, float master "
                + "copies %,d B%n", a.trainableBytes, a.optimizerBytes, a.shadowBytes);
        System.out.printf("  flash (weights and biases) %,d B; input image %,d B inside the arena%n", a.flashBytes,
                a.inputBytes);
        if (verified != null) {
            System.out.printf("  arena verified: %d training steps from the planned arena bit-identical to one array "
                    + "per buffer (losses, parameters, logits)%n", verified.steps());
        }
        if (footprint != null) {
            System.out.printf("  %s %s: SRAM %,d B (.data %,d + .bss %,d + stack reserve %,d), flash %,d B "
                    + "(code estimated %,d)%n", b.name(), lib ? "library (static memory; the stack is the product's)"
                            : b.core() + " program", footprint.ramBytes(), DeviceFootprint.align8(footprint.dataBytes()),
                    DeviceFootprint.align8(footprint.bssBytes()), footprint.stackBytes(), footprint.flashBytes(),
                    footprint.codeBytes());
        }
        if (out != null) {
            System.out.printf("C project for %s written to %s (make%s); %s is the model it starts from: "
                    + "kilotrain import-params %s PARAMS --out trained.ktm turns the parameters the device exports "
                    + "(kt_export_params) into a model%n", target, out, lib ? "; make check" : target.equals("host")
                            ? "" : " device",
                    out.resolve(CompileRun.START_MODEL), out.resolve(CompileRun.START_MODEL));
        }
        return 0;
    }

    /** The head's class names: --class-names, or 0 .. N-1 for --classes N (default 10). */
    private java.util.List<String> classNames() {
        if (classNames == null || classNames.isEmpty()) {
            return java.util.stream.IntStream.range(0, model.classes()).mapToObj(Integer::toString).toList();
        }
        if (model.classes != null && model.classes != classNames.size()) {
            throw new KtException("--classes " + model.classes + " and --class-names (" + classNames.size()
                    + " names) disagree");
        }
        if (classNames.size() < 2 || new java.util.HashSet<>(classNames).size() != classNames.size()) {
            throw new KtException("--class-names: need at least 2 distinct names, got " + classNames);
        }
        return classNames;
    }

    private static String describe(Buf b) {
        return b.toString();
    }
}
