package kilotrain.device;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import kilotrain.KtException;
import kilotrain.codegen.CGenerator;
import kilotrain.codegen.ParamDump;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.ops.core.Param;
import kilotrain.ops.loss.TargetKind;
import kilotrain.program.Program;

/**
 * "How fast, and does it fit": emits the device's C project for a compiled program, builds it for Cortex-M7 (the link
 * fails when RAM or flash overflows), trains on embedded samples in QEMU's mps2-an500 under {@code -icount shift=0},
 * and compares every loss, the final logits and every trained parameter with the Java executor run on the same
 * samples (batch 1).
 */
public final class DeviceBench {
    /**
     * Measured figures; SRAM = .data + .bss (arena, parameters, state) + the deepest stack use. {@code flashBytes} is
     * the library's flash (code, constants, frozen weights, initial values): the test images embedded for the run
     * ({@code sampleFlashBytes}, read-only data of the demo, not of the library) are counted apart.
     */
    public record Result(long ticksPerStep, long ticksPerInference, long sramBytes, long flashBytes, long stackBytes,
            long dataBytes, long bssBytes, boolean bitExact, String mismatch, float[] losses, long sampleFlashBytes) {
        /** The figures as {@code device-bench --json} and {@code device.json} record them, with the project folder. */
        public void putInto(com.fasterxml.jackson.databind.node.ObjectNode o, Path project) {
            o.put("ticks_per_step", ticksPerStep);
            o.put("ticks_per_inference", ticksPerInference);
            o.put("sram_bytes", sramBytes);
            o.put("flash_bytes", flashBytes);
            o.put("sample_flash_bytes", sampleFlashBytes);
            o.put("data_bytes", dataBytes);
            o.put("bss_bytes", bssBytes);
            o.put("stack_bytes", stackBytes);
            o.put("bit_exact", bitExact);
            if (mismatch != null) {
                o.put("mismatch", mismatch);
            }
            com.fasterxml.jackson.databind.node.ArrayNode l = o.putArray("losses");
            for (float f : losses) {
                l.add(f);
            }
            o.put("project", project.toString());
        }
    }

    /** The device's output in the project folder. */
    public static final String LOG = "qemu.log";

    /** RAM and FLASH regions of kt_cm7.ld (mps2-an500 as the brief's 256 KB / 1 MB microcontroller). */
    public static final long BOARD_RAM = Board.DEFAULT.ramBytes(), BOARD_FLASH = Board.DEFAULT.flashBytes();

    private DeviceBench() {
    }

    /**
     * The device program {@code dp} (its step order, arena plan, update rules and learning rate) on {@code board},
     * starting from the parameters {@code initial} supplies (e.g. a host fine-tune's result): called twice, once for
     * the C project's initial values and once for the Java twin, so each side starts from a fresh copy. For a
     * classification (or a binary classifier, whose {@code labels} are the targets, or an autoencoder).
     */
    public static Result run(DeviceProgram dp, Supplier<TrainState> initial, List<byte[]> inputs, int[] labels,
            int steps, Path dir, long timeoutSeconds, Board board) {
        return run(dp, initial, inputs, labels, null, steps, dir, timeoutSeconds, board);
    }

