package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SchemeOptimizerTest {
    /**
     * A random instance whose true SRAM is the lower bound plus a non-negative, non-additive surcharge that depends
     * on the whole choice (as the arena peak of a reordered step does), so the optimiser cannot win by trusting the
     * bound alone.
     */
    static final class Instance {
        final SchemeSpace space;
        final long seed;

        Instance(SchemeSpace space, long seed) {
            this.space = space;
            this.seed = seed;
        }

        long sram(int b, int[] choice) {
            long h = seed * 0x9E3779B97F4A7C15L + b;
            for (int c : choice) {
                h = (h ^ (c + 2)) * 0xBF58476D1CE4E5B9L;
                h ^= h >>> 31;
            }
            long surcharge = Math.floorMod(h, 4) == 0 ? Math.floorMod(h >>> 8, 3000) : 0;
            return space.lowerBound(b, choice) + surcharge;
        }

        static Instance random(SplittableRandom r, long seed) {
            int biases = 1 + r.nextInt(3), items = 1 + r.nextInt(6);
            int[] k = new int[biases];
            double[] bg = new double[biases];
            long[] bf = new long[biases], ba = new long[biases];
            for (int b = 0; b < biases; b++) {
                k[b] = b * 4;
                bg[b] = b == 0 ? 0 : r.nextDouble(-0.02, 0.1);
                bf[b] = 1000 + b * r.nextInt(500, 3000);
                ba[b] = 5000 + r.nextInt(2000);
            }
            int[] conv = new int[items];
            double[][] ratio = new double[items][], gain = new double[items][];
            long[][] fixed = new long[items][], arena = new long[items][];
            for (int i = 0; i < items; i++) {
                conv[i] = 10 + i;
                int opts = 1 + r.nextInt(4);
                ratio[i] = new double[opts];
                gain[i] = new double[opts];
                fixed[i] = new long[opts];
                arena[i] = new long[opts];
                for (int j = 0; j < opts; j++) {
                    ratio[i][j] = 1.0 / (1 << (opts - 1 - j));
                    gain[i][j] = r.nextDouble(-0.01, 0.05);
                    fixed[i][j] = r.nextInt(0, 4000) * (j + 1);
                    arena[i][j] = 5000 + r.nextInt(6000);
                }
            }
            return new Instance(new SchemeSpace(k, bg, bf, ba, conv, ratio, gain, fixed, arena), seed);
        }

        /** Max gain over every choice within the budget, by enumeration. */
        double bruteForce(long budget) {
            double best = Double.NEGATIVE_INFINITY;
            int n = space.items();
            for (int b = 0; b < space.biasK().length; b++) {
                int[] c = new int[n];
                Arrays.fill(c, -1);
                while (true) {
                    if (sram(b, c) <= budget) {
                        best = Math.max(best, space.gainOf(b, c));
                    }
                    int i = 0;
                    while (i < n && ++c[i] == space.ratio()[i].length) {
                        c[i] = -1;
                        i++;
                    }
                    if (i == n) {
                        break;
                    }
                }
            }
            return best;
        }
    }

    @Test
    void findsTheTrueOptimumAndNeverExceedsTheBudget() {
        SplittableRandom r = new SplittableRandom(20261123);
        int feasible = 0, infeasible = 0;
        for (int t = 0; t < 400; t++) {
            Instance in = Instance.random(r, t);
            long budget = 6000 + r.nextInt(25000);
            SchemeOptimizer.Result res = new SchemeOptimizer(in.space, (b, c, cap) -> in.sram(b, c), Integer.MAX_VALUE).optimize(budget);
            double truth = in.bruteForce(budget);
            assertTrue(res.proven());
            if (truth == Double.NEGATIVE_INFINITY) {
                assertFalse(res.found(), "instance " + t);
                infeasible++;
                continue;
            }
            feasible++;
            assertTrue(res.found(), "instance " + t);
            assertTrue(in.sram(res.bias(), res.choice()) <= budget, "instance " + t + " over budget");
            assertEquals(in.sram(res.bias(), res.choice()), res.sram());
            assertEquals(truth, res.gain(), 1e-12, "instance " + t);
            assertEquals(in.space.gainOf(res.bias(), res.choice()), res.gain(), 1e-12);
        }
        assertTrue(feasible > 100 && infeasible > 5, feasible + " feasible, " + infeasible + " infeasible");
    }

    @Test
    void anEvaluationCapIsReportedAsUnproven() {
        SplittableRandom r = new SplittableRandom(7);
        Instance in = Instance.random(r, 3);
        SchemeOptimizer.Result res = new SchemeOptimizer(in.space, (b, c, budget) -> in.sram(b, c), 0).optimize(1L << 40);
        assertFalse(res.proven());
        assertFalse(res.found());
    }
}
