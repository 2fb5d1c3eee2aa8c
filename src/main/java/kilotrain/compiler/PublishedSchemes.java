package kilotrain.compiler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The sparse-update schemes published with the paper (product brief, part 3). */
public final class PublishedSchemes {
    private static final Map<String, Scheme> SCHEMES = new LinkedHashMap<>();

    static {
        add("mcunet-5fps:49kb", 20, "23 24 27 30 33 39", "0 1/4 1/2 1/2 0 0");
        add("mcunet-5fps:74kb", 21, "21 23 24 26 27 30", "1 0 1 0 1/2 1");
        add("mcunet-5fps:99kb", 22, "21 24 27 30 36 39", "1 1 1 1 1/8 1/4");
        add("mcunet-5fps:124kb", 24, "21 24 27 30 33 39", "1/4 1 1 1 1/2 1/2");
        add("mcunet-5fps:148kb", 23, "21 24 27 30 36 39", "1 1 1 1 1 1/2");
        add("mbv2-w0.35:49kb", 16, "36 39 40 41 42 45 48 49", "1 1 0 1/4 1/8 1/8 1/8 1/8");
        add("mbv2-w0.35:99kb", 25, "27 30 33 36 39 42 45 48", "1 1 1 1 1 1/8 1/2 1");
        add("mbv2-w0.35:138kb", 34, "27 30 33 36 39 42 45 48", "1 1 1 1 1 1 1 1");
        add("proxyless-w0.3:49kb", 21, "39 42 44 45 50 51 54 57", "1/4 1 0 1 0 1/8 1/4 1/4");
        add("proxyless-w0.3:98kb", 25, "36 39 42 45 48 51 54 57", "1 1/2 1 1 1/4 1/2 1 1");
        add("proxyless-w0.3:148kb", 45, "36 39 42 45 48 51 54 57", "1 1 1 1 1 1 1 1");
    }

    private static void add(String name, int biasK, String layers, String ratios) {
        String[] l = layers.split(" ");
        String[] r = ratios.split(" ");
        Map<Integer, Double> w = new TreeMap<>();
        for (int i = 0; i < l.length; i++) {
            w.put(Integer.parseInt(l[i]), Scheme.parseRatio(r[i], name));
        }
        SCHEMES.put(name, new Scheme(name, biasK, w, false));
    }

    private PublishedSchemes() {
    }

    public static Scheme get(String name) {
        return SCHEMES.get(name);
    }

    public static List<String> names() {
        return new ArrayList<>(SCHEMES.keySet());
    }

    /** Published schemes of one model, by the model's file stem (e.g. "mcunet-5fps"). */
    public static List<Scheme> forModel(String modelStem) {
        List<Scheme> out = new ArrayList<>();
        for (Map.Entry<String, Scheme> e : SCHEMES.entrySet()) {
            if (e.getKey().startsWith(modelStem + ":")) {
                out.add(e.getValue());
            }
        }
        return out;
    }
}
