package kilotrain.device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.codegen.CGenerator;
import kilotrain.ir.Conv2D;
import kilotrain.ops.conv.ConvDwFwd;
import kilotrain.ops.conv.ConvFwd;
import kilotrain.ops.conv.ConvInputGrad;
import kilotrain.ops.conv.ConvWeightGrad;
import kilotrain.ops.conv.ConvWeightUpdate;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.TrainedConv;
import kilotrain.ops.fc.FcFwd;
import kilotrain.ops.head.HeadBwd;
import kilotrain.ops.head.HeadFwd;
import kilotrain.ops.update.Update;
import kilotrain.program.Program;

/**
 * Where the device step spends its ticks ({@code device-bench --profile}): the project {@link DeviceBench#run} built
 * is built again with {@code -DKT_PROFILE} (a SysTick read after every statement of {@code kt_train_step}) and run on
 * the same samples; its losses, prediction and parameters must equal the unprofiled run's bit for bit.
 *
 * <p>Per row: ticks per step, the work of the instruction (multiply-accumulates, or element operations for non-MAC
 * work), emulated instructions per MAC, and a lower bound in instructions: {@code ceil(MACs / 2)} (one SMLAD does two
 * int8 MACs) plus one 32-bit load or store per word the instruction must touch at least once (every byte of the
 * buffers it reads, the constant weights and biases it reads from flash, and every byte it writes, each rounded up
 * to whole words). The bound ignores addressing, requantization, float arithmetic and loop control, so no real
 * kernel reaches it; the ratio ticks / bound says how far each row is from what the core's SIMD could do at best.
 */
public record StepProfile(Board board, int steps, List<Row> rows, long profiledTicksPerStep) {

    /** One statement of the step: its ticks per step (the sum over the steps run / steps) and its work. */
    public record Row(int index, String op, String what, long ticks, long macs, long elementOps, long boundInstructions,
            boolean floatMacs) {
        /**
         * The bound under the bit-exact contract: float multiply-adds (gradients, the float head) stay one VMUL and
         * one VADD each (no fused multiply-add, the summation order fixed), so 2 instructions per MAC, not 1/2.
         */
        public long contractBoundInstructions() {
            return floatMacs ? boundInstructions - (macs + 1) / 2 + 2 * macs : boundInstructions;
        }
    }

    /** Runs {@code make profile-qemu} in {@code dir} (a project {@link DeviceBench#run} built and ran for {@code order}). */
    public static StepProfile measure(Program p, List<Instr> order, Board board, Path dir, int steps,
            long timeoutSeconds) {
        String out = DeviceBench.exec(dir, List.of("make", "-s", "profile-qemu"), timeoutSeconds,
                "running the profiled step on QEMU");
        String plain;
        try {
            plain = java.nio.file.Files.readString(dir.resolve(DeviceBench.LOG));
        } catch (java.io.IOException e) {
            throw new KtException("cannot read the unprofiled run's output " + dir.resolve(DeviceBench.LOG) + ": "
                    + e.getMessage());
        }
        String diff = sameResults(plain, out);
        if (diff != null) {
            throw new KtException("the profiled build (-DKT_PROFILE) computed different results: " + diff);
        }
        List<String> what = new ArrayList<>();
        List<long[]> work = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        ops.add("entry");
        what.add("label check, first-step init, input copy");
        work.add(new long[] {0, p.input.elements, words(p.input.bytes()) * 2, 0});
        for (Instr in : order) {
            ops.add(in.op());
            what.add(layer(in));
            work.add(work(in));
        }
        for (Param q : CGenerator.trailingUpdates(p, order)) {
            Update u = new Update(q);
            ops.add(u.op());
            what.add(q.name);
            work.add(work(u));
        }
        long[] ticks = new long[ops.size()];
        int seen = 0;
        for (String line : out.split("\n")) {
            String[] t = line.trim().split(" ");
            if (t.length == 3 && t[0].equals("profile")) {
                int r = Integer.parseInt(t[1]);
                if (r < 0 || r >= ticks.length) {
                    throw new KtException("profile row " + r + " outside the step's " + ticks.length + " rows");
                }
                ticks[r] = Long.parseLong(t[2]);
                seen++;
            }
        }
        if (seen != ticks.length) {
            throw new KtException("the profiled device printed " + seen + " of " + ticks.length + " rows:\n"
                    + DeviceBench.tail(out));
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ticks.length; i++) {
            long[] w = work.get(i);
            rows.add(new Row(i, ops.get(i), what.get(i), ticks[i] / steps, w[0], w[1], w[2], w[3] != 0));
        }
        return new StepProfile(board, steps, List.copyOf(rows), DeviceBench.value(out, "ticks_per_step"));
    }

