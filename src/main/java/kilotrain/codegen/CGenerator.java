package kilotrain.codegen;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.KtException;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.compiler.memory.Block;
import kilotrain.ops.conv.ConvTable;
import kilotrain.ops.update.Update;
import kilotrain.program.TrainState;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ops.conv.ConvBackward;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.ops.loss.TargetKind;
import kilotrain.program.Program;
import kilotrain.ops.core.TrainedConv;

/**
 * Emits a self-contained C project for a compiled training {@link Program}: the kernel library (copied from the
 * resources), {@code kt_model.h/.c} with frozen weights as const data, trainable parameters and optimizer state as
 * initialized static arrays, straight-line calls for one training step (forward, loss, backward, batch-1 update)
 * and for inference, export/import of the trained parameters, a host test driver and a Makefile.
 *
 * <p>Transient buffers are reached only through {@link #buf}, one static array each for now, so a memory planner can
 * later map them into one arena by changing that method and the declarations.
 */
public final class CGenerator implements CEmitter {
    public static final String RES = "/kilotrain/c/";

    private final Program program;
    private final List<Instr> order;
    private final ArenaPlan plan;
    private final Map<Buf, Integer> arenaOffset = new HashMap<>();
    private final TrainState state;
    private final float lr;
    private final StringBuilder data = new StringBuilder();
    private final Map<Conv2D, String> convNames = new IdentityHashMap<>();
    private final Map<Object, String> opNames = new IdentityHashMap<>();
    private final Map<Buf, Param> paramByValue = new HashMap<>();
    private final Map<Conv2D, String> convWeightArray = new IdentityHashMap<>();
    /** Trained convs: the kt_slice struct and the SRAM array of the trained weights. */
    private final Map<Conv2D, String> convSlice = new IdentityHashMap<>();
    private final Map<Conv2D, String> sliceArray = new IdentityHashMap<>();
    private final Map<Conv2D, String> convBiasArray = new IdentityHashMap<>();
    private final java.util.Set<Buf> ownBufs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Weight and bias parameters of the trained convs. */
    private final Map<Conv2D, Param> convWeightParam = new IdentityHashMap<>(), convBiasParam = new IdentityHashMap<>();
    /** Kernel scratch arrays the instructions asked for: name -> {C type, elements}. */
    private final Map<String, Object[]> scratch = new java.util.LinkedHashMap<>();
    /** Whether kt_model.c also gets the instruction replay entry points ({@link #generateReplay}). */
    private boolean replay;

    private CGenerator(Program program, List<Instr> order, ArenaPlan plan, TrainState state, float lr) {
        this.program = program;
        this.order = order;
        this.plan = plan;
        this.state = state;
        this.lr = lr;
        if (plan != null) {
            for (Block k : plan.blocks()) {
                for (Buf b : k.members()) {
                    arenaOffset.put(b, plan.offset()[k.index()]);
                }
            }
        }
        ownBufs.addAll(program.bufs);
        for (Param p : program.params) {
            paramByValue.put(p.value, p);
            if (p.role == Param.Role.CONV_WEIGHT) {
                convWeightParam.put(p.conv.op, p);
            } else if (p.role == Param.Role.CONV_BIAS) {
                convBiasParam.put(p.conv.op, p);
            }
        }
    }

    /**
     * Writes the C project for {@code program} in the compiler's order (updates after the backward pass), one static
     * array per transient buffer, with the parameter values and options of {@code state}.
     */
    public static void generate(Program program, TrainState state, float lr, Path dir) {
        generate(program, program.step, null, state, lr, dir);
    }

    /**
     * Writes the C project for a device ordering of the step ({@code order}: the program's instructions, possibly
     * reordered, with or without {@link Update}s; parameters without one are updated at the end) and, when
     * {@code plan} is not null, every transient buffer at its planned offset in one static arena.
     */
    public static void generate(Program program, List<Instr> order, ArenaPlan plan, TrainState state, float lr,
            Path dir) {
        if (state.program() != program) {
            throw new IllegalArgumentException("the training state belongs to another program");
        }
        new CGenerator(program, order, plan, state, lr).write(dir);
    }

    /**
     * The device program's static SRAM and flash, counted from the kt_model.c that {@link #generate} would write for
     * the same arguments (nothing is written), so a budget can be checked before building.
     */
    public static String modelSource(Program program, List<Instr> order, ArenaPlan plan, TrainState state,
            float lr) {
        if (state.program() != program) {
            throw new IllegalArgumentException("the training state belongs to another program");
        }
        return new CGenerator(program, order, plan, state, lr).modelSource();
    }

    /** The library's C files besides kt_model.{h,c} and the kernels: persistence and the product API (kt_lib). */
    static final List<String> LIBRARY_FILES = List.of("kt_store.h", "kt_store.c", "kt_lib.h", "kt_lib.c");
    /**
     * The host driver, the board demo and runtime and the project's Makefile and README. The store's fault-injection
     * program (kt_store_test.c, {@code make store-test}) is a test resource that KtStoreTest copies in.
     */
    static final List<String> DEMO_FILES = List.of("kt_host_main.c", "Makefile", "README.md", "kt_cm7.h", "kt_cm7.ld",
            "kt_cm7_startup.c", "kt_device_main.c", "kt_print.h");

    private void write(Path dir) {
        writeLibrary(dir);
        try {
            for (String r : DEMO_FILES) {
                copyResource(r, dir);
            }
            if (!Files.exists(dir.resolve("kt_samples.c"))) {
                // a placeholder sample until real ones are embedded (writeSamples)
                writeSamples(dir, List.of(new byte[program.input.elements]), new int[] {0}, 1);
            }
        } catch (IOException e) {
            throw new KtException("cannot write the C project into " + dir + ": " + e.getMessage());
        }
    }

