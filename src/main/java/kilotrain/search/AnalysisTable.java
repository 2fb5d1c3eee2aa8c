package kilotrain.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import kilotrain.KtException;
import kilotrain.util.AtomicFiles;

/**
 * The result of a contribution analysis: test accuracy of the classifier-only baseline, gain of each bias depth k
 * over it, and gain of each (conv, ratio) over the bias-only baseline {@link #weightBaseK}. Written as
 * {@code analysis.json} (what {@code plan} reads), {@code analysis.csv} and {@code heatmap.png}.
 */
public final class AnalysisTable {
    public final String model;
    public final int backboneConvs;
    public final int weightBaseK;
    public final double baselineAccuracy;
    /** k -> accuracy of bias-only:k. */
    public final TreeMap<Integer, Double> biasAccuracy;
    /** conv -> ratio -> accuracy of bias-only:weightBaseK plus that conv's weights at that ratio. */
    public final TreeMap<Integer, TreeMap<Double, Double>> weightAccuracy;
    public final ObjectNode settings;

    public AnalysisTable(String model, int backboneConvs, int weightBaseK, double baselineAccuracy,
            TreeMap<Integer, Double> biasAccuracy, TreeMap<Integer, TreeMap<Double, Double>> weightAccuracy,
            ObjectNode settings) {
        this.model = model;
        this.backboneConvs = backboneConvs;
        this.weightBaseK = weightBaseK;
        this.baselineAccuracy = baselineAccuracy;
        this.biasAccuracy = biasAccuracy;
        this.weightAccuracy = weightAccuracy;
        this.settings = settings;
    }

