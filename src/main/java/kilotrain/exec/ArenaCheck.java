package kilotrain.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kilotrain.KtException;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * Proves an arena plan by running it: the same batch-1 training steps once with one array per buffer and once with
 * every transient buffer only at its planned offset in one arena ({@link TrainExecutor#arenaWorkspace}), each from
 * fresh parameters; the plan holds when every loss, every trained parameter and the final logits agree bit for bit.
 */
public final class ArenaCheck {
    private ArenaCheck() {
    }

    /** Loss bits per step of both runs, and the first difference found (null: bit-identical). */
    public record Result(int steps, int[] unplannedLoss, int[] arenaLoss, String firstDifference) {
        public boolean identical() {
            return firstDifference == null;
        }
    }

    /**
     * {@code compile --verify-arena}: the device program's step trained {@code steps} times on seeded random samples
     * from its planned arena and with one array per buffer, under its update rules and learning rate; a plan that
     * changes any bit is an error naming the first difference.
     */
    public static Result verify(DeviceProgram dp, int steps) {
        Program p = dp.program();
        int[] labels = new int[Math.min(steps, 8)];
        Result r = run(p, dp.plan(), dp.options, dp.lr, syntheticInputs(p, labels.length, 1, labels), labels, steps);
        if (!r.identical()) {
            throw new KtException("--verify-arena: the step run from the planned arena (" + dp.plan().strategy()
                    + ", " + dp.arenaBytes() + " bytes) differs from the unplanned step: " + r.firstDifference());
        }
        return r;
    }

    /**
     * Trains {@code steps} samples ({@code inputs[k % n]}, {@code labels[k % n]}) through {@code program}'s step in
     * its order, in-step updates at {@code lr}; parameters the step does not update in place get the batch-1 update
     * after it.
     */
    public static Result run(Program program, ArenaPlan plan, TrainState.Options options, float lr,
            List<byte[]> inputs, int[] labels, int steps) {
        ArenaLayout layout = ArenaLayout.of(program, plan);
        TrainExecutor plain = new TrainExecutor(program, new TrainState(program, options));
        TrainExecutor planned = new TrainExecutor(program, new TrainState(program, options));
        int[] la = train(plain, plain.workspace(), lr, inputs, labels, steps);
        TrainExecutor.Workspace arenaWs = planned.new Workspace(layout);
        int[] lb = train(planned, arenaWs, lr, inputs, labels, steps);
        String diff = null;
        for (int k = 0; k < steps && diff == null; k++) {
            if (la[k] != lb[k]) {
                diff = "step " + k + " loss: unplanned " + Float.intBitsToFloat(la[k]) + " (0x"
                        + Integer.toHexString(la[k]) + "), arena " + Float.intBitsToFloat(lb[k]) + " (0x"
                        + Integer.toHexString(lb[k]) + ")";
            }
        }
        for (int i = 0; i < program.params.size() && diff == null; i++) {
            Param q = program.params.get(i);
            if (!sameBits(plain.state().value(q), planned.state().value(q))) {
                diff = "parameter " + q.name + " differs after " + steps + " steps";
            }
        }
        if (diff == null) {
            float[] a = new float[program.numClasses], b = new float[program.numClasses];
            plain.predict(plain.workspace(), inputs.get(0), a);
            planned.predict(arenaWs, inputs.get(0), b);
            if (!sameBits(a, b)) {
                diff = "logits of sample 0 after training differ";
            }
        }
        if (diff != null) {
            diff += divergence(program, layout, options, lr, inputs, labels, steps);
        }
        return new Result(steps, la, lb, diff);
    }

    /**
     * Replays both runs comparing what every instruction wrote, and names the first instruction whose output differs:
     * the plan places a buffer it writes or reads over one that was still live.
     */
    private static String divergence(Program program, ArenaLayout layout, TrainState.Options options, float lr,
            List<byte[]> inputs, int[] labels, int steps) {
        int n = program.step.size();
        long[] expected = new long[steps * n];
        TrainExecutor plain = new TrainExecutor(program, new TrainState(program, options));
        TrainExecutor.Workspace pw = plain.workspace();
        int[] stepNo = {0};
        pw.trace = i -> expected[stepNo[0] * n + i] = digest(pw, program.step.get(i));
        for (stepNo[0] = 0; stepNo[0] < steps; stepNo[0]++) {
            train(plain, pw, lr, inputs.subList(stepNo[0] % inputs.size(), stepNo[0] % inputs.size() + 1),
                    new int[] {labels[stepNo[0] % inputs.size()]}, 1);
        }
        TrainExecutor planned = new TrainExecutor(program, new TrainState(program, options));
        TrainExecutor.Workspace aw = planned.new Workspace(layout);
        int[] first = {-1};
        aw.trace = i -> {
            if (first[0] < 0 && expected[stepNo[0] * n + i] != digest(aw, program.step.get(i))) {
                first[0] = i;
            }
        };
        for (stepNo[0] = 0; stepNo[0] < steps && first[0] < 0; stepNo[0]++) {
            train(planned, aw, lr, inputs.subList(stepNo[0] % inputs.size(), stepNo[0] % inputs.size() + 1),
                    new int[] {labels[stepNo[0] % inputs.size()]}, 1);
        }
        if (first[0] < 0) {
            return "";
        }
        Instr in = program.step.get(first[0]);
        return "; first differing instruction: step " + (stepNo[0] - 1) + ", #" + first[0] + " " + in.op() + " writing "
                + in.writes() + " from " + in.reads();
    }

    /** A hash of the transient buffers an instruction wrote (mask bits past the last element ignored). */
    private static long digest(TrainExecutor.Workspace ws, Instr in) {
        long h = 0xcbf29ce484222325L;
        for (kilotrain.ops.core.Buf b : in.writes()) {
            if (b.kind.persistent) {
                continue;
            }
            if (b.kind == kilotrain.ops.core.Buf.Kind.MASK || b.dtype == kilotrain.ir.DType.INT8) {
                byte[] v = ws.bytes(b);
                for (int i = 0; i < b.bytes(); i++) {
                    int x = v[i] & 0xFF;
                    if (b.kind == kilotrain.ops.core.Buf.Kind.MASK && i == b.bytes() - 1 && b.elements % 8 != 0) {
                        x &= (1 << (b.elements % 8)) - 1;
                    }
                    h = (h ^ x) * 0x100000001b3L;
                }
            } else {
                float[] v = ws.floats(b);
                for (int i = 0; i < b.elements; i++) {
                    h = (h ^ Float.floatToRawIntBits(v[i])) * 0x100000001b3L;
                }
            }
        }
        return h;
    }

    private static int[] train(TrainExecutor ex, TrainExecutor.Workspace ws, float lr, List<byte[]> inputs,
            int[] labels, int steps) {
        Program p = ex.program();
        boolean[] inStep = new boolean[p.params.size()];
        boolean any = false;
        for (Instr in : p.step) {
            Param q = in.updatedParam();
            if (q != null) {
                inStep[p.params.indexOf(q)] = true;
                any = true;
            }
        }
        int[] loss = new int[steps];
        for (int k = 0; k < steps; k++) {
            int s = k % inputs.size();
            loss[k] = Float.floatToRawIntBits(ex.step(ws, inputs.get(s), labels[s], any ? lr : Float.NaN));
            for (int i = 0; i < inStep.length; i++) {
                if (!inStep[i]) {
                    ex.state().applySample(i, ws.floats(p.params.get(i).grad).clone(), lr);
                }
            }
        }
        return loss;
    }

    static boolean sameBits(Object x, Object y) {
        if (x instanceof byte[] a) {
            return Arrays.equals(a, (byte[]) y);
        }
        if (x instanceof int[] a) {
            return Arrays.equals(a, (int[]) y);
        }
        float[] a = (float[]) x, b = (float[]) y;
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }

    /** Inputs for a check without data: seeded uniform bytes and labels. */
    public static List<byte[]> syntheticInputs(Program p, int n, long seed, int[] labelsOut) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[p.input.elements];
            r.nextBytes(b);
            out.add(b);
            labelsOut[i] = r.nextInt(p.numClasses);
        }
        return out;
    }
}