    private void writeLibrary(Path dir) {
        String model = modelSource();
        try {
            Files.createDirectories(dir);
            List<String> sections = kernelSections(order);
            Files.writeString(dir.resolve("kt_kernels.h"), kernelHeader(sections));
            Files.writeString(dir.resolve("kt_kernels.c"), kernelSource(sections));
            for (String r : CONV_FILES) {
                Files.writeString(dir.resolve(r), resource(r));
            }
            for (String r : LIBRARY_FILES) {
                copyResource(r, dir);
            }
            Files.writeString(dir.resolve("kt_model.h"), header());
            Files.writeString(dir.resolve("kt_model.c"), model);
        } catch (IOException e) {
            throw new KtException("cannot write the C project into " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Writes only the library's C (the model, kernels, kt_store, kt_lib): no startup code, no semihosting, no main;
     * the caller adds the build files ({@code kilotrain.device.LibraryProject}).
     */
    public static void generateLibrary(Program program, List<Instr> order, ArenaPlan plan, TrainState state, float lr,
            Path dir) {
        if (state.program() != program) {
            throw new IllegalArgumentException("the training state belongs to another program");
        }
        new CGenerator(program, order, plan, state, lr).writeLibrary(dir);
    }

    /**
     * Writes the library's C (as {@link #generateLibrary}) with the instruction replay entry points added to
     * kt_model.c: {@code kt_replay_addr} and {@code kt_replay_run} (see {@code kilotrain.device.InstrReplay}).
     */
    public static void generateReplay(Program program, List<Instr> order, ArenaPlan plan, TrainState state, float lr,
            Path dir) {
        if (state.program() != program) {
            throw new IllegalArgumentException("the training state belongs to another program");
        }
        CGenerator g = new CGenerator(program, order, plan, state, lr);
        g.replay = true;
        g.writeLibrary(dir);
    }

    private static void copyResource(String name, Path dir) throws IOException {
        try (InputStream in = CGenerator.class.getResourceAsStream(RES + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RES + name + " is missing from the build");
            }
            Files.write(dir.resolve(name), in.readAllBytes());
        }
    }

    /** Where the operators' folders keep their C kernels ({@code kilotrain/ops/<op>/kt_<op>.{h,c}}). */
    static final String OPS = "/kilotrain/ops/";
    /** Every section of the kernel library, in the order it is assembled (for tests that build all of it). */
    static final List<String> LIBRARY = List.of("core", "conv", "fc", "add", "pool", "reshape", "head", "dequantize",
            "loss", "table", "gather", "mean", "maxpool", "concat", "activation", "elementwise", "update");
    /** Files of the conv folder written into every project under their own names. */
    private static final List<String> CONV_FILES = List.of("kt_rows.h", "kt_rows.c", "kt_fused.h", "kt_fused.c");

    /**
     * The sections of {@code kt_kernels.{h,c}} a step needs: the shared core, the folder of each of its instructions
     * (in order of first use), the conv kernels (the fused-update and fused-forward files use their tables) and the
     * parameter updates.
     */
    static List<String> kernelSections(List<Instr> order) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>(List.of("core", "conv"));
        for (Instr in : order) {
            String pkg = in.getClass().getPackageName();
            out.add(pkg.substring(pkg.lastIndexOf('.') + 1));
        }
        out.add("update");
        return List.copyOf(out);
    }

    /** {@code kt_kernels.h}: the declarations of the given sections (each operator folder's {@code kt_<op>.h}). */
    static String kernelHeader(List<String> sections) {
        StringBuilder h = new StringBuilder();
        h.append("/*\n * kilotrain C kernels: forward, backward and update operations of a compiled training step,\n"
                + " * assembled from the operators' folders (").append(String.join(", ", sections)).append(").\n"
                + " *\n * Bit-exact contract with the Java host runtime (docs/backward.md): float32 only, one rounding per "
                + "operation in the\n * order written (compile with -ffp-contract=off, never -ffast-math), every float "
                + "sum sequential from +0.0f in the\n * order the Java kernels state. Integer accumulations are exact, "
                + "so their order is free. C99, no heap, no libm.\n */\n");
        h.append("#ifndef KT_KERNELS_H\n#define KT_KERNELS_H\n\n#include <stddef.h>\n#include <stdint.h>\n");
        for (String s : sections) {
            h.append('\n').append(section(s, "h"));
        }
        return h.append("\n#endif\n").toString();
    }

    /** {@code kt_kernels.c}: one translation unit of the given sections' kernels, the shared core first. */
    static String kernelSource(List<String> sections) {
        StringBuilder c = new StringBuilder();
        c.append("/*\n * kilotrain C kernels (").append(String.join(", ", sections)).append("). Each function states the "
                + "Java kernel whose bits it reproduces.\n * Compile with -std=c99 -ffp-contract=off (no FMA contraction) "
                + "and without -ffast-math.\n */\n#include \"kt_kernels.h\"\n\n#include <string.h>\n");
        for (String s : sections) {
            c.append('\n').append(section(s, "c"));
        }
        return c.toString();
    }

    private static String section(String folder, String ext) {
        String name = OPS + folder + "/kt_" + folder + "." + ext;
        if (CGenerator.class.getResource(name) == null && !"core".equals(folder)) {
            return ""; // an operator without C kernels of its own (its instructions call other sections' kernels)
        }
        if (folder.equals("conv") && ext.equals("c")) {
            // the Helium (MVE) forward paths, in a file of their own, compiled only for cores with MVE; the in-place
            // input gradients, which run the conv section's own loops on parts of the problem
            return read(name) + read(OPS + "conv/kt_conv_mve.c") + read(OPS + "conv/kt_conv_inplace.c");
        }
        return read(name);
    }

    /**
     * A file of the C library for tests that build it on their own: {@code kt_kernels.h/.c} with every section, the
     * conv folder's files, or a board / driver file.
     */
    public static String resource(String name) {
        if (name.equals("kt_kernels.h")) {
            return kernelHeader(LIBRARY);
        }
        if (name.equals("kt_kernels.c")) {
            return kernelSource(LIBRARY);
        }
        return read(CONV_FILES.contains(name) ? OPS + "conv/" + name : RES + name);
    }

    private static String read(String path) {
        try (InputStream in = CGenerator.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Embeds samples for the device demo ({@code kt_samples.c/.h}): the inputs (int8, {@code KT_INPUT_BYTES} each),
     * their labels, and how many training steps the demo runs (cycling through the samples).
     */
    public static void writeSamples(Path dir, List<byte[]> inputs, int[] labels, int steps) {
        writeSamples(dir, inputs, labels, null, steps);
    }

    /**
     * The same for a regression model ({@code targets} not null, KT_CLASSES floats per sample): the demo steps on
     * {@code kt_sample_target}; the labels are only printed.
     */
    public static void writeSamples(Path dir, List<byte[]> inputs, int[] labels, float[][] targets, int steps) {
        writeSamples(dir, inputs, labels, targets, targets == null ? null : TargetKind.FLOAT, steps);
    }

    /**
     * The samples of a program with target kind {@code kind} (null: labels; {@link TargetKind#INT8}: {@code targets}
     * hold the int8 values; {@link TargetKind#INPUT}: the input is the target). {@code KT_SAMPLE_TARGET(i)} is what
     * {@code kt_train_step} takes for sample i.
     */
    public static void writeSamples(Path dir, List<byte[]> inputs, int[] labels, float[][] targets, TargetKind kind,
            int steps) {
        if ((kind == TargetKind.FLOAT || kind == TargetKind.INT8) && targets == null) {
            throw new KtException("device samples: a regression's samples need their targets");
        }
        if (kind != TargetKind.FLOAT && kind != TargetKind.INT8) {
            targets = null;
        }
        if (inputs.isEmpty() || inputs.size() != labels.length || targets != null && targets.length != labels.length) {
            throw new KtException("device samples: " + inputs.size() + " inputs for " + labels.length + " labels");
        }
        StringBuilder h = new StringBuilder("/* Generated by kilotrain: samples embedded for the device demo. */\n");
        h.append("#ifndef KT_SAMPLES_H\n#define KT_SAMPLES_H\n\n#include \"kt_model.h\"\n\n");
        h.append("#define KT_SAMPLES ").append(inputs.size()).append("\n#define KT_STEPS ").append(steps).append("\n");
        h.append("extern const int8_t kt_sample_input[KT_SAMPLES][KT_INPUT_BYTES];\n");
        h.append("extern const int32_t kt_sample_label[KT_SAMPLES];\n");
        if (targets != null) {
            h.append("extern const ").append(kind == TargetKind.INT8 ? "int8_t" : "float")
                    .append(" kt_sample_target[KT_SAMPLES][KT_CLASSES];\n");
        }
        h.append("/* What kt_train_step takes for sample i. */\n#define KT_SAMPLE_TARGET(i) ").append(kind == null
                ? "((int)kt_sample_label[i])" : kind == TargetKind.INPUT ? "(kt_sample_input[i])" : "(kt_sample_target[i])")
                .append("\n");
        h.append("\n#endif\n");
        StringBuilder c = new StringBuilder("#include \"kt_samples.h\"\n\n");
        c.append("const int8_t kt_sample_input[KT_SAMPLES][KT_INPUT_BYTES] = {\n");
        for (byte[] in : inputs) {
            ints(c, in);
            c.setLength(c.length() - 2); // "};\n" -> "}" then a comma
            c.append(",\n");
        }
        c.append("};\n\nconst int32_t kt_sample_label[KT_SAMPLES] = ");
        ints(c, labels);
        if (targets != null) {
            c.append("\nconst ").append(kind == TargetKind.INT8 ? "int8_t" : "float")
                    .append(" kt_sample_target[KT_SAMPLES][KT_CLASSES] = {\n");
            for (float[] t : targets) {
                if (kind == TargetKind.INT8) {
                    byte[] b = new byte[t.length];
                    for (int j = 0; j < t.length; j++) {
                        b[j] = (byte) t[j];
                    }
                    ints(c, b);
                } else {
                    floats(c, t);
                }
                c.setLength(c.length() - 2);
                c.append(",\n");
            }
            c.append("};\n");
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("kt_samples.h"), h);
            Files.writeString(dir.resolve("kt_samples.c"), c);
        } catch (IOException e) {
            throw new KtException("cannot write the device samples into " + dir + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ header

    /**
     * The parameters no instruction of {@code order} updates in place: the step ends with their updates, in program
     * order (after the instructions, one statement each).
     */
    public static List<Param> trailingUpdates(Program program, List<Instr> order) {
        java.util.Set<Param> updated = new java.util.HashSet<>();
        for (Instr in : order) {
            if (in.updatedParam() != null) {
                updated.add(in.updatedParam());
            }
        }
        return program.params.stream().filter(p -> !updated.contains(p)).toList();
    }

    /** Tick reads around every statement of the step when KT_PROFILE is defined; nothing otherwise. */
    private static final String PROFILE_MACROS = """
            #ifdef KT_PROFILE
            uint64_t kt_ticks(void);
            uint64_t kt_profile_ticks[KT_PROFILE_ROWS];
            static uint64_t kt_prof_t;
            #define KT_PROF_START() (kt_prof_t = kt_ticks())
            #define KT_PROF(i) \\
                do { \\
                    uint64_t kt_prof_n = kt_ticks(); \\
                    kt_profile_ticks[i] += kt_prof_n - kt_prof_t; \\
                    kt_prof_t = kt_prof_n; \\
                } while (0)
            #else
            #define KT_PROF_START() ((void)0)
            #define KT_PROF(i) ((void)0)
            #endif

            """;

    private String header() {
        StringBuilder h = new StringBuilder();
        h.append("/* Generated by kilotrain for model '").append(program.forward.name).append("'. */\n");
        h.append("#ifndef KT_MODEL_H\n#define KT_MODEL_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n");
        h.append("#define KT_INPUT_BYTES ").append(program.input.elements).append("\n");
        h.append("#define KT_CLASSES ").append(program.numClasses).append("\n");
        h.append("#define KT_PARAMS_BYTES ").append(paramsBytes()).append("u\n");
        h.append("/* Samples whose gradients are summed before each update (kt_train_step updates on every KT_BATCH-th). */\n");
        h.append("#define KT_BATCH ").append(batch()).append("u\n");
        h.append("/* CRC-32 of the model's layout (graph, trained parameters, classes, update rules): a saved state\n"
                + " * with another fingerprint is refused by kt_store_restore. */\n");
        h.append("#define KT_MODEL_FINGERPRINT 0x").append(String.format("%08x", ModelFingerprint.of(program,
                state.options()))).append("u\n\n");
        h.append(taskHeader(program));
        h.append("/* Forward pass only; writes KT_CLASSES logits when logits_out is not NULL, returns the arg-max. */\n");
        h.append("int kt_predict(const int8_t *input, float *logits_out);\n");
        h.append("void kt_set_learning_rate(float lr);\nfloat kt_learning_rate(void);\n");
        h.append("/* Samples summed since the last update: 0 right after an update (always 0 when KT_BATCH is 1). */\n");
        h.append("unsigned kt_batch_fill(void);\n");
        h.append("/* Trained parameters, in program order, little-endian (int8, int32, float32 bits). */\n");
        h.append("void kt_export_params(uint8_t *out);\n");
        h.append("/* Bytes [offset, offset + n) of what kt_export_params writes, to stream them without a copy. */\n");
        h.append("void kt_export_params_part(uint8_t *out, size_t offset, size_t n);\n");
        h.append("/* Loads parameters written by kt_export_params; returns 0, or -1 when n is not KT_PARAMS_BYTES. */\n");
        h.append("int kt_import_params(const uint8_t *in, size_t n);\n");
        h.append("/* Loads bytes [offset, offset + n) of that layout without a buffer of the whole (kt_store's restore);\n"
                + " * call kt_import_params_finish() after the last part. */\n");
        h.append("void kt_import_params_part(const uint8_t *in, size_t offset, size_t n);\n");
        h.append("void kt_import_params_finish(void);\n");
        h.append("/* The learned state kt_store saves: the parameters (as kt_export_params writes them), then what the update\n"
                + " * rules carry from step to step in this core's byte order: momentum, float master copies, stochastic-\n"
                + " * rounding generators, the batch's gradient sums and its position. */\n");
        h.append("#define KT_STATE_BYTES ").append(stateBytes(program, state.options())).append("u\n");
        h.append("/* Bytes [offset, offset + n) of the state. */\n");
        h.append("void kt_export_state_part(uint8_t *out, size_t offset, size_t n);\n");
        h.append("/* Loads bytes [offset, offset + n) of a state written by kt_export_state_part; call\n"
                + " * kt_import_state_finish() after the last part (training then goes on exactly where it was saved). */\n");
        h.append("void kt_import_state_part(const uint8_t *in, size_t offset, size_t n);\n");
        h.append("void kt_import_state_finish(void);\n");
        h.append("\n/* Built with -DKT_PROFILE (make profile-qemu): SysTick ticks of each part of kt_train_step, summed "
                + "over the\n * steps run: [0] the entry (label check, first-step init, input copy), then one per "
                + "statement of the step. */\n");
        h.append("#define KT_PROFILE_ROWS ").append(order.size() + trailingUpdates(program, order).size() + 1)
                .append("\n#ifdef KT_PROFILE\nextern uint64_t kt_profile_ticks[KT_PROFILE_ROWS];\n#endif\n");
        h.append("\n#endif\n");
        return h.toString();
    }

    /** The target argument of {@code kt_train_step} for the program's task: a label, or a target vector. */
    static String targetArgument(Program p) {
        TargetKind k = p.targetKind();
        return k == null ? "int label" : k.cType() + "target";
    }

    /**
     * The task's part of {@code kt_model.h}: which task (KT_REGRESS, KT_AUTOENCODE, KT_BINARY), what the step takes
     * as its target (KT_TARGET_LABEL, _FLOAT, _INT8, _INPUT; the type {@code kt_target_t}; KT_TARGET_OK), and
     * {@code kt_train_step}.
     */
    static String taskHeader(Program p) {
        TargetKind k = p.targetKind();
        StringBuilder h = new StringBuilder();
        if (k == null && p.binary()) {
            h.append("/* A binary classifier: one logit (KT_CLASSES 1), sigmoid and binary cross-entropy on a 0/1 label;\n"
                    + " * kt_predict returns 1 when the logit is above 0 (sigmoid above one half). */\n"
                    + "#define KT_BINARY 1\n#define KT_TARGET_LABEL 1\ntypedef int kt_target_t;\n"
                    + "#define KT_TARGET_OK(t) ((t) == 0 || (t) == 1)\n\n");
        } else if (k == null) {
            h.append("/* A classifier: the target is a class label in [0, KT_CLASSES). */\n"
                    + "#define KT_TARGET_LABEL 1\ntypedef int kt_target_t;\n"
                    + "#define KT_TARGET_OK(t) ((t) >= 0 && (t) < KT_CLASSES)\n\n");
        } else if (k == TargetKind.FLOAT) {
            h.append("/* A regression: the loss is the mean squared error of the KT_CLASSES outputs (dequantized with the\n"
                    + " * model's output scale and zero point) against KT_CLASSES float targets. */\n#define KT_REGRESS 1\n"
                    + "#define KT_TARGET_FLOAT 1\ntypedef const float *kt_target_t;\n"
                    + "#define KT_TARGET_OK(t) ((t) != NULL)\n\n");
        } else if (k == TargetKind.INT8) {
            h.append("/* A regression on int8 targets: the mean squared error of the KT_CLASSES outputs against KT_CLASSES\n"
                    + " * int8 targets in the output's own quantization, both dequantized with its scale and zero point. */\n"
                    + "#define KT_REGRESS 1\n#define KT_TARGET_INT8 1\ntypedef const int8_t *kt_target_t;\n"
                    + "#define KT_TARGET_OK(t) ((t) != NULL)\n\n");
        } else {
            h.append("/* An autoencoder: the mean squared error of the KT_CLASSES outputs (dequantized with the output's\n"
                    + " * scale and zero point) against the input (dequantized with the input's): pass the input itself\n"
                    + " * as the target, kt_train_step(x, x); another int8 vector in the input's quantization trains a\n"
                    + " * denoising autoencoder. The reconstruction error is the anomaly score. */\n"
                    + "#define KT_AUTOENCODE 1\n#define KT_TARGET_INPUT 1\ntypedef const int8_t *kt_target_t;\n"
                    + "#define KT_TARGET_OK(t) ((t) != NULL)\n\n");
        }
        h.append("/* One training step on one sample (forward, loss, backward, update); returns the loss,\n"
                + " * NaN (and no update) when !KT_TARGET_OK(target). */\n");
        h.append("float kt_train_step(const int8_t *input, ").append(targetArgument(p)).append(");\n");
        return h.toString();
    }

    private long paramsBytes() {
        long n = 0;
        for (Param p : program.params) {
            n += (long) p.value.elements * p.value.dtype.bytes;
        }
        return n;
    }

    // ------------------------------------------------------------------ model source

    /** The C expression of a transient buffer: the one place that decides where buffers live. */
    @Override
    public String buf(Buf b) {
        if (b == null) {
            return "NULL";
        }
        if (b.kind.persistent) {
            Param p = paramByValue.get(b);
            if (p == null) {
                throw new KtException("buffer " + b + " is persistent but no parameter owns it");
            }
            return valueArray(p);
        }
        if (plan == null) {
            if (!ownBufs.contains(b)) {
                throw new KtException("buffer " + b + " belongs to another program; generate the C from the program "
                        + "whose step uses it (e.g. the fused one)");
            }
            return "KT_BUF(" + b.id + ")";
        }
        Integer off = arenaOffset.get(b);
        if (off == null) {
            throw new KtException("buffer " + b + " has no place in the memory plan");
        }
        String type = b.kind == Buf.Kind.MASK ? "uint8_t" : cType(b.dtype);
        return "KT_BUF(" + type + ", " + off + ")";
    }

    private String valueArray(Param p) {
        return switch (p.role) {
            case CONV_WEIGHT -> {
                declareConv(p.conv.op);
                yield sliceArray.get(p.conv.op);
            }
            case CONV_BIAS -> {
                declareConv(p.conv.op);
                yield convBiasArray.get(p.conv.op);
            }
            default -> "kt_param_" + p.value.id;
        };
    }

    private String modelSource() {
        StringBuilder body = new StringBuilder();
        // Conv weights and biases are declared on first use (trained ones in SRAM, the rest as const data), then the
        // head parameters and the optimizer state.
        List<String> fwd = new ArrayList<>(), step = new ArrayList<>();
        java.util.Set<Param> updated = new java.util.HashSet<>();
        boolean[] inference = new boolean[order.size()];
        for (int i : Program.inference(order)) {
            inference[i] = true;
        }
        for (int i = 0; i < order.size(); i++) {
            Instr in = order.get(i);
            Param u = in.updatedParam();
            if (u != null && !updated.add(u)) {
                throw new KtException("parameter " + u.name + " is updated twice in one step");
            }
            step.add(in.emitC(this, true));
            if (inference[i]) {
                fwd.add(in.emitC(this, false));
            }
        }
        for (Param p : trailingUpdates(program, order)) {
            step.add(update(p));
        }
        declareParams();
        declareBuffers();

        String arg = targetArgument(program);
        body.append("float kt_train_step(const int8_t *input, ").append(arg).append(") {\n");
        body.append("    KT_PROF_START();\n");
        body.append("    if (!KT_TARGET_OK(").append(arg.substring(arg.lastIndexOf(' ') + 1).replace("*", ""))
                .append(")) {\n        return NAN;\n    }\n");
        body.append("    if (!kt_ready) {\n        kt_init_state();\n    }\n");
        body.append("    float loss = NAN;\n");
        body.append("    memcpy(").append(buf(program.input)).append(", input, KT_INPUT_BYTES);\n");
        body.append("    KT_PROF(0);\n");
        for (int i = 0; i < step.size(); i++) {
            body.append("    ").append(step.get(i)).append("\n    KT_PROF(").append(i + 1).append(");\n");
        }
        if (batch() > 1) {
            body.append("    kt_batch_pos = kt_batch_pos + 1u == KT_BATCH ? 0u : kt_batch_pos + 1u;\n");
        }
        body.append("    return loss;\n}\n\n");
        body.append("unsigned kt_batch_fill(void) {\n    return ").append(batch() > 1 ? "kt_batch_pos" : "0u")
                .append(";\n}\n\n");

        body.append("int kt_predict(const int8_t *input, float *logits_out) {\n");
        body.append("    memcpy(").append(buf(program.input)).append(", input, KT_INPUT_BYTES);\n");
        for (String s : fwd) {
            body.append("    ").append(s).append("\n");
        }
        String logits = buf(program.logits);
        if (program.binary()) {
            body.append("    int best = ").append(logits).append("[0] > 0.0f;\n");
        } else {
            body.append("    int best = 0;\n    for (int i = 1; i < KT_CLASSES; i++) {\n        if (").append(logits)
                    .append("[i] > ").append(logits).append("[best]) {\n            best = i;\n        }\n    }\n");
        }
        body.append("    if (logits_out != NULL) {\n        memcpy(logits_out, ").append(logits)
                .append(", KT_CLASSES * sizeof(float));\n    }\n    return best;\n}\n\n");
        body.append(exportImport());
        if (replay) {
            body.append(replaySection(step));
        }
        body.append(stateExportImport());

        StringBuilder c = new StringBuilder();
        c.append("/* Generated by kilotrain for model '").append(program.forward.name).append("': ")
                .append(order.size()).append(" operations, ").append(program.params.size())
                .append(" trained parameters. Compile with -ffp-contract=off. */\n");
        c.append("#include \"kt_model.h\"\n#include \"kt_kernels.h\"\n#include \"kt_rows.h\"\n\n#include <math.h>\n#include <string.h>\n\n");
        c.append("#include \"kt_fused.h\"\n\n");
        c.append(PROFILE_MACROS);
        c.append("static float kt_lr = ").append(f(lr)).append(";\n\n");
        c.append("void kt_set_learning_rate(float lr) {\n    kt_lr = lr;\n}\n\n");
        c.append("float kt_learning_rate(void) {\n    return kt_lr;\n}\n\n");
        c.append(data);
        c.append(body);
        return c.toString();
    }

    private void declareBuffers() {
        if (plan != null) {
            data.append("/* Every transient buffer at its planned offset in one arena (").append(plan.strategy())
                    .append(", ").append(plan.arenaBytes()).append(" bytes). */\n");
            data.append("#define KT_ARENA_BYTES ").append(Math.max(8, plan.arenaBytes())).append("u\n");
            data.append("static uint64_t kt_arena[(KT_ARENA_BYTES + 7u) / 8u];\n");
            data.append("#define KT_BUF(type, offset) ((type *)((uint8_t *)kt_arena + (offset)))\n");
        } else {
            data.append("/* Transient buffers: one static array each. */\n");
            data.append("#define KT_BUF(id) kt_buf_##id\n");
        }
        for (Buf b : program.bufs) {
            if (plan != null) {
                break;
            }
            if (b.kind.persistent) {
                continue;
            }
            String type = b.kind == Buf.Kind.MASK ? "uint8_t" : cType(b.dtype);
            int n = b.kind == Buf.Kind.MASK ? b.bytes() : b.elements;
            data.append("static ").append(type).append(" kt_buf_").append(b.id).append('[').append(Math.max(1, n))
                    .append("]; /* ").append(b.name).append(" */\n");
        }
        // Kernel scratch: two pixels' widened inputs and accumulators, one pixel's input gradient, the head's
        // dequantized feature, and whatever other instructions asked for.
        List<String> names = new ArrayList<>(List.of("kt_xs", "kt_acc", "kt_row", "kt_head_feature"));
        names.retainAll(scratch.keySet());
        for (String n : scratch.keySet()) {
            if (!names.contains(n)) {
                names.add(n);
            }
        }
        for (String n : names) {
            Object[] t = scratch.get(n);
            data.append("static ").append(t[0]).append(' ').append(n).append('[').append(t[1]).append("];\n");
        }
        data.append('\n');
    }

    private static String cType(DType t) {
        return switch (t) {
            case INT8 -> "int8_t";
            case INT32 -> "int32_t";
            case FLOAT32 -> "float";
            default -> throw new KtException("the C backend has no buffer type for " + t);
        };
    }

    /**
     * Declares conv c's tables on its first use: weights and bias (trained ones in SRAM, as full tensors whose trained
     * slice is addressed through an index; frozen ones const) and its {@code kt_conv} struct. Returns its name.
     */
    private String declareConv(Conv2D c) {
        String known = convNames.get(c);
        if (known != null) {
            return known;
        }
        String name = "conv" + convNames.size();
        convNames.put(c, name);
        Param wp = convWeightParam.get(c);
        boolean trainedB = convBiasParam.containsKey(c);
        data.append("/* ").append(c.name).append(" */\n");
        byte[] w = c.weight.int8Data;
        String wn = "NULL";
        if (wp != null) {
            // The trained slice lives in SRAM; flash keeps the frozen rest, zeros where the slice is.
            TrainedConv tc = wp.conv;
            String sn = "kt_" + name + "_ws";
            data.append("static int8_t ").append(sn).append('[').append(wp.value.elements).append("] = ");
            ints(data, (byte[]) state.value(wp));
            sliceArray.put(c, sn);
            String kept = "NULL", slot = "NULL";
            if (tc.partial()) {
                w = w.clone();
                for (int i : ConvBackward.weightSliceIndex(c, tc.keptChannels)) {
                    w[i] = 0;
                }
                wn = constBytes("kt_" + name + "_w", w);
                kept = arrayI("kt_" + name + "_kept", tc.keptChannels);
                if (c.groups == 1) {
                    // two pixels' patches and, for the slice, their kept channels gathered
                    scratch("int16_t", "kt_xs",
                            2 * c.kernelH() * c.kernelW() * (c.input.channels() + tc.keptChannels.length));
                }
                if (c.isDepthwise()) {
                    int[] sl = new int[c.input.channels()];
                    java.util.Arrays.fill(sl, -1);
                    for (int k = 0; k < tc.keptChannels.length; k++) {
                        sl[tc.keptChannels[k]] = k;
                    }
                    slot = arrayI("kt_" + name + "_slot", sl);
                }
            }
            int nk = tc.partial() ? tc.keptChannels.length : c.input.channels() / c.groups;
            data.append("static const kt_slice kt_").append(name).append("_s = {").append(nk).append(", ")
                    .append(kept).append(", ").append(slot).append(", ").append(sn).append("};\n");
            convSlice.put(c, "&kt_" + name + "_s");
        } else {
            wn = constBytes("kt_" + name + "_w", w);
            convSlice.put(c, "NULL");
        }
        convWeightArray.put(c, wn);
        int[] b = trainedB ? state.currentBias(c) : (c.bias == null ? null : c.bias.int32Data);
        if (b != null) {
            String bn = "kt_" + name + "_b";
            data.append(trainedB ? "static int32_t " : "static const int32_t ").append(bn).append('[')
                    .append(b.length).append("] = ");
            ints(data, b);
            convBiasArray.put(c, bn);
        } else {
            convBiasArray.put(c, "NULL");
        }
        ConvTable.declare(c, "kt_" + name, wp == null && !trainedB, this);
        return name;
    }

    private void declareParams() {
        TrainState.Options o = state.options();
        // Head parameters, optimizer state and update bookkeeping.
        for (int i = 0; i < program.params.size(); i++) {
            Param p = program.params.get(i);
            int n = p.value.elements;
            String pn = "kt_p" + i;
            data.append("/* parameter ").append(i).append(": ").append(p.name).append(" */\n");
            if (p.isFloat()) {
                data.append("static float kt_param_").append(p.value.id).append('[').append(n).append("] = ");
                floats(data, (float[]) state.value(p));
            }
            if (o.qas() && p.qas != null) {
                data.append("static const float ").append(pn).append("_qas[").append(p.qas.length).append("] = ");
                floats(data, p.qas);
            }
            if (o.momentum() != 0.0f) {
                data.append("static float ").append(pn).append("_vel[").append(n).append("];\n");
            }
            if (batch() > 1) {
                data.append("static float ").append(pn).append("_gsum[").append(n).append("];\n");
            }
            if (p.role == Param.Role.CONV_WEIGHT) {
                if (o.weightRule() == WeightRounding.FLOAT_SHADOW) {
                    data.append("static float ").append(pn).append("_shadow[").append(n).append("];\n");
                }
                if (o.weightRule() == WeightRounding.STOCHASTIC) {
                    data.append("static uint32_t ").append(pn).append("_rng = ").append(rngSeed(i)).append("u;\n");
                }
            }
            if (p.role == Param.Role.CONV_BIAS && o.biasRule() == BiasRounding.FLOAT_SHADOW) {
                data.append("static float ").append(pn).append("_shadow[").append(n).append("];\n");
            }
        }
        if (batch() > 1) {
            data.append("/* position of the next sample in its batch: updates run when it is KT_BATCH - 1 */\n");
            data.append("static uint32_t kt_batch_pos;\n");
        }
        data.append(stateInit());
        data.append('\n');
    }

    /** TrainState's seed of parameter i's stochastic rounding: {@code seed * 31 + i + 1}, 0 replaced. */
    private long rngSeed(int i) {
        int s = state.options().seed() * 31 + i + 1;
        if (s == 0) {
            s = 0x9E3779B9;
        }
        return Integer.toUnsignedLong(s);
    }

    /** Master copies start from the parameter values (as TrainState builds them); the rng from its seed. */
    private String stateInit() {
        TrainState.Options o = state.options();
        StringBuilder s = new StringBuilder();
        s.append("\nstatic int kt_ready = 0;\n\n");
        s.append("static void kt_init_state(void) {\n");
        for (int i = 0; i < program.params.size(); i++) {
            Param p = program.params.get(i);
            String pn = "kt_p" + i;
            if (p.role == Param.Role.CONV_WEIGHT) {
                if (o.weightRule() == WeightRounding.FLOAT_SHADOW) {
                    s.append("    for (int i = 0; i < ").append(p.value.elements).append("; i++) {\n        ")
                            .append(pn).append("_shadow[i] = (float)").append(valueArray(p))
                            .append("[i];\n    }\n");
                }
                if (o.weightRule() == WeightRounding.STOCHASTIC) {
                    s.append("    ").append(pn).append("_rng = ").append(rngSeed(i)).append("u;\n");
                }
            }
            if (p.role == Param.Role.CONV_BIAS && o.biasRule() == BiasRounding.FLOAT_SHADOW) {
                s.append("    for (int i = 0; i < ").append(p.value.elements).append("; i++) {\n        ").append(pn)
                        .append("_shadow[i] = (float)").append(valueArray(p)).append("[i];\n    }\n");
            }
        }
        s.append("    kt_ready = 1;\n}\n");
        return s.toString();
    }

    @Override
    public String update(Param p) {
        TrainState.Options o = state.options();
        int i = program.params.indexOf(p);
        String pn = "kt_p" + i;
        String g = buf(p.grad);
        int n = p.value.elements;
        StringBuilder s = new StringBuilder();
        if (batch() > 1) {
            // sum this sample's gradient; the B-th sample turns the sums into the update
            s.append("kt_accumulate(").append(pn).append("_gsum, ").append(g).append(", ").append(n)
                    .append(", kt_batch_pos == 0u);\n    if (kt_batch_pos + 1u == KT_BATCH) {\n    ");
            g = pn + "_gsum";
        }
        s.append("kt_sgd_step(").append(g).append(", ").append(n).append(", ").append(invBatch()).append(", ")
                .append(o.qas() && p.qas != null ? pn + "_qas" : "NULL").append(", ").append(p.rowLength).append(", ")
                .append(o.momentum() != 0.0f ? pn + "_vel" : "NULL").append(", ").append(f(o.momentum()))
                .append(", kt_lr);\n    ");
        switch (p.role) {
            case HEAD_WEIGHT, HEAD_BIAS -> s.append("kt_update_f32(").append(valueArray(p)).append(", ").append(n)
                    .append(", ").append(g).append(");");
            case CONV_WEIGHT -> s.append("kt_update_i8(").append(weightRule(o.weightRule())).append(", ")
                    .append(valueArray(p)).append(", NULL, ").append(n).append(", ").append(g)
                    .append(", ").append(o.weightRule() == WeightRounding.STOCHASTIC ? "&" + pn + "_rng" : "NULL")
                    .append(", ").append(o.weightRule() == WeightRounding.FLOAT_SHADOW ? pn + "_shadow" : "NULL")
                    .append(", ").append(f(o.maxStep())).append(");");
            case CONV_BIAS -> s.append("kt_update_i32(")
                    .append(o.biasRule() == BiasRounding.FLOAT_SHADOW ? "KT_B_FLOAT_SHADOW" : "KT_B_NEAREST_EVEN")
                    .append(", ").append(valueArray(p)).append(", ").append(n).append(", ").append(g).append(", ")
                    .append(o.biasRule() == BiasRounding.FLOAT_SHADOW ? pn + "_shadow" : "NULL").append(");");
        }
        if (batch() > 1) {
            s.append("\n    }");
        }
        return s.toString();
    }

    /**
     * The update of a few rows of a conv weight, as {@code TrainState.applySampleRows} does (velocity, QAS factors,
     * shadow and stochastic draws follow the slice order, so updating all rows in chunks gives the bits of the whole
     * update): the SGD step of the rows' gradient, then its rounding into the int8 slice.
     */
    @Override
    public String updateRows(Param p, String g, String r, String k) {
        TrainState.Options o = state.options();
        String pn = "kt_p" + program.params.indexOf(p);
        int len = p.rowLength;
        String acc = "", end = "";
        if (batch() > 1) {
            // the rows' sums, as update() does for a whole parameter (elementwise, so rows in any chunking agree)
            String sum = pn + "_gsum + " + r + " * " + len;
            acc = "kt_accumulate(" + sum + ", " + g + ", " + k + " * " + len + ", kt_batch_pos == 0u);\n"
                    + "if (kt_batch_pos + 1u == KT_BATCH) {\n";
            end = "\n}";
            g = sum;
        }
        return acc + "kt_sgd_step(" + g + ", " + k + " * " + len + ", " + invBatch() + ", "
                + (o.qas() && p.qas != null ? pn + "_qas + " + r : "NULL") + ", " + len + ", "
                + (o.momentum() != 0.0f ? pn + "_vel + " + r + " * " + len : "NULL") + ", " + f(o.momentum())
                + ", kt_lr);\n"
                + "kt_update_i8(" + weightRule(o.weightRule()) + ", " + valueArray(p) + " + " + r + " * " + len
                + ", NULL, " + k + " * " + len + ", " + g + ", "
                + (o.weightRule() == WeightRounding.STOCHASTIC ? "&" + pn + "_rng" : "NULL") + ", "
                + (o.weightRule() == WeightRounding.FLOAT_SHADOW ? pn + "_shadow + " + r + " * " + len : "NULL")
                + ", " + f(o.maxStep()) + ");" + end;
    }

    /** The device batch B (TrainState.Options.deviceBatch). */
    private int batch() {
        return state.options().deviceBatch();
    }

    /** 1 / B as TrainState.apply computes it (float32 division). */
    private String invBatch() {
        return batch() == 1 ? "1.0f" : f(1.0f / batch());
    }

    private static String weightRule(WeightRounding r) {
        return switch (r) {
            case DEVICE_TRUNCATE -> "KT_W_DEVICE_TRUNCATE";
            case NEAREST_EVEN -> "KT_W_NEAREST_EVEN";
            case STOCHASTIC -> "KT_W_STOCHASTIC";
            case FLOAT_SHADOW -> "KT_W_FLOAT_SHADOW";
        };
    }

    private String exportImport() {
        StringBuilder s = new StringBuilder();
        boolean floats = false, words = false;
        for (Param p : program.params) {
            floats |= p.isFloat();
            words |= p.role != Param.Role.CONV_WEIGHT;
        }
        if (floats) {
            s.append("static uint32_t kt_float_bits(float f) {\n    uint32_t u;\n    memcpy(&u, &f, 4);\n    return u;\n}\n\n");
        }
        if (words) {
            s.append("static uint32_t get32(const uint8_t *i) {\n    return (uint32_t)i[0] | ((uint32_t)i[1] << 8) | "
                    + "((uint32_t)i[2] << 16) | ((uint32_t)i[3] << 24);\n}\n\n");
        }
        StringBuilder ex = new StringBuilder("void kt_export_params_part(uint8_t *out, size_t offset, size_t n) {\n");
        long base = 0;
        StringBuilder im = new StringBuilder("int kt_import_params(const uint8_t *in, size_t n) {\n"
                + "    if (n != KT_PARAMS_BYTES) {\n        return -1;\n    }\n    size_t o = 0;\n");
        StringBuilder part = new StringBuilder("void kt_import_params_part(const uint8_t *in, size_t offset, size_t n) {\n");
        for (int i = 0; i < program.params.size(); i++) {
            Param p = program.params.get(i);
            String v = valueArray(p);
            int n = p.value.elements;
            long size = (long) n * p.value.dtype.bytes;
            String at = p.role == Param.Role.CONV_WEIGHT ? "(uint32_t)(uint8_t)" + v + "[b]"
                    : p.role == Param.Role.CONV_BIAS ? "(uint32_t)" + v + "[b / 4] >> (8 * (b % 4))"
                    : "kt_float_bits(" + v + "[b / 4]) >> (8 * (b % 4))";
            ex.append("    if (offset < ").append(base + size).append("u && offset + n > ").append(base).append("u) {\n")
                    .append("        size_t lo = offset > ").append(base).append("u ? offset - ").append(base)
                    .append("u : 0, hi = offset + n < ").append(base + size).append("u ? offset + n - ").append(base)
                    .append("u : ").append(size).append("u;\n        for (size_t b = lo; b < hi; b++) {\n")
                    .append("            out[").append(base).append("u + b - offset] = (uint8_t)(").append(at)
                    .append(");\n        }\n    }\n");
            String put = p.role == Param.Role.CONV_WEIGHT ? v + "[b] = (int8_t)in[" + base + "u + b - offset];"
                    : p.role == Param.Role.CONV_BIAS ? v + "[b / 4] = (int32_t)(((uint32_t)" + v
                            + "[b / 4] & ~(0xFFu << (8 * (b % 4)))) | ((uint32_t)in[" + base
                            + "u + b - offset] << (8 * (b % 4))));"
                    : "uint32_t u = (kt_float_bits(" + v + "[b / 4]) & ~(0xFFu << (8 * (b % 4)))) | ((uint32_t)in["
                            + base + "u + b - offset] << (8 * (b % 4)));\n            memcpy(&" + v + "[b / 4], &u, 4);";
            part.append("    if (offset < ").append(base + size).append("u && offset + n > ").append(base).append("u) {\n")
                    .append("        size_t lo = offset > ").append(base).append("u ? offset - ").append(base)
                    .append("u : 0, hi = offset + n < ").append(base + size).append("u ? offset + n - ").append(base)
                    .append("u : ").append(size).append("u;\n        for (size_t b = lo; b < hi; b++) {\n")
                    .append("            ").append(put).append("\n        }\n    }\n");
            base += size;
            switch (p.role) {
                case CONV_WEIGHT -> {
                    im.append("    for (int i = 0; i < ").append(n).append("; i++) {\n        ").append(v)
                            .append("[i] = (int8_t)in[o++];\n    }\n");
                }
                case CONV_BIAS -> {
                    im.append("    for (int i = 0; i < ").append(n).append("; i++, o += 4) {\n        ").append(v)
                            .append("[i] = (int32_t)get32(in + o);\n    }\n");
                }
                default -> {
                    im.append("    for (int i = 0; i < ").append(n).append("; i++, o += 4) {\n        uint32_t u = "
                            + "get32(in + o);\n        memcpy(&").append(v).append("[i], &u, 4);\n    }\n");
                }
            }
        }
        ex.append("    (void)out;\n    (void)offset;\n    (void)n;\n}\n\n");
        ex.append("void kt_export_params(uint8_t *out) {\n    kt_export_params_part(out, 0, KT_PARAMS_BYTES);\n}\n\n");
        im.append("    (void)o;\n    kt_init_state();\n    return 0;\n}\n\n");
        part.append("    (void)in;\n    (void)offset;\n    (void)n;\n}\n\n");
        part.append("void kt_import_params_finish(void) {\n    kt_init_state();\n}\n");
        s.append(ex).append(im).append(part);
        return s.toString();
    }

    /**
     * The replay entry points ({@code kilotrain.device.InstrReplay}): {@code kt_replay_addr} gives where a buffer or
     * parameter state lives and its size (kind 0 transient buffer by id, 1 parameter value, 2 velocity, 3 float
     * master copy, 4 stochastic-rounding state, by parameter index; NULL when the step keeps no such thing), and
     * {@code kt_replay_run} runs statement {@code index} of {@code kt_train_step} on its own, the very text the
     * step runs, with the label, targets and loss the step would have at that point.
     */
    private String replaySection(List<String> step) {
        TrainState.Options o = state.options();
        StringBuilder s = new StringBuilder("\n/* Instruction replay: where every buffer and parameter state lives, and "
                + "each statement of kt_train_step on its own. */\n");
        s.append("void *kt_replay_addr(int kind, int id, uint32_t *bytes);\n");
        s.append("int kt_replay_run(int index, int label, const float *target, float *loss_io);\n\n");
        s.append("void *kt_replay_addr(int kind, int id, uint32_t *bytes) {\n    switch (kind) {\n    case 0:\n"
                + "        switch (id) {\n");
        java.util.Set<Buf> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Instr in : order) {
            for (List<Buf> l : List.of(in.reads(), in.writes())) {
                for (Buf b : l) {
                    if (!b.kind.persistent && seen.add(b)) {
                        s.append("        case ").append(b.id).append(":\n            *bytes = ").append(b.bytes())
                                .append("u;\n            return (void *)").append(buf(b)).append(";\n");
                    }
                }
            }
        }
        s.append("        default:\n            return NULL;\n        }\n");
        String[] kinds = {"value", "vel", "shadow", "rng"};
        for (int k = 0; k < kinds.length; k++) {
            s.append("    case ").append(k + 1).append(":\n        switch (id) {\n");
            for (int i = 0; i < program.params.size(); i++) {
                Param p = program.params.get(i);
                String pn = "kt_p" + i;
                int n = p.value.elements;
                String addr = switch (k) {
                    case 0 -> valueArray(p);
                    case 1 -> o.momentum() != 0.0f ? pn + "_vel" : null;
                    case 2 -> p.role == Param.Role.CONV_WEIGHT && o.weightRule() == WeightRounding.FLOAT_SHADOW
                            || p.role == Param.Role.CONV_BIAS && o.biasRule() == BiasRounding.FLOAT_SHADOW
                            ? pn + "_shadow" : null;
                    default -> p.role == Param.Role.CONV_WEIGHT && o.weightRule() == WeightRounding.STOCHASTIC
                            ? "&" + pn + "_rng" : null;
                };
                if (addr != null) {
                    long bytes = k == 0 ? (long) n * p.value.dtype.bytes : k == 3 ? 4 : 4L * n;
                    s.append("        case ").append(i).append(":\n            *bytes = ").append(bytes)
                            .append("u;\n            return (void *)").append(addr).append(";\n");
                }
            }
            s.append("        default:\n            return NULL;\n        }\n");
        }
        s.append("    default:\n        return NULL;\n    }\n}\n\n");
        TargetKind tk = program.targetKind();
        boolean bytes = tk == TargetKind.INT8 || tk == TargetKind.INPUT;
        // an int8 target vector (int8 regression, autoencoder) comes as the bytes behind the pointer
        s.append("int kt_replay_run(int index, int label, const float *").append(bytes ? "target_bytes" : "target")
                .append(", float *loss_io) {\n");
        if (bytes) {
            s.append("    const int8_t *target = (const int8_t *)(const void *)target_bytes;\n");
        }
        s.append("    float loss = *loss_io;\n    (void)label;\n    (void)target;\n    switch (index) {\n");
        for (int i = 0; i < order.size(); i++) {
            s.append("    case ").append(i).append(": {\n        ").append(step.get(i).replace("\n    ", "\n        "))
                    .append("\n        break;\n    }\n");
        }
        s.append("    default:\n        return -1;\n    }\n    *loss_io = loss;\n    return 0;\n}\n");
        return s.toString();
    }

    /**
     * The C arrays of what the update rules carry between steps, in the order the saved state holds them after the
     * parameters, each with its bytes: per parameter its momentum, float master copy, rounding generator and
     * gradient sum, then the batch position.
     */
    private static List<String[]> stateRegions(Program program, TrainState.Options o) {
        List<String[]> r = new ArrayList<>();
        for (int i = 0; i < program.params.size(); i++) {
            Param p = program.params.get(i);
            String pn = "kt_p" + i;
            long n = p.value.elements;
            if (o.momentum() != 0.0f) {
                r.add(new String[] {pn + "_vel", Long.toString(4 * n)});
            }
            if (p.role == Param.Role.CONV_WEIGHT && o.weightRule() == WeightRounding.FLOAT_SHADOW
                    || p.role == Param.Role.CONV_BIAS && o.biasRule() == BiasRounding.FLOAT_SHADOW) {
                r.add(new String[] {pn + "_shadow", Long.toString(4 * n)});
            }
            if (p.role == Param.Role.CONV_WEIGHT && o.weightRule() == WeightRounding.STOCHASTIC) {
                r.add(new String[] {"&" + pn + "_rng", "4"});
            }
            if (o.deviceBatch() > 1) {
                r.add(new String[] {pn + "_gsum", Long.toString(4 * n)});
            }
        }
        if (o.deviceBatch() > 1) {
            r.add(new String[] {"&kt_batch_pos", "4"});
        }
        return r;
    }

    /** KT_STATE_BYTES: the parameters plus the update rules' state ({@link #stateRegions}). */
    public static long stateBytes(Program program, TrainState.Options o) {
        long n = ParamDump.bytes(program);
        for (String[] r : stateRegions(program, o)) {
            n += Long.parseLong(r[1]);
        }
        return n;
    }

    private String stateExportImport() {
        List<String[]> regions = stateRegions(program, state.options());
        StringBuilder s = new StringBuilder();
        s.append("\n/* What the update rules carry between steps, saved after the parameters (KT_STATE_BYTES). */\n");
        s.append("static const struct {\n    void *at;\n    uint32_t bytes;\n} kt_state_regions[] = {");
        for (String[] r : regions) {
            s.append("\n    {").append(r[0]).append(", ").append(r[1]).append("u},");
        }
        if (regions.isEmpty()) {
            s.append("\n    {NULL, 0u},");
        }
        s.append("\n};\n\n");
        s.append("""
                /* Calls part(region, offset in it, offset in the caller's buffer, bytes) for the overlap of [offset,
                 * offset + n) with each region after the parameters. */
                static void kt_state_walk(size_t offset, size_t n, int out, uint8_t *to, const uint8_t *from) {
                    size_t base = KT_PARAMS_BYTES;
                    for (size_t r = 0; r < sizeof kt_state_regions / sizeof kt_state_regions[0]; r++) {
                        size_t len = kt_state_regions[r].bytes;
                        if (len != 0 && offset < base + len && offset + n > base) {
                            size_t lo = offset > base ? offset - base : 0;
                            size_t hi = offset + n < base + len ? offset + n - base : len;
                            uint8_t *at = (uint8_t *)kt_state_regions[r].at;
                            if (out) {
                                memcpy(to + (base + lo - offset), at + lo, hi - lo);
                            } else {
                                memcpy(at + lo, from + (base + lo - offset), hi - lo);
                            }
                        }
                        base += len;
                    }
                }

                void kt_export_state_part(uint8_t *out, size_t offset, size_t n) {
                    if (!kt_ready) {
                        kt_init_state(); /* what the first step would start from */
                    }
                    if (offset < KT_PARAMS_BYTES) {
                        kt_export_params_part(out, offset, n < KT_PARAMS_BYTES - offset ? n : KT_PARAMS_BYTES - offset);
                    }
                    kt_state_walk(offset, n, 1, out, NULL);
                }

                void kt_import_state_part(const uint8_t *in, size_t offset, size_t n) {
                    if (offset < KT_PARAMS_BYTES) {
                        kt_import_params_part(in, offset, n < KT_PARAMS_BYTES - offset ? n : KT_PARAMS_BYTES - offset);
                    }
                    kt_state_walk(offset, n, 0, NULL, in);
                }

                void kt_import_state_finish(void) {
                    kt_ready = 1; /* master copies, generators and sums are the saved ones: no restart from the values */
                }
                """);
        return s.toString();
    }

    private String arrayF(String name, float[] v) {
        data.append("static const float ").append(name).append('[').append(v.length).append("] = ");
        floats(data, v);
        return name;
    }

    private String arrayI(String name, int[] v) {
        data.append("static const int32_t ").append(name).append('[').append(v.length).append("] = ");
        ints(data, v);
        return name;
    }

    // ------------------------------------------------------------------ what instructions ask for (CEmitter)

    @Override
    public String lit(float v) {
        return f(v);
    }

    @Override
    public String constInts(String name, int[] v) {
        return arrayI(name, v);
    }

    @Override
    public String constFloats(String name, float[] v) {
        return arrayF(name, v);
    }

    @Override
    public String constBytes(String name, byte[] v) {
        data.append("static const int8_t ").append(name).append('[').append(v.length).append("] = ");
        ints(data, v);
        return name;
    }

    @Override
    public void declare(String text) {
        data.append(text);
    }

    @Override
    public String table(Object op, String prefix, java.util.function.Function<String, String> declare) {
        String known = opNames.get(op);
        if (known == null) {
            known = declare.apply(prefix + opNames.size());
            opNames.put(op, known);
        }
        return known;
    }

    @Override
    public int numClasses() {
        return program.numClasses;
    }

    @Override
    public String conv(Conv2D c) {
        return "&kt_" + declareConv(c);
    }

    @Override
    public String convWeights(Conv2D c) {
        declareConv(c);
        return convWeightArray.get(c);
    }

    @Override
    public String convSlice(Conv2D c) {
        declareConv(c);
        return convSlice.get(c);
    }

    @Override
    public String convBias(Conv2D c) {
        declareConv(c);
        return convBiasArray.get(c);
    }

    @Override
    public String scratch(String type, String name, int elements) {
        Object[] t = scratch.computeIfAbsent(name, n -> new Object[] {type, 0});
        if (!t[0].equals(type)) {
            throw new IllegalStateException("scratch " + name + " asked for as " + type + " and as " + t[0]);
        }
        t[1] = Math.max((Integer) t[1], elements);
        return name;
    }

    // ------------------------------------------------------------------ literals

    /** A float literal with exactly this value. */
    static String f(float v) {
        if (Float.isNaN(v)) {
            return "NAN";
        }
        if (Float.isInfinite(v)) {
            return v > 0 ? "INFINITY" : "-INFINITY";
        }
        return Float.toHexString(v) + "f";
    }

    private static void ints(StringBuilder sb, byte[] v) {
        sb.append('{');
        for (int i = 0; i < v.length; i++) {
            if (i % 32 == 0) {
                sb.append("\n    ");
            }
            sb.append(v[i]).append(',');
        }
        sb.append("\n};\n");
    }

    private static void ints(StringBuilder sb, int[] v) {
        sb.append('{');
        for (int i = 0; i < v.length; i++) {
            if (i % 16 == 0) {
                sb.append("\n    ");
            }
            if (v[i] == Integer.MIN_VALUE) {
                sb.append("INT32_MIN,");
            } else {
                sb.append(v[i]).append(',');
            }
        }
        sb.append("\n};\n");
    }

    private static void floats(StringBuilder sb, float[] v) {
        sb.append('{');
        for (int i = 0; i < v.length; i++) {
            if (i % 8 == 0) {
                sb.append("\n    ");
            }
            sb.append(f(v[i])).append(',');
        }
        sb.append("\n};\n");
    }

    // ------------------------------------------------------------------ reading exported parameters

    /**
     * Parses what {@code kt_export_params} wrote: one value per parameter in program order, byte[] / int[] / float[]
     * as {@link TrainState#value} returns them.
     */
    public static Object[] readParams(Program program, byte[] bytes, String source) {
        long expected = ParamDump.bytes(program);
        if (bytes.length != expected) {
            throw new KtException(source + ": " + bytes.length + " bytes of parameters, the program has " + expected);
        }
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Object[] out = new Object[program.params.size()];
        for (int i = 0; i < out.length; i++) {
            Param p = program.params.get(i);
            int n = p.value.elements;
            switch (p.role) {
                case CONV_WEIGHT -> {
                    byte[] b = new byte[n];
                    bb.get(b);
                    out[i] = b;
                }
                case CONV_BIAS -> {
                    int[] b = new int[n];
                    bb.asIntBuffer().get(b);
                    bb.position(bb.position() + 4 * n);
                    out[i] = b;
                }
                default -> {
                    float[] b = new float[n];
                    bb.asFloatBuffer().get(b);
                    bb.position(bb.position() + 4 * n);
                    out[i] = b;
                }
            }
        }
        return out;
    }
}