    /** Null when both device outputs print the same losses, prediction, logits and parameters; else the first difference. */
    public static String sameResults(String a, String b) {
        List<String> ra = results(a), rb = results(b);
        for (int i = 0; i < Math.min(ra.size(), rb.size()); i++) {
            if (!ra.get(i).equals(rb.get(i))) {
                return "'" + ra.get(i) + "' without profiling, '" + rb.get(i) + "' with";
            }
        }
        return ra.size() == rb.size() ? null : ra.size() + " result lines without profiling, " + rb.size() + " with";
    }

    /** The result lines of a device run: step lines without their ticks, the prediction, the parameter dump. */
    private static List<String> results(String out) {
        List<String> r = new ArrayList<>();
        boolean params = false;
        for (String line : out.split("\n")) {
            if (line.startsWith("step ")) {
                int t = line.indexOf(" ticks ");
                r.add(t < 0 ? line : line.substring(0, t));
            } else if (line.startsWith("predict ") || params) {
                r.add(line);
            } else if (line.startsWith("params ")) {
                r.add(line);
                params = true;
            }
        }
        return r;
    }

    /** {MACs, element operations, lower bound in instructions, 1 when the MACs are float} of one instruction. */
    static long[] work(Instr in) {
        if (in.inPlaceScratch() != null) {
            // an in-place kernel: its plain instruction's work, and its scratch written and read once more
            long[] w = work(in.outOfPlace());
            w[2] += 2 * words(in.inPlaceScratch().bytes());
            return w;
        }
        long macs = 0, elems = 0, constBytes = 0;
        boolean floats = in instanceof ConvInputGrad || in instanceof ConvWeightGrad || in instanceof ConvWeightUpdate
                || in instanceof HeadFwd || in instanceof HeadBwd;
        if (in instanceof ConvFwd c) {
            macs = c.conv().macs();
            constBytes = (c.weight() == null ? c.conv().weight.bytes() : 0) + (c.bias() == null ? biasBytes(c.conv()) : 0);
        } else if (in instanceof ConvDwFwd d) {
            macs = d.conv().macs() + d.dw().macs();
            constBytes = d.conv().weight.bytes() + biasBytes(d.conv()) + d.dw().weight.bytes() + biasBytes(d.dw());
        } else if (in instanceof ConvInputGrad g) {
            macs = g.conv().macs();
            constBytes = g.weight() == null ? g.conv().weight.bytes() : 0;
        } else if (in instanceof ConvWeightGrad w) {
            macs = weightGradMacs(w.conv(), w.trained());
        } else if (in instanceof ConvWeightUpdate u) {
            macs = weightGradMacs(u.conv(), u.trained());
            elems = u.param().value.elements;
        } else if (in instanceof FcFwd f) {
            macs = f.fc().macs();
            constBytes = f.fc().weight.bytes() + (f.fc().bias == null ? 0 : f.fc().bias.bytes());
        } else if (in instanceof HeadFwd h) {
            macs = h.weight().elements;
        } else if (in instanceof HeadBwd h) {
            macs = (long) h.weight().elements * (h.gFeature() == null ? 1 : 2);
        } else {
            for (Buf b : in.reads()) {
                elems = Math.max(elems, b.elements);
            }
            for (Buf b : in.writes()) {
                elems = Math.max(elems, b.elements);
            }
        }
        long words = words(constBytes);
        for (Buf b : in.reads()) {
            words += words(b.bytes());
        }
        for (Buf b : in.writes()) {
            words += words(b.bytes());
        }
        return new long[] {macs, elems, (macs + 1) / 2 + words, floats ? 1 : 0};
    }

