package kilotrain.device;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kilotrain.KtException;
import kilotrain.codegen.CGenerator;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import java.util.List;

/**
 * The static SRAM and flash of the Cortex-M7 program, counted from the C the generator emits rather than from the
 * planner's figures: every file-scope object of {@code kt_model.c} and of the board runtime ({@code kt_device_main.c},
 * {@code kt_cm7_startup.c}) with its size and section ({@code const} -> .rodata in flash; initialised with a non-zero
 * value -> .data, in RAM and its initial image in flash; zero -> .bss), plus the stack reserve of {@code kt_cm7.ld}.
 * The kernel files keep no static state (their scratch, {@code kt_xs} and friends, is declared in kt_model.c).
 *
 * <p>RAM is what the linker checks: {@code .data + .bss + .stack}. Each object is placed at 4-byte alignment (GCC
 * for ARM word-aligns arrays) and the arena at 8, each section ends on 8 bytes; the figure is an upper bound that
 * differs from the ELF only by that fill (at most 8 bytes). Flash = vectors + code + .rodata + .data: constants and
 * initial values are exact to the same alignment, code is estimated from {@code kt_footprint.properties} (measured
 * object sizes of the kernel library and runtime, and bytes per generated statement) and is the only inexact part.
 */
public record DeviceFootprint(long dataBytes, long bssBytes, long stackBytes, long rodataBytes, long codeBytes,
        Map<String, Long> ramParts, Map<String, Long> flashParts) {

    /** kt_cm7.ld's KT_STACK_BYTES default. */
    public static final long STACK_RESERVE = 8 * 1024;

    /** SRAM the link needs: .data + .bss + the stack reserve. */
    public long ramBytes() {
        return align8(dataBytes) + align8(bssBytes) + stackBytes;
    }

    /** Flash of the library and runtime (the embedded demo samples not included). */
    public long flashBytes() {
        return codeBytes + rodataBytes + align8(dataBytes);
    }

    /**
     * Fails unless the program fits: the message names what takes the bytes and the smallest budget that fits. A
     * negative budget is not checked; {@code sampleFlashBytes}: the demo's embedded images, flash on top.
     */
    public void check(long sramBudget, long flashBudget, long sampleFlashBytes) {
        StringBuilder msg = new StringBuilder();
        if (sramBudget >= 0 && ramBytes() > sramBudget) {
            msg.append(String.format("%s exceeded by %,d bytes: the device program needs %,d bytes of SRAM (%s). "
                    + "Smallest SRAM that fits: %,d bytes (%dK); a smaller scheme, or --bias-rule nearest "
                    + "when float master copies are kept, needs less.", sramBudget == DeviceBench.BOARD_RAM
                            ? String.format("SRAM of the board (%,d bytes)", sramBudget)
                            : String.format("SRAM budget (%,d bytes)", sramBudget), ramBytes() - sramBudget,
                    ramBytes(), parts(ramParts), ramBytes(), (ramBytes() + 1023) / 1024));
        }
        long flash = flashBytes() + sampleFlashBytes;
        if (flashBudget >= 0 && flash > flashBudget) {
            if (msg.length() > 0) {
                msg.append(' ');
            }
            Map<String, Long> fp = new LinkedHashMap<>(flashParts);
            if (sampleFlashBytes > 0) {
                fp.put("embedded sample images", sampleFlashBytes);
            }
            msg.append(String.format("%s exceeded by %,d bytes: the device program needs %,d bytes of flash (%s). "
                    + "Smallest flash that fits: %,d bytes (%dK).", flashBudget == DeviceBench.BOARD_FLASH
                            ? String.format("flash of the board (%,d bytes)", flashBudget)
                            : String.format("flash budget (%,d bytes)", flashBudget), flash - flashBudget, flash,
                    parts(fp), flash, (flash + 1023) / 1024));
        }
        if (msg.length() > 0) {
            throw new KtException(msg.toString());
        }
    }

    private static String parts(Map<String, Long> parts) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Long> e : parts.entrySet()) {
            if (e.getValue() != 0) {
                s.append(s.length() > 0 ? " + " : "").append(e.getKey()).append(String.format(" %,d", e.getValue()));
            }
        }
        return s.toString();
    }

    public static long align8(long n) {
        return (n + 7) & ~7L;
    }

    // ------------------------------------------------------------------ counting the emitted C

    private static final Pattern DEFINE = Pattern.compile("(?m)^#define (\\w+) ([0-9]+)u?\\s*$");
    /** A file-scope object: qualifiers, type, name, optional dimension, then "=" or ";". */
    private static final Pattern OBJECT = Pattern.compile(
            "(?m)^(?:static )?((?:const |volatile )*)(\\w+) (\\w+)(?:\\[([^\\]]*)\\])?\\s*(=|;)");

    /**
     * The footprint of a program whose model source is {@code modelC}: the board runtime's statics are read from the
     * resources, code from {@code kt_footprint.properties}.
     */
    /**
     * The device program's static SRAM and flash, counted from the kt_model.c that CGenerator would write for the same
     * arguments (nothing is written), so a budget can be checked before building.
     */
    public static DeviceFootprint of(Program program, List<Instr> order, ArenaPlan plan, TrainState state, float lr) {
        return of(CGenerator.modelSource(program, order, plan, state, lr));
    }

    /**
     * The static memory of the firmware library ({@code --target lib}): the model's objects, kt_store's buffer and
     * CRC table and kt_lib's statistics; no startup code, demo or stack (the product's own). Code is estimated as for
     * the demo program, without its runtime.
     */
    public static DeviceFootprint library(String modelC) {
        Counter c = new Counter();
        c.count(modelC, true);
        c.count(CGenerator.resource("kt_store.h") + CGenerator.resource("kt_store.c"), false,
                "persistence and statistics");
        c.bss += LIB_STATS_BYTES;
        c.ram.merge("persistence and statistics", LIB_STATS_BYTES, Long::sum);
        Properties code = codeTable();
        long library = Long.parseLong(code.getProperty("library.text")) + Long.parseLong(code.getProperty("libc.text"));
        if (modelC.contains("kt_conv_dw_fwd(") || modelC.contains("kt_conv_dw_inplace(")) {
            library += Long.parseLong(code.getProperty("fused.text"));
        }
        long[] lines = statementLines(modelC);
        long model = lines[0] * Long.parseLong(code.getProperty("model.step.bytes.per.line"))
                + lines[1] * Long.parseLong(code.getProperty("model.other.bytes.per.line"));
        Map<String, Long> flash = new LinkedHashMap<>();
        flash.put("code (estimated)", library + model);
        flash.putAll(c.flash);
        flash.put("initial values of .data", align8(c.data));
        Map<String, Long> ram = new LinkedHashMap<>(c.ram);
        ram.put("alignment", align8(c.data) + align8(c.bss) - c.data - c.bss);
        return new DeviceFootprint(c.data, c.bss, 0, c.rodata, library + model, ram, flash);
    }

    /** kt_lib.c's {@code static kt_stats}: three 4-byte words. */
    static final long LIB_STATS_BYTES = 12;

    public static DeviceFootprint of(String modelC) {
        Counter c = new Counter();
        c.count(modelC, true);
        c.count(CGenerator.resource("kt_device_main.c"), false);
        c.count(CGenerator.resource("kt_cm7_startup.c"), false);
        Properties code = codeTable();
        long library = Long.parseLong(code.getProperty("library.text")) + Long.parseLong(code.getProperty("runtime"
                + ".text")) + Long.parseLong(code.getProperty("libc.text"));
        if (modelC.contains("kt_conv_dw_fwd(") || modelC.contains("kt_conv_dw_inplace(")) {
            library += Long.parseLong(code.getProperty("fused.text"));
        }
        long[] lines = statementLines(modelC);
        long model = lines[0] * Long.parseLong(code.getProperty("model.step.bytes.per.line"))
                + lines[1] * Long.parseLong(code.getProperty("model.other.bytes.per.line"));
        long vectors = Long.parseLong(code.getProperty("vectors"));
        long runtimeRodata = Long.parseLong(code.getProperty("runtime.rodata"));
        c.flash.merge("runtime strings", runtimeRodata, Long::sum);
        Map<String, Long> flash = new LinkedHashMap<>();
        flash.put("code (estimated)", vectors + library + model);
        flash.putAll(c.flash);
        flash.put("initial values of .data", align8(c.data));
        Map<String, Long> ram = new LinkedHashMap<>(c.ram);
        ram.put("alignment", align8(c.data) + align8(c.bss) - c.data - c.bss);
        ram.put("stack reserve", STACK_RESERVE);
        return new DeviceFootprint(c.data, c.bss, STACK_RESERVE, c.rodata + runtimeRodata, vectors + library + model,
                ram, flash);
    }

    /** {lines of kt_train_step and kt_predict, lines of the other generated functions}. */
    private static long[] statementLines(String src) {
        long step = 0, other = 0;
        String fn = null;
        for (String line : src.split("\n")) {
            if (fn == null) {
                if (line.matches("^(static )?\\w+ \\w+\\(.*\\) \\{$")) {
                    fn = line;
                }
                continue;
            }
            if (line.equals("}")) {
                fn = null;
            } else if (!line.isBlank() && !line.trim().startsWith("KT_PROF")) { // tick reads: only with -DKT_PROFILE
                if (fn.contains("kt_import_params(") || fn.contains("learning_rate(") || fn.contains("get32(")) {
                    continue; // not called by the device demo: removed by --gc-sections
                }
                if (fn.contains("kt_train_step(") || fn.contains("kt_predict(")) {
                    step++;
                } else {
                    other++;
                }
            }
        }
        return new long[] {step, other};
    }

    private static Properties codeTable() {
        Properties p = new Properties();
        try (InputStream in = DeviceFootprint.class.getResourceAsStream(CGenerator.RES + "kt_footprint.properties")) {
            if (in == null) {
                throw new IllegalStateException("kt_footprint.properties is missing from the build");
            }
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    /** An {@code #ifdef KT_PROFILE} block; group 2 is its {@code #else} part. */
    private static final Pattern PROFILE_ONLY = Pattern.compile("(?s)#ifdef KT_PROFILE\n.*?(#else\n(.*?))?#endif\n");

    /** Sums objects per section and per kind. */
    private static final class Counter {
        long data, bss, rodata;
        final Map<String, Long> ram = new LinkedHashMap<>();
        final Map<String, Long> flash = new LinkedHashMap<>();

        void count(String src, boolean model) {
            count(src, model, "board demo and runtime");
        }

        void count(String src, boolean model, String runtimeKind) {
            // the step's profiling (device-bench --profile) is not in the build this counts
            src = PROFILE_ONLY.matcher(src).replaceAll(r -> Matcher.quoteReplacement(r.group(2) == null ? ""
                    : r.group(2)));
            Map<String, Long> defines = new LinkedHashMap<>();
            Matcher d = DEFINE.matcher(src);
            while (d.find()) {
                defines.put(d.group(1), Long.parseLong(d.group(2)));
            }
            Matcher m = OBJECT.matcher(src);
            while (m.find()) {
                String quals = m.group(1), type = m.group(2), name = m.group(3), dim = m.group(4);
                if (type.equals("return") || type.equals("typedef") || type.equals("extern")) {
                    continue;
                }
                int elem = elementBytes(type);
                boolean init = m.group(5).equals("=");
                String value = init ? initializer(src, m.end()) : "";
                long count = dim == null ? 1 : dim.isBlank() ? values(value) : eval(dim, defines, name);
                if (elem < 0) {
                    // a kernel descriptor struct: every member is an int, a float or a pointer (4 bytes on Cortex-M)
                    elem = 4;
                    count = values(value);
                }
                long size = count * elem;
                long placed = ((size + 3) & ~3L) + (elem == 8 ? 4 : 0);
                if (quals.contains("const")) {
                    rodata += size;
                    flash.merge(model ? flashKind(name, type) : "runtime constants", size, Long::sum);
                } else if (init && !allZero(value)) {
                    data += placed;
                    ram.merge(model ? ramKind(name) : runtimeKind, placed, Long::sum);
                } else {
                    bss += placed;
                    ram.merge(model ? ramKind(name) : runtimeKind, placed, Long::sum);
                }
            }
        }
    }

    private static int elementBytes(String type) {
        return switch (type) {
            case "int8_t", "uint8_t", "char" -> 1;
            case "int16_t", "uint16_t" -> 2;
            case "int32_t", "uint32_t", "float", "int" -> 4;
            case "uint64_t", "int64_t", "double" -> 8;
            default -> {
                if (type.startsWith("kt_")) {
                    yield -1;
                }
                throw new KtException("device footprint: no size for the C type '" + type + "'");
            }
        };
    }

    private static String ramKind(String name) {
        if (name.equals("kt_arena") || name.startsWith("kt_buf_")) {
            return "arena";
        }
        if (name.endsWith("_shadow")) {
            return "float master copies";
        }
        if (name.endsWith("_vel")) {
            return "optimizer state";
        }
        if (name.endsWith("_gsum")) {
            return "gradient accumulators";
        }
        if (name.endsWith("_rng")) {
            return "stochastic rounding states";
        }
        if (name.equals("kt_xs") || name.equals("kt_acc") || name.equals("kt_row") || name.equals("kt_head_feature")) {
            return "kernel scratch";
        }
        if (name.endsWith("_ws") || name.endsWith("_b") || name.startsWith("kt_param_")) {
            return "trainable parameters";
        }
        return "runtime state";
    }

    private static String flashKind(String name, String type) {
        if (type.startsWith("kt_")) {
            return "operator descriptors";
        }
        if (name.endsWith("_w") || name.endsWith("_b")) {
            return "frozen weights and biases";
        }
        return "requantization and index tables";
    }

    /** The initializer text from after "=" to the ";" that ends it (braces balanced). */
    private static String initializer(String src, int from) {
        int depth = 0;
        for (int i = from; i < src.length(); i++) {
            char ch = src.charAt(i);
            if (ch == '{') {
                depth++;
            } else if (ch == '}') {
                depth--;
            } else if (ch == ';' && depth == 0) {
                return src.substring(from, i);
            }
        }
        throw new KtException("device footprint: unterminated initializer at offset " + from);
    }

    private static long values(String init) {
        String t = init.trim();
        if (t.startsWith("{")) {
            t = t.substring(1, t.lastIndexOf('}'));
        }
        long n = 0;
        for (String v : t.split(",")) {
            if (!v.isBlank()) {
                n++;
            }
        }
        return n;
    }

    /** Whether every value of the initializer is zero (GCC then puts the object in .bss). */
    private static boolean allZero(String init) {
        String t = init.replace("{", " ").replace("}", " ");
        for (String v : t.split(",")) {
            String s = v.trim();
            if (s.isEmpty()) {
                continue;
            }
            if (s.endsWith("u") || (s.endsWith("f") && !s.startsWith("0x") && !s.startsWith("-0x"))) {
                s = s.substring(0, s.length() - 1);
            }
            try {
                if (s.contains("p") || s.contains(".")) {
                    if (Float.floatToRawIntBits(Float.parseFloat(s)) != 0) {
                        return false;
                    }
                } else if (Long.decode(s) != 0) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false; // NAN, INT32_MIN, a pointer: not zero
            }
        }
        return true;
    }

    /** A dimension: a number, a #define, or the arena's "(KT_ARENA_BYTES + 7u) / 8u". */
    private static long eval(String dim, Map<String, Long> defines, String name) {
        String s = dim.replace(" ", "");
        for (Map.Entry<String, Long> e : defines.entrySet()) {
            s = s.replace(e.getKey(), Long.toString(e.getValue()));
        }
        s = s.replaceAll("([0-9])u", "$1");
        Matcher ceil = Pattern.compile("\\(([0-9]+)\\+([0-9]+)\\)/([0-9]+)").matcher(s);
        if (ceil.matches()) {
            return (Long.parseLong(ceil.group(1)) + Long.parseLong(ceil.group(2))) / Long.parseLong(ceil.group(3));
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new KtException("device footprint: cannot size '" + name + "[" + dim + "]'");
        }
    }
}
