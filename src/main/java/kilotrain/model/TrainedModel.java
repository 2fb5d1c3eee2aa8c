package kilotrain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import kilotrain.KtException;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.program.TrainState;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.Int8WeightUpdate;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import kilotrain.util.AtomicFiles;

/**
 * A fine-tuned model: the original model file (embedded, so the file stands alone), the scheme and classes it was
 * trained for, and the values of every trained parameter exactly as the device holds them. Format ".ktm", a zip:
 * <ul>
 * <li>{@code manifest.json}: {@code format} "kilotrain-model", {@code version} 1, {@code base} (file name),
 * {@code base_sha256}, {@code image_size}, {@code scheme} (the scheme file format), {@code classes}, {@code seed},
 * {@code keep_classifier}, {@code head} ("float" or "int8"; absent: float), {@code options}
 * (qas, momentum, weight_rule, bias_rule), {@code input} (the input it was trained on: {@code rule} in words,
 * {@code resize_shorter}, {@code tables}: per channel the 256 int8 values of the pixel values, hex; absent in models
 * saved by kilotrain before it recorded them), and {@code params}: for each, {@code name}, {@code role},
 * {@code conv} (index), {@code dtype}, {@code elements}, {@code kept_channels}, {@code file};</li>
 * <li>{@code base/NAME}: the original model's bytes;</li>
 * <li>{@code params/NAME.bin}: the parameter's values, little-endian int8 / int32 / float32, in the slice layout of
 * the training program (conv weights {@code [cout, kh, kw, kept]}, depthwise {@code [kept * mult, kh, kw, 1]}; the
 * float head's weights {@code [classes, features]}, row-major) - the same bytes the generated C exports.</li>
 * </ul>
 */
public final class TrainedModel {
    public static final String FORMAT = "kilotrain-model";
    private static final ObjectMapper JSON = new ObjectMapper();

    public final String baseName;
    public final byte[] baseBytes;
    /** Input resolution the base model was built for (0: its own). */
    public final int imageSize;
    public final Graph graph;
    public final Scheme scheme;
    public final List<String> classes;
    public final long seed;
    public final Program program;
    public final TrainState state;
    /** The input it was fine-tuned on; null when unknown (models saved before it was recorded). */
    public final TrainedInput input;

    public TrainedModel(String baseName, byte[] baseBytes, int imageSize, Graph graph, Scheme scheme, List<String> classes, long seed,
            Program program, TrainState state) {
        this(baseName, baseBytes, imageSize, graph, scheme, classes, seed, program, state, null);
    }

    public TrainedModel(String baseName, byte[] baseBytes, int imageSize, Graph graph, Scheme scheme, List<String> classes, long seed,
            Program program, TrainState state, TrainedInput input) {
        this.baseName = baseName;
        this.baseBytes = baseBytes;
        this.imageSize = imageSize;
        this.graph = graph;
        this.scheme = scheme;
        this.classes = List.copyOf(classes);
        this.seed = seed;
        this.program = program;
        this.state = state;
        this.input = input;
    }

    /** The same model with other parameter values (what the device trained from it). */
    public TrainedModel withState(TrainState s) {
        return new TrainedModel(baseName, baseBytes, imageSize, graph, scheme, classes, seed, program, s, input);
    }