    /** A model's name in analyses, schemes and the published schemes: its file name without the extension. */
    public static String stem(Path model) {
        String f = model.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    public static AnalysisTable of(String model, int backboneConvs, int weightBaseK, Map<Measurement, Double> acc,
            ObjectNode settings) {
        double base = Double.NaN;
        TreeMap<Integer, Double> bias = new TreeMap<>();
        TreeMap<Integer, TreeMap<Double, Double>> weights = new TreeMap<>();
        for (Map.Entry<Measurement, Double> e : acc.entrySet()) {
            Measurement m = e.getKey();
            switch (m.kind()) {
                case BASELINE -> base = e.getValue();
                case BIAS -> bias.put(m.biasK(), e.getValue());
                case WEIGHT -> weights.computeIfAbsent(m.conv(), c -> new TreeMap<>()).put(m.ratio(), e.getValue());
            }
        }
        return new AnalysisTable(model, backboneConvs, weightBaseK, base, bias, weights, settings);
    }

    public double biasGain(int k) {
        return k == 0 ? 0 : biasAccuracy.get(k) - baselineAccuracy;
    }

    /** Gain of one weight layer over the bias-only baseline it was measured on. */
    public double weightGain(int conv, double ratio) {
        Double base = biasAccuracy.get(weightBaseK);
        Double a = weightAccuracy.getOrDefault(conv, new TreeMap<>()).get(ratio);
        if (base == null || a == null) {
            return Double.NaN;
        }
        return a - base;
    }

    /**
     * The mean of analyses of the same measurements (typically the same command under other seeds): each accuracy is
     * averaged, which divides the variance of every gain by the number of analyses. {@code names} label the tables in
     * errors.
     */
    public static AnalysisTable mean(List<AnalysisTable> tables, List<?> names) {
        AnalysisTable first = tables.get(0);
        int n = tables.size();
        double base = 0;
        TreeMap<Integer, Double> bias = new TreeMap<>();
        TreeMap<Integer, TreeMap<Double, Double>> w = new TreeMap<>();
        for (int t = 0; t < n; t++) {
            AnalysisTable a = tables.get(t);
            Object name = names.get(t);
            if (a.backboneConvs != first.backboneConvs || !a.model.equals(first.model)) {
                throw new KtException("analysis " + name + " is of " + a.model + " (" + a.backboneConvs
                        + " backbone convs), " + names.get(0) + " of " + first.model + " (" + first.backboneConvs + ")");
            }
            if (a.weightBaseK != first.weightBaseK && !first.weightAccuracy.isEmpty()) {
                throw new KtException("analysis " + name + " measures weights over bias-only:" + a.weightBaseK + ", "
                        + names.get(0) + " over bias-only:" + first.weightBaseK + "; rerun it with --weight-base-k "
                        + first.weightBaseK);
            }
            if (!a.biasAccuracy.keySet().equals(first.biasAccuracy.keySet())
                    || !sameWeights(a.weightAccuracy, first.weightAccuracy)) {
                throw new KtException("analyses " + names.get(0) + " and " + name + " measured different bias depths, "
                        + "convs or ratios; only analyses of the same measurements can be averaged");
            }
            base += a.baselineAccuracy / n;
            a.biasAccuracy.forEach((k, v) -> bias.merge(k, v / n, Double::sum));
            a.weightAccuracy.forEach((c, m) -> m.forEach((r, v) ->
                    w.computeIfAbsent(c, x -> new TreeMap<>()).merge(r, v / n, Double::sum)));
        }
        ObjectNode settings = first.settings.deepCopy();
        settings.put("analyses_averaged", n);
        return new AnalysisTable(first.model, first.backboneConvs, first.weightBaseK, base, bias, w, settings);
    }

    /**
     * The same table with every gain moved {@code sigmas} standard errors toward zero (a gain smaller than that
     * becomes 0), the standard error being that of an accuracy near the bias baseline's on the analysis' test set,
     * {@code sqrt(p (1 - p) / n)}. Maximising a sum of noisy gains favours the cells whose noise happened to be
     * positive, the more the more cells a scheme can add; shrinking keeps only gains the test set can tell from noise.
     */
    public AnalysisTable shrunk(double sigmas) {
        if (sigmas == 0) {
            return this;
        }
        int n = settings.path("test_samples").asInt(0);
        if (n <= 0) {
            throw new KtException("the analysis records no test sample count, so its gains cannot be shrunk by their "
                    + "standard error");
        }
        // the mean of m analyses has 1/m of one analysis' variance
        long samples = (long) n * Math.max(1, settings.path("analyses_averaged").asInt(1));
        Double baseAcc = biasAccuracy.get(weightBaseK);
        double p = baseAcc != null ? baseAcc : baselineAccuracy;
        double t = sigmas * Math.sqrt(p * (1 - p) / samples);
        TreeMap<Integer, Double> bias = new TreeMap<>();
        biasAccuracy.forEach((k, a) -> bias.put(k, baselineAccuracy + soft(a - baselineAccuracy, t)));
        TreeMap<Integer, TreeMap<Double, Double>> w = new TreeMap<>();
        weightAccuracy.forEach((c, m) -> m.forEach((r, a) -> w.computeIfAbsent(c, x -> new TreeMap<>())
                .put(r, baseAcc == null ? a : bias.get(weightBaseK) + soft(a - baseAcc, t))));
        ObjectNode st = settings.deepCopy();
        st.put("gains_shrunk_by", t);
        return new AnalysisTable(model, backboneConvs, weightBaseK, baselineAccuracy, bias, w, st);
    }

    private static double soft(double gain, double t) {
        return Math.signum(gain) * Math.max(0, Math.abs(gain) - t);
    }

    private static boolean sameWeights(TreeMap<Integer, TreeMap<Double, Double>> a,
            TreeMap<Integer, TreeMap<Double, Double>> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (int c : a.keySet()) {
            if (!a.get(c).keySet().equals(b.get(c).keySet())) {
                return false;
            }
        }
        return true;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model);
        o.put("backbone_convs", backboneConvs);
        o.put("weight_base_k", weightBaseK);
        o.put("baseline_accuracy", baselineAccuracy);
        ArrayNode b = o.putArray("bias");
        for (Map.Entry<Integer, Double> e : biasAccuracy.entrySet()) {
            ObjectNode n = b.addObject();
            n.put("k", e.getKey());
            n.put("accuracy", e.getValue());
            n.put("gain", biasGain(e.getKey()));
        }
        ArrayNode w = o.putArray("weights");
        for (Map.Entry<Integer, TreeMap<Double, Double>> e : weightAccuracy.entrySet()) {
            for (Map.Entry<Double, Double> r : e.getValue().entrySet()) {
                ObjectNode n = w.addObject();
                n.put("conv", e.getKey());
                n.put("ratio", r.getKey());
                n.put("accuracy", r.getValue());
                n.put("gain", weightGain(e.getKey(), r.getKey()));
            }
        }
        o.set("settings", settings);
        return o;
    }