    /** The layer a row belongs to: the conv (and its output tensor) for conv instructions, else what it writes. */
    static String layer(Instr in) {
        if (in.inPlaceScratch() != null) {
            return layer(in.outOfPlace());
        }
        Conv2D c = in instanceof ConvFwd f ? f.conv() : in instanceof ConvInputGrad g ? g.conv()
                : in instanceof ConvWeightGrad w ? w.conv() : in instanceof ConvWeightUpdate u ? u.conv()
                : in instanceof kilotrain.ops.conv.ConvOutGrad o ? o.conv()
                : in instanceof kilotrain.ops.conv.ConvBiasGrad b ? b.conv() : null;
        if (in instanceof ConvDwFwd d) {
            return d.conv().name + "+" + d.dw().name + " " + d.dw().output.name;
        }
        if (c != null) {
            return c.name + " " + c.output.name;
        }
        return in.writes().isEmpty() ? "" : in.writes().get(0).name;
    }

    private static long biasBytes(Conv2D c) {
        return c.bias == null ? 0 : c.bias.bytes();
    }

    /** Every element of the trained weight slice sums over the output's pixels. */
    private static long weightGradMacs(Conv2D c, TrainedConv t) {
        return (long) t.weightSliceElements() * (c.output.elements() / c.output.channels());
    }

    private static long words(long bytes) {
        return (bytes + 3) / 4;
    }

    public long totalTicks() {
        return rows.stream().mapToLong(Row::ticks).sum();
    }

    public long totalMacs() {
        return rows.stream().mapToLong(Row::macs).sum();
    }

    public long totalBoundInstructions() {
        return rows.stream().mapToLong(Row::boundInstructions).sum();
    }

    public long totalContractBoundInstructions() {
        return rows.stream().mapToLong(Row::contractBoundInstructions).sum();
    }

    public long floatMacs() {
        return rows.stream().filter(Row::floatMacs).mapToLong(Row::macs).sum();
    }

    /** The bound in ticks (instructions / the board's instructions per tick). */
    public double boundTicks(Row r) {
        return r.boundInstructions() / board.instructionsPerTick();
    }

    /** Emulated instructions per MAC of a row; NaN for a row without MACs. */
    public double instructionsPerMac(Row r) {
        return r.macs() == 0 ? Double.NaN : r.ticks() * board.instructionsPerTick() / r.macs();
    }

    /** The text table: the {@code top} rows by ticks, then the totals against the bound. */
    public String table(int top) {
        StringBuilder s = new StringBuilder();
        double ipt = board.instructionsPerTick();
        s.append(String.format("profile (%s, %s instructions per tick; per step, summed over %d steps / %d):%n",
                board.name(), ipt, steps, steps));
        s.append(String.format("%4s  %-24s %-38s %10s %6s %12s %11s %8s %10s %7s%n", "#", "op", "layer", "ticks",
                "%", "MACs", "elem ops", "instr/MAC", "bound", "x bound"));
        long total = totalTicks();
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> Long.compare(b.ticks(), a.ticks()));
        for (Row r : sorted.subList(0, Math.min(top, sorted.size()))) {
            s.append(String.format("%4d  %-24s %-38s %,10d %5.1f%% %,12d %,11d %8s %,10.0f %7.1f%n", r.index(), r.op(),
                    cut(r.what(), 38), r.ticks(), 100.0 * r.ticks() / total, r.macs(), r.elementOps(),
                    r.macs() == 0 ? "-" : String.format("%.2f", instructionsPerMac(r)), boundTicks(r),
                    r.ticks() / Math.max(1e-9, boundTicks(r))));
        }
        if (top < sorted.size()) {
            s.append(String.format("      (%d more rows: %,d ticks)%n", sorted.size() - top,
                    sorted.subList(top, sorted.size()).stream().mapToLong(Row::ticks).sum()));
        }
        double bound = totalBoundInstructions() / ipt;
        s.append(String.format("step: %,d ticks in %d rows (profiled build's own ticks_per_step %,d); %,d MACs, "
                + "%.2f instructions per MAC; lower bound %,.0f ticks (%,d instructions: MACs / 2 per SMLAD + one "
                + "load or store per word touched), step = %.2f x bound%n", total, rows.size(), profiledTicksPerStep,
                totalMacs(), total * ipt / Math.max(1, totalMacs()), bound, totalBoundInstructions(), total / bound));
        double contract = totalContractBoundInstructions() / ipt;
        s.append(String.format("of the MACs %,d are float (input and weight gradients, float head: one VMUL + one VADD "
                + "each under the bit-exact contract); with those at 2 instructions per MAC the bound is %,.0f ticks, "
                + "step = %.2f x that%n", floatMacs(), contract, total / contract));
        return s.toString();
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : "..." + s.substring(s.length() - n + 3);
    }
}
