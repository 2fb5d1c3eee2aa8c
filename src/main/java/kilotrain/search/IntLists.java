package kilotrain.search;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import kilotrain.KtException;

/** Parses the CLI's integer lists: "21,24,27", "21-41" and mixes like "2,4,8-12"; sorted, without repeats. */
public final class IntLists {
    private IntLists() {
    }

    public static List<Integer> parse(String text, String option) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    int a = Integer.parseInt(p.substring(0, dash).trim()), b = Integer.parseInt(p.substring(dash + 1).trim());
                    if (b < a) {
                        throw new KtException(option + ": range '" + p + "' runs backwards");
                    }
                    for (int i = a; i <= b; i++) {
                        out.add(i);
                    }
                } else {
                    out.add(Integer.parseInt(p));
                }
            } catch (NumberFormatException e) {
                throw new KtException(option + ": '" + p + "' is not an integer or a range like 21-41");
            }
        }
        if (out.isEmpty()) {
            throw new KtException(option + ": empty list");
        }
        return new ArrayList<>(out);
    }

    /** Channel ratios like "1/8,1/4,1/2,1". */
    public static List<Double> ratios(String text, String option) {
        TreeSet<Double> out = new TreeSet<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            double r;
            try {
                int slash = p.indexOf('/');
                r = slash > 0 ? Double.parseDouble(p.substring(0, slash)) / Double.parseDouble(p.substring(slash + 1))
                        : Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw new KtException(option + ": '" + p + "' is not a ratio like 1/4 or 0.25");
            }
            if (!(r > 0 && r <= 1)) {
                throw new KtException(option + ": ratio " + p + " is not in (0, 1]");
            }
            out.add(r);
        }
        return new ArrayList<>(out);
    }
}