    /**
     * The same for any task: {@code targets} are a regression's per-sample targets (int8 targets as their integer
     * values; null for a classification, a binary classifier, whose {@code labels} are the targets, and an
     * autoencoder, whose target is the input itself).
     */
    public static Result run(DeviceProgram dp, Supplier<TrainState> initial, List<byte[]> inputs, int[] labels,
            float[][] targets, int steps, Path dir, long timeoutSeconds, Board board) {
        Program p = dp.compiled;
        float lr = dp.lr;
        if (board.qemuMachine() == null) {
            throw new KtException("board " + board.name() + " has no QEMU model here: compile --target " + board.core()
                    + " --board " + board.name() + " --out DIR builds and links its program; device-bench runs on "
                    + "one of " + Board.ALL.stream().filter(b -> b.qemuMachine() != null).map(Board::name).toList());
        }
        TargetKind kind = p.targetKind();
        if ((kind == TargetKind.FLOAT || kind == TargetKind.INT8) && (targets == null || targets.length != inputs.size())) {
            throw new KtException("a regression program steps on its samples' targets (kt_train_step(input, target)):"
                    + " give one target vector per sample");
        }
        for (String tool : new String[] {"make", "arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm"}) {
            if (!onPath(tool)) {
                throw new KtException("device-bench needs " + tool + " (Debian: apt-get install make gcc-arm-none-eabi "
                        + "libnewlib-arm-none-eabi qemu-system-arm)");
            }
        }
        // The board's limits, checked before building against what the linker will count (the emitted statics,
        // kernel scratch and runtime state included, plus the stack reserve), so a program that cannot fit gets a
        // clear message (what takes the bytes, the smallest budget) rather than the linker's overflow count.
        TrainState first = initial.get();
        DeviceFootprint.of(p, dp.step(), dp.plan(), first, lr).check(board.ramBytes(), board.flashBytes(),
                (long) inputs.size() * (p.input.elements + 4));
        CGenerator.generate(p, dp.step(), dp.plan(), first, lr, dir);
        CGenerator.writeSamples(dir, inputs, labels, targets, kind, steps);
        board.write(dir);
        try {
            exec(dir, List.of("make", "-s", "device"), timeoutSeconds, "building for " + board.name());
        } catch (KtException e) {
            throw overflow(e, dp, board);
        }
        long[] sections = sections(exec(dir, List.of("arm-none-eabi-size", "-A", "app.elf"), 60, "reading the ELF"));
        String out = exec(dir, List.of("make", "-s", "qemu"), timeoutSeconds, "running on QEMU");
        // what the board printed (a serial console on real hardware): import-params reads its parameter dump
        kilotrain.util.AtomicFiles.writeString(dir.resolve(LOG), out);
        if (!out.contains("\nend")) {
            throw new KtException("the device program stopped early in QEMU:\n" + tail(out));
        }
        List<Integer> cLoss = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] t = line.trim().split(" ");
            if (t.length >= 6 && t[0].equals("step")) {
                cLoss.add(Integer.parseUnsignedInt(t[5], 16));
            }
        }
        int[] pred = prediction(out, p.numClasses);
        Object[] cParams = CGenerator.readParams(p, hex(out, ParamDump.bytes(p)), "QEMU output");
        String mismatch = compare(p, initial.get(), lr, steps, inputs, labels, targets, cLoss, cParams, pred);
        long stack = value(out, "stack_bytes");
        float[] losses = new float[cLoss.size()];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = Float.intBitsToFloat(cLoss.get(i));
        }
        long data = sections[1], bss = sections[2];
        long samples = (long) inputs.size() * (p.input.elements + 4);
        return new Result(value(out, "ticks_per_step"), value(out, "ticks_per_inference"), data + bss + stack,
                sections[0] + data - samples, stack, data, bss, mismatch == null, mismatch, losses, samples);
    }

    /**
     * A link that overflows the board says by how much; the planner's figures say what is in SRAM. Together they name
     * the problem and the smallest board that fits. Other build failures pass through unchanged.
     */
    static KtException overflow(KtException e, DeviceProgram a, Board board) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("region `(RAM|FLASH)' overflowed by (\\d+) bytes")
                .matcher(e.getMessage());
        StringBuilder msg = new StringBuilder();
        while (m.find()) {
            long over = Long.parseLong(m.group(2));
            boolean ram = m.group(1).equals("RAM");
            long limit = ram ? board.ramBytes() : board.flashBytes();
            if (ram) {
                msg.append(String.format("SRAM of the board (%,d bytes) exceeded by %,d bytes: the planned step needs "
                        + "%,d bytes (arena %,d + trainable parameters %,d + float master copies %,d + optimizer state "
                        + "%,d), and the runtime adds kernel scratch, parameter state and the 8 KiB stack reserve. "
                        + "Smallest SRAM that fits: %,d bytes%s. ", limit, over, a.sramBytes(), a.arenaBytes(),
                        a.trainableBytes, a.shadowBytes, a.optimizerBytes, limit + over, a.shadowBytes > 0
                                ? " (a smaller scheme, or --bias-rule nearest, which keeps no float copies, needs less)"
                                : " (a smaller scheme needs less)"));
            } else {
                msg.append(String.format("flash of the board (%,d bytes) exceeded by %,d bytes: weights and biases "
                        + "take %,d bytes, plus code, constants and the embedded sample images. Smallest flash that "
                        + "fits: %,d bytes (fewer --samples embed fewer images). ", limit, over, a.flashBytes, limit + over));
            }
        }
        return msg.length() == 0 ? e : new KtException(msg.toString().trim());
    }

    /**
     * The Java twin of a C run on the same samples, batch 1 as the device runs them ({@link #twinStep}; {@code targets}
     * not null: a regression run): null when the C run's loss bits of every step, its final parameters
     * ({@code cParams}, as {@code CGenerator.readParams} returns them) and its prediction and logits of sample 0
     * ({@code pred}: arg-max, then the logits' bits) agree bit for bit, else the first difference. The one Java-versus-C
     * comparison of whole runs (device-bench and the C backend's tests).
     */
    public static String compare(Program p, TrainState state, float lr, int steps, List<byte[]> inputs, int[] labels,
            float[][] targets, List<Integer> cLoss, Object[] cParams, int[] pred) {
        TrainExecutor ex = new TrainExecutor(p, state);
        TrainExecutor.Workspace ws = ex.workspace();
        float[][] grads = gradients(p);
        if (cLoss.size() != steps) {
            return "the device printed " + cLoss.size() + " of " + steps + " steps";
        }
        for (int k = 0; k < steps; k++) {
            int i = k % inputs.size();
            float loss = twinStep(ex, ws, state, grads, inputs.get(i), labels[i], targets == null ? null : targets[i],
                    lr);
            if (Float.floatToRawIntBits(loss) != cLoss.get(k)) {
                return "step " + k + ": loss " + loss + " in Java, " + Float.intBitsToFloat(cLoss.get(k)) + " on the device";
            }
        }
        for (int i = 0; i < p.params.size(); i++) {
            Param q = p.params.get(i);
            Object j = state.value(q);
            int[] a = words(j), c = words(cParams[i]);
            int e = Arrays.mismatch(a, c);
            if (e >= 0) {
                return "parameter " + q.name + " differs after " + steps + " steps at element " + e + ": "
                        + (e < a.length ? value(j, e) : "none") + " in Java, "
                        + (e < c.length ? value(cParams[i], e) : "none") + " on the device";
            }
        }
        float[] logits = new float[p.numClasses];
        int best = ex.predict(ws, inputs.get(0), logits);
        if (best != pred[0]) {
            return "prediction " + best + " in Java, " + pred[0] + " on the device";
        }
        for (int i = 0; i < logits.length; i++) {
            if (Float.floatToRawIntBits(logits[i]) != pred[i + 1]) {
                return "logit " + i + " differs: " + logits[i] + " in Java, " + Float.intBitsToFloat(pred[i + 1])
                        + " on the device";
            }
        }
        return null;
    }

    /** A parameter value (byte[], int[] or float[]) as words to compare bit for bit. */
    private static int[] words(Object v) {
        if (v instanceof byte[] b) {
            int[] w = new int[b.length];
            for (int i = 0; i < b.length; i++) {
                w[i] = b[i];
            }
            return w;
        }
        return v instanceof int[] a ? a : bits((float[]) v);
    }

    private static String value(Object v, int i) {
        return v instanceof byte[] b ? Byte.toString(b[i]) : v instanceof int[] a ? Integer.toString(a[i])
                : Float.toString(((float[]) v)[i]);
    }

    /** One sample of the Java twin, as the device learns it (step, then {@link TrainState#learnSample}). */
    static float twinStep(TrainExecutor ex, TrainExecutor.Workspace ws, TrainState state, float[][] grads,
            byte[] input, int label, float lr) {
        return twinStep(ex, ws, state, grads, input, label, null, lr);
    }

    /** The same for any task ({@code targets}: a regression's, else null). */
    static float twinStep(TrainExecutor ex, TrainExecutor.Workspace ws, TrainState state, float[][] grads,
            byte[] input, int label, float[] targets, float lr) {
        float loss = ex.step(ws, input, label, targets);
        ex.copyGradients(ws, grads);
        state.learnSample(grads, lr);
        return loss;
    }

    /** Gradient arrays for {@link #twinStep}. */
    static float[][] gradients(Program p) {
        float[][] grads = new float[p.params.size()][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = new float[p.params.get(i).value.elements];
        }
        return grads;
    }

    /**
     * A fresh state holding {@code trained}'s parameters: what a board has after a reset and a restore (or after being
     * flashed with a fine-tuned model): stochastic-rounding generators from their seeds, master copies from the values,
     * no optimizer state.
     */
    public static TrainState copy(Program program, TrainState trained) {
        TrainState s = new TrainState(program, trained.options());
        for (Param p : program.params) {
            s.setValue(p, trained.value(p));
        }
        return s;
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    /** {text + rodata + vectors + exidx, data, bss} from arm-none-eabi-size -A (the stack reserve excluded). */
    public static long[] sections(String sizeA) {
        long text = 0, data = 0, bss = 0;
        for (String line : sizeA.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length < 3 || !t[0].startsWith(".")) {
                continue;
            }
            long n;
            try {
                n = Long.parseLong(t[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            switch (t[0]) {
                case ".isr_vector", ".text", ".rodata", ".ARM.exidx" -> text += n;
                case ".data" -> data = n;
                case ".bss" -> bss = n;
                default -> {
                }
            }
        }
        return new long[] {text, data, bss};
    }

    static int[] prediction(String out, int classes) {
        for (String line : out.split("\n")) {
            String[] t = line.trim().split(" ");
            if (t[0].equals("predict") && t.length == classes + 2) {
                int[] r = new int[classes + 1];
                r[0] = Integer.parseInt(t[1]);
                for (int i = 0; i < classes; i++) {
                    r[i + 1] = Integer.parseUnsignedInt(t[i + 2], 16);
                }
                return r;
            }
        }
        throw new KtException("no prediction in the device output:\n" + tail(out));
    }

    public static byte[] hex(String out, long expected) {
        if (!out.contains("params ") || !out.contains("\nend")) {
            throw new KtException("no parameter dump in the device output:\n" + tail(out));
        }
        return ParamDump.fromText(out, "QEMU output", expected);
    }

    public static long value(String out, String key) {
        for (String line : out.split("\n")) {
            if (line.startsWith(key + " ")) {
                return Long.parseLong(line.substring(key.length() + 1).trim());
            }
        }
        throw new KtException("no " + key + " in the device output:\n" + tail(out));
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command in dir; a non-zero exit (a link overflowing RAM or flash, too) becomes a KtException. */
    static String exec(Path dir, List<String> cmd, long timeoutSeconds, String what) {
        try {
            Path log = Files.createTempFile(dir, "run", ".log");
            Process pr = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!pr.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                throw new KtException(what + ": '" + String.join(" ", cmd) + "' timed out after " + timeoutSeconds + " s");
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            if (pr.exitValue() != 0) {
                throw new KtException(what + " failed ('" + String.join(" ", cmd) + "' in " + dir + "):\n" + tail(out));
            }
            return out;
        } catch (IOException e) {
            throw new KtException(what + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KtException(what + " interrupted");
        }
    }

    static String tail(String s) {
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }
}