    /** Whether a file is a kilotrain model (a zip whose first entry is manifest.json). */
    public static boolean looksLike(Path file) {
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e = z.getNextEntry();
            return e != null && e.getName().equals("manifest.json");
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    public void save(Path out) {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("version", 1);
        m.put("base", baseName);
        m.put("base_sha256", sha256(baseBytes));
        m.put("image_size", imageSize);
        m.set("scheme", scheme.toJson());
        m.set("classes", JSON.valueToTree(classes));
        m.put("seed", seed);
        m.put("keep_classifier", program.keepsClassifier());
        m.put("task", TrainSpec.Task.of(program).cli());
        m.put("head", (program.int8Head() ? TrainSpec.Head.INT8 : TrainSpec.Head.FLOAT).cli());
        ObjectNode o = m.putObject("options");
        TrainState.Options opt = state.options();
        o.put("qas", opt.qas());
        o.put("momentum", opt.momentum());
        o.put("weight_rule", opt.weightRule().name());
        o.put("bias_rule", opt.biasRule().name());
        o.put("max_step", opt.maxStep());
        o.put("rule_seed", opt.seed());
        if (input != null) {
            input.write(m.putObject("input"));
        }
        ArrayNode ps = m.putArray("params");
        Map<String, byte[]> blobs = new HashMap<>();
        for (Param p : program.params) {
            ObjectNode n = ps.addObject();
            n.put("name", p.name);
            n.put("role", p.role.name());
            if (p.conv != null) {
                n.put("conv", p.conv.index);
                if (p.conv.keptChannels != null) {
                    n.set("kept_channels", JSON.valueToTree(p.conv.keptChannels));
                }
            }
            n.put("dtype", p.value.dtype.name());
            n.put("elements", p.value.elements);
            n.put("file", "params/" + p.name + ".bin");
            blobs.put(p.name, toBytes(state.value(p)));
        }
        AtomicFiles.write(out, os -> {
            try (ZipOutputStream z = new ZipOutputStream(os)) {
                z.putNextEntry(new ZipEntry("manifest.json"));
                z.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
                z.closeEntry();
                z.putNextEntry(new ZipEntry("base/" + baseName));
                z.write(baseBytes);
                z.closeEntry();
                for (Param p : program.params) {
                    z.putNextEntry(new ZipEntry("params/" + p.name + ".bin"));
                    z.write(blobs.get(p.name));
                    z.closeEntry();
                }
            }
        });
    }

    public static TrainedModel load(Path file) {
        Map<String, byte[]> entries = new HashMap<>();
        long budget = 0;
        try {
            budget = Files.size(file) * 64 + (1 << 20);
        } catch (IOException e) {
            throw new KtException("cannot read model " + file + ": " + e.getMessage());
        }
        long total = 0;
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                byte[] b = readCapped(z, budget - total, file, e.getName());
                total += b.length;
                entries.put(e.getName(), b);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new KtException("kilotrain model " + file + " is not a readable zip: " + e.getMessage());
        }
        byte[] manifest = entries.get("manifest.json");
        if (manifest == null) {
            throw new KtException("kilotrain model " + file + " has no manifest.json");
        }
        JsonNode m;
        try {
            m = JSON.readTree(manifest);
        } catch (IOException e) {
            throw new KtException("kilotrain model " + file + ": manifest.json is not valid JSON: " + e.getMessage());
        }
        if (!FORMAT.equals(m.path("format").asText()) || m.path("version").asInt() != 1) {
            throw new KtException("kilotrain model " + file + ": unknown format " + m.path("format").asText() + " version "
                    + m.path("version").asText());
        }
        String baseName = m.path("base").asText();
        byte[] base = entries.get("base/" + baseName);
        if (base == null || !sha256(base).equals(m.path("base_sha256").asText())) {
            throw new KtException("kilotrain model " + file + ": the embedded base model base/" + baseName
                    + " is missing or does not match its checksum");
        }
        int imageSize = m.path("image_size").asInt(0);
        Graph g = loadBase(baseName, base, imageSize, file);
        Scheme scheme = Scheme.fromJson(m.path("scheme"), "scheme of kilotrain model " + file, "scheme");
        List<String> classes = new ArrayList<>();
        m.path("classes").forEach(c -> classes.add(c.asText()));
        long seed = m.path("seed").asLong();
        JsonNode o = m.path("options");
        TrainState.Options opt;
        try {
            opt = new TrainState.Options(o.path("qas").asBoolean(true), (float) o.path("momentum").asDouble(0),
                    WeightRounding.valueOf(o.path("weight_rule").asText("STOCHASTIC")),
                    BiasRounding.valueOf(o.path("bias_rule").asText("FLOAT_SHADOW")), o.path("rule_seed").asInt(),
                    (float) o.path("max_step").asDouble(Int8WeightUpdate.UNLIMITED));
        } catch (IllegalArgumentException e) {
            throw new KtException("kilotrain model " + file + ": unknown update rule in options: " + e.getMessage());
        }
        TrainSpec.Head head;
        try {
            head = TrainSpec.Head.parse(m.path("head").asText("float"));
        } catch (KtException e) {
            throw new KtException("kilotrain model " + file + ": " + e.getMessage());
        }
        TrainSpec.Task task;
        try {
            task = TrainSpec.Task.saved(m.path("task").asText("classify"));
        } catch (KtException e) {
            throw new KtException("kilotrain model " + file + ": " + e.getMessage());
        }
        Program program = TrainCompiler.compile(g, task == TrainSpec.Task.CLASSIFY
                ? new TrainSpec(scheme, classes.size(), seed, m.path("keep_classifier").asBoolean(false), head)
                : TrainSpec.of(task, scheme, task == TrainSpec.Task.AUTOENCODE
                        ? g.ops.get(TrainCompiler.classifierIndex(g)).output().elements() : classes.size(), seed, head));
        TrainState state = new TrainState(program, opt);
        Map<String, JsonNode> listed = new HashMap<>();
        m.path("params").forEach(n -> listed.put(n.path("name").asText(), n));
        for (Param p : program.params) {
            JsonNode n = listed.get(p.name);
            byte[] blob = entries.get("params/" + p.name + ".bin");
            if (n == null || blob == null) {
                throw new KtException("kilotrain model " + file + " lacks parameter " + p.name);
            }
            if (p.conv != null && p.conv.keptChannels != null) {
                int[] kept = JSON.convertValue(n.path("kept_channels"), int[].class);
                if (!java.util.Arrays.equals(kept, p.conv.keptChannels)) {
                    throw new KtException("kilotrain model " + file + ": parameter " + p.name
                            + " was trained on other channels than the scheme selects now");
                }
            }
            if (blob.length != p.value.bytes()) {
                throw new KtException("kilotrain model " + file + ": parameter " + p.name + " has " + blob.length
                        + " bytes, expected " + p.value.bytes());
            }
            state.setValue(p, fromBytes(blob, p));
        }
        TrainedInput in = TrainedInput.read(m.path("input"), g.input, "kilotrain model " + file);
        return new TrainedModel(baseName, base, imageSize, g, scheme, classes, seed, program, state, in);
    }

