package kilotrain.compiler.memory;

import java.util.List;
import java.util.Locale;
import kilotrain.KtException;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;

/** SRAM and flash budgets of the device, checked against a memory analysis with an actionable message. */
public final class Budget {
    private Budget() {
    }

    /** "256K", "1M", "300KB", "262144": K and M are binary (1024). */
    public static long parse(String text, String option) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (t.endsWith("K")) {
            unit = 1024;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("M")) {
            unit = 1024 * 1024;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.trim());
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v * unit;
        } catch (NumberFormatException e) {
            throw new KtException(option + ": '" + text + "' is not a size; use e.g. 256K, 1M or 262144 (bytes)");
        }
    }

    public static void checkSram(DeviceProgram a, Variant v, long budget) {
        long total = a.sramTotal(v);
        if (total <= budget) {
            return;
        }
        int peak = v.peakStep();
        Instr at = v.step().get(peak);
        StringBuilder live = new StringBuilder();
        List<Buf> bufs = v.liveness().liveAt(peak);
        int shown = 0;
        for (Buf b : bufs) {
            if (shown++ == 8) {
                live.append(", ... (").append(bufs.size() - 8).append(" more)");
                break;
            }
            live.append(shown > 1 ? ", " : "").append(b.name).append(' ').append(String.format("%,d", b.bytes()));
        }
        throw new KtException(String.format("SRAM budget %,d bytes exceeded: the training step needs %,d bytes "
                + "(arena %,d + trainable parameters %,d + optimizer state %,d + float master copies %,d); the arena "
                + "peaks at instruction %d (%s) with these tensors live: %s. Smallest SRAM budget that fits: %,d bytes "
                + "(%s)", budget, total, v.plan().arenaBytes(), a.trainableBytes, a.optimizerBytes, a.shadowBytes,
                peak, at.op(), live, total, kib(total)));
    }

    public static void checkFlash(DeviceProgram a, long budget) {
        if (a.flashBytes > budget) {
            throw new KtException(String.format("flash budget %,d bytes exceeded: the weights and biases of the "
                    + "step's operators take %,d bytes. Smallest flash budget that fits: %,d bytes (%s)", budget,
                    a.flashBytes, a.flashBytes, kib(a.flashBytes)));
        }
    }

    static String kib(long bytes) {
        return (bytes + 1023) / 1024 + "K";
    }
}
