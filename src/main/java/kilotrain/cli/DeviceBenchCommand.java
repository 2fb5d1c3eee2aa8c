package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kilotrain.compiler.TrainSpec;
import kilotrain.device.Board;
import kilotrain.device.DeviceBench;
import kilotrain.device.DeviceBenchRun;
import kilotrain.device.StepProfile;
import kilotrain.data.LoadOptions;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Compile, build for a board's core, train in QEMU and compare with the Java executor, in one command. */
@Command(name = "device-bench", mixinStandardHelpOptions = true,
        description = "Build the training step for a board (--board, default mps2-an500 = Cortex-M7), train K steps on "
                + "real samples in QEMU (-icount shift=0) and compare every bit with the Java executor: ticks per step and per inference, "
                + "SRAM and flash use, bit_exact. One SysTick tick = 40 emulated instructions (25 MHz at 1 ns each).")
final class DeviceBenchCommand implements Callable<Integer> {
    @Mixin
    StepModelOptions model;

    @Option(names = "--steps", defaultValue = "5", description = "Training steps on the device (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--samples", defaultValue = "4",
            description = "Distinct images embedded in the device program (flash); the steps cycle over them "
                    + "(default ${DEFAULT-VALUE}).")
    int samples;

    @Mixin
    DeviceRunOptions device;

    @Mixin
    JsonOption json;

    @Mixin
    TaskOption task;

    @Mixin
    SampleOptions sampleFiles;

    @Option(names = "--profile", description = "Also build the step with -DKT_PROFILE (a SysTick read after every "
            + "statement), run it on the same samples (its results must equal the plain run's bit for bit) and print "
            + "per instruction: ticks, MACs or element operations, instructions per MAC, and the lower bound "
            + "(MACs / 2 per SMLAD + one load or store per word touched).")
    boolean profile;

    @Option(names = "--profile-top", defaultValue = "25", description = "Rows of the --profile table, most ticks "
            + "first (default ${DEFAULT-VALUE}; --json lists all).")
    int profileTop;

    /** The profile under its JSON keys. */
    static ObjectNode profileJson(StepProfile pr) {
        ObjectNode o = Json.object();
        o.put("ticks_per_step", pr.totalTicks());
        o.put("profiled_ticks_per_step", pr.profiledTicksPerStep());
        o.put("macs", pr.totalMacs());
        o.put("bound_instructions", pr.totalBoundInstructions());
        o.put("bound_ticks", pr.totalBoundInstructions() / pr.board().instructionsPerTick());
        o.put("bound", "ceil(MACs / 2) + words read + words written (one SMLAD per 2 int8 MACs, one LDR/STR per "
                + "32-bit word of every buffer and constant touched)");
        o.put("float_macs", pr.floatMacs());
        o.put("contract_bound_ticks", pr.totalContractBoundInstructions() / pr.board().instructionsPerTick());
        o.put("contract_bound", "the bound with float MACs at 2 instructions each (VMUL + VADD, unfused, fixed order)");
        ArrayNode rows = o.putArray("rows");
        for (StepProfile.Row r : pr.rows()) {
            ObjectNode n = rows.addObject();
            n.put("index", r.index());
            n.put("op", r.op());
            n.put("layer", r.what());
            n.put("ticks", r.ticks());
            n.put("macs", r.macs());
            n.put("element_ops", r.elementOps());
            if (r.macs() > 0) {
                n.put("instructions_per_mac", pr.instructionsPerMac(r));
            }
            n.put("bound_ticks", pr.boundTicks(r));
            n.put("float_macs", r.floatMacs());
        }
        return o;
    }

    @Override
    public Integer call() throws Exception {
        Board bd = device.check();
        int classes = model.classes();
        Checks.atLeast("--samples", samples, 1);
        Checks.atLeast("--steps", steps, 1);
        Path dir = device.projectDir("kilotrain-device");
        DeviceBenchRun.Outcome out = new DeviceBenchRun(model.model, model.scheme, task.task(), classes,
                device.step.head::resolve, device.dataDir(), sampleFiles.apply(LoadOptions.defaults()),
                device.step.input::spec, device.options(), device.lr, device.lowering.settings(), steps, samples, dir,
                device.timeout, bd, profile).run();
        Program p = out.program();
        Scheme s = out.scheme();
        TrainSpec.Task chosen = out.task();
        DeviceBench.Result r = out.result();
        StepProfile pr = out.profile();
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.model.toString());
            o.put("scheme", s.name);
            o.put("task", chosen.cli());
            o.put("classes", p.numClasses);
            o.put("steps", steps);
            o.put("board", bd.name());
            o.put("core", bd.core());
            o.put("instructions_per_step", Math.round(r.ticksPerStep() * bd.instructionsPerTick()));
            r.putInto(o, dir);
            if (pr != null) {
                o.set("profile", profileJson(pr));
            }
            System.out.println(Json.write(o));
        } else {
            System.out.printf("%s, scheme %s, %s, %d steps on QEMU %s (%s, -icount shift=0)%n",
                    model.model, s.name, chosen == TrainSpec.Task.CLASSIFY ? classes + " classes" : "task " + chosen.cli()
                            + " (" + p.numClasses + " output" + (p.numClasses == 1 ? "" : "s") + ")", steps, bd.name(),
                    bd.core());
            System.out.printf("ticks_per_step %d (%,d emulated instructions: %s instructions per tick on this board)%n"
                    + "ticks_per_inference %d%n", r.ticksPerStep(), Math.round(r.ticksPerStep()
                            * bd.instructionsPerTick()), bd.instructionsPerTick(), r.ticksPerInference());
            System.out.printf("sram_bytes %d (data %d + bss %d + peak stack %d)%nflash_bytes %d (+ %d of embedded "
                    + "sample images)%n", r.sramBytes(), r.dataBytes(), r.bssBytes(), r.stackBytes(), r.flashBytes(),
                    r.sampleFlashBytes());
            System.out.printf("bit_exact %b%s%n", r.bitExact(), r.mismatch() == null ? "" : " (" + r.mismatch() + ")");
            System.out.printf("losses %s%nproject %s%n", java.util.Arrays.toString(r.losses()), dir);
            if (pr != null) {
                System.out.print(pr.table(profileTop));
            }
        }
        return r.bitExact() ? 0 : 1;
    }
}