    /** Imports the embedded base model through a temporary file (the importers read files). */
    static Graph loadBase(String name, byte[] bytes, int imageSize, Path where) {
        Path tmp = null;
        try {
            String suffix = name.contains(".") ? name.substring(name.lastIndexOf('.')) : ".bin";
            tmp = Files.createTempFile("kilotrain-base", suffix);
            Files.write(tmp, bytes);
            return ModelLoader.load(tmp, imageSize);
        } catch (IOException e) {
            throw new KtException("cannot unpack the base model of " + where + ": " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }

    private static byte[] readCapped(InputStream in, long cap, Path file, String entry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int r;
        while ((r = in.read(buf)) > 0) {
            if (out.size() + r > cap) {
                throw new KtException("kilotrain model " + file + ": entry " + entry + " expands beyond any plausible size");
            }
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }

    static byte[] toBytes(Object v) {
        if (v instanceof byte[] b) {
            return b;
        }
        if (v instanceof int[] a) {
            ByteBuffer bb = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bb.asIntBuffer().put(a);
            return bb.array();
        }
        float[] f = (float[]) v;
        ByteBuffer bb = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(f);
        return bb.array();
    }

    static Object fromBytes(byte[] b, Param p) {
        switch (p.value.dtype) {
            case INT8:
                return b;
            case INT32: {
                int[] a = new int[b.length / 4];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(a);
                return a;
            }
            default: {
                float[] f = new float[b.length / 4];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
                return f;
            }
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