    public String toCsv() {
        StringBuilder sb = new StringBuilder("kind,bias_k,conv,ratio,accuracy,gain,gain_over\n");
        sb.append(String.format(Locale.ROOT, "baseline,0,,,%.6f,0,%n", baselineAccuracy));
        for (Map.Entry<Integer, Double> e : biasAccuracy.entrySet()) {
            sb.append(String.format(Locale.ROOT, "bias,%d,,,%.6f,%.6f,classifier-only%n", e.getKey(), e.getValue(),
                    biasGain(e.getKey())));
        }
        for (Map.Entry<Integer, TreeMap<Double, Double>> e : weightAccuracy.entrySet()) {
            for (Map.Entry<Double, Double> r : e.getValue().entrySet()) {
                sb.append(String.format(Locale.ROOT, "weight,%d,%d,%s,%.6f,%.6f,bias-only:%d%n", weightBaseK,
                        e.getKey(), Measurement.ratioText(r.getKey()), r.getValue(),
                        weightGain(e.getKey(), r.getKey()), weightBaseK));
            }
        }
        return sb.toString();
    }

    public void write(Path dir) {
        AtomicFiles.write(dir.resolve("analysis.json"),
                out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, toJson()));
        AtomicFiles.writeString(dir.resolve("analysis.csv"), toCsv());
        List<Integer> convs = new ArrayList<>(weightAccuracy.keySet());
        TreeSet<Double> ratioSet = new TreeSet<>();
        weightAccuracy.values().forEach(m -> ratioSet.addAll(m.keySet()));
        List<Double> ratios = new ArrayList<>(ratioSet);
        double[][] gains = new double[convs.size()][ratios.size()];
        for (int i = 0; i < convs.size(); i++) {
            for (int j = 0; j < ratios.size(); j++) {
                gains[i][j] = weightGain(convs.get(i), ratios.get(j));
            }
        }
        List<String> cols = ratios.stream().map(Measurement::ratioText).toList();
        List<String> rows = convs.stream().map(c -> "conv " + c).toList();
        HeatMap.write(dir.resolve("heatmap.png"), String.format(Locale.ROOT,
                "%s: test-accuracy gain (points) of each conv's weights over bias-only:%d (%.2f %%)", model,
                weightBaseK, 100 * biasAccuracy.getOrDefault(weightBaseK, Double.NaN)), rows, cols, gains);
    }

    /** Reads {@code analysis.json} from an analysis folder (or the file itself). */
    public static AnalysisTable read(Path dirOrFile) {
        Path f = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("analysis.json") : dirOrFile;
        JsonNode root;
        try {
            root = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new KtException("cannot read analysis " + f + ": " + e.getMessage()
                    + " (run 'kilotrain analyze ... --out DIR' first)");
        }
        if (root == null || !root.path("baseline_accuracy").isNumber() || !root.path("backbone_convs").isInt()) {
            throw new KtException(f + ": not an analysis file (no baseline_accuracy / backbone_convs)");
        }
        TreeMap<Integer, Double> bias = new TreeMap<>();
        for (JsonNode n : root.path("bias")) {
            bias.put(n.path("k").asInt(), n.path("accuracy").asDouble());
        }
        TreeMap<Integer, TreeMap<Double, Double>> w = new TreeMap<>();
        for (JsonNode n : root.path("weights")) {
            w.computeIfAbsent(n.path("conv").asInt(), c -> new TreeMap<>()).put(n.path("ratio").asDouble(),
                    n.path("accuracy").asDouble());
        }
        int baseK = root.path("weight_base_k").asInt();
        if (!w.isEmpty() && !bias.containsKey(baseK)) {
            throw new KtException(f + ": weight gains are over bias-only:" + baseK + " but that baseline is missing");
        }
        JsonNode s = root.path("settings");
        return new AnalysisTable(root.path("model").asText(), root.get("backbone_convs").asInt(), baseK,
                root.get("baseline_accuracy").asDouble(), bias, w,
                s.isObject() ? (ObjectNode) s : JSON.createObjectNode());
    }
}
