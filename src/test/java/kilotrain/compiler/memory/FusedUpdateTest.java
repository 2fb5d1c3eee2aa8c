package kilotrain.compiler.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.ops.conv.ConvWeightGrad;
import kilotrain.ops.conv.ConvWeightUpdate;
import kilotrain.program.TrainState;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import org.junit.jupiter.api.Test;

/** Updating a weight a few gradient rows at a time is the whole-tensor batch-1 update, bit for bit. */
class FusedUpdateTest {
    @Test
    void rowChunksEqualTheWholeUpdate() {
        Program p = ReorderResultsTest.compile("mcunet-5fps:99kb");
        for (WeightRounding rule : WeightRounding.values()) {
            for (float momentum : new float[] {0f, 0.9f}) {
                TrainState.Options o = new TrainState.Options(true, momentum, rule, BiasRounding.FLOAT_SHADOW, 9);
                TrainState whole = new TrainState(p, o), rows = new TrainState(p, o), batch = new TrainState(p, o);
                SplittableRandom r = new SplittableRandom(rule.ordinal() * 7L + (momentum > 0 ? 1 : 0));
                for (int round = 0; round < 3; round++) {
                    float[][] g = new float[p.params.size()][];
                    float[][] sum = new float[g.length][];
                    for (int i = 0; i < g.length; i++) {
                        g[i] = new float[p.params.get(i).value.elements];
                        sum[i] = new float[g[i].length];
                        for (int j = 0; j < g[i].length; j++) {
                            g[i][j] = r.nextInt(5) == 0 ? -0.0f : (float) (r.nextGaussian() * 3e-3);
                            // the trainer's batch of one: its sum starts from +0
                            sum[i][j] = 0.0f + g[i][j];
                        }
                    }
                    batch.apply(sum, 1, 0.1f);
                    for (int i = 0; i < g.length; i++) {
                        Param q = p.params.get(i);
                        whole.applySample(i, g[i].clone(), 0.1f);
                        if (q.role != Param.Role.CONV_WEIGHT) {
                            rows.applySample(i, g[i].clone(), 0.1f);
                            continue;
                        }
                        int nRows = q.value.elements / q.rowLength;
                        float[] buf = new float[q.value.elements + 5];
                        for (int row = 0; row < nRows; ) {
                            int k = Math.min(nRows - row, 1 + r.nextInt(4));
                            System.arraycopy(g[i], row * q.rowLength, buf, 5, k * q.rowLength);
                            rows.applySampleRows(i, buf, 5, row, k, 0.1f);
                            row += k;
                        }
                    }
                }
                for (Param q : p.params) {
                    Object a = whole.value(q), b = rows.value(q), c = batch.value(q);
                    if (a instanceof byte[] x) {
                        assertArrayEquals(x, (byte[]) b, rule + " " + q.name);
                        assertArrayEquals(x, (byte[]) c, rule + " " + q.name);
                    } else if (a instanceof int[] x) {
                        assertArrayEquals(x, (int[]) b, rule + " " + q.name);
                        assertArrayEquals(x, (int[]) c, rule + " " + q.name);
                    } else {
                        assertArrayEquals((float[]) a, (float[]) b, rule + " " + q.name);
                        assertArrayEquals((float[]) a, (float[]) c, rule + " " + q.name);
                    }
                }
            }
        }
    }

    /**
     * The planner gives a fused update rows of four (kt_rows.c converts each saved value once per four rows) exactly
     * where the larger chunk costs no arena: on MCUNet 99kb, whose peak (input image + stem output) lies before the
     * backward pass, all of them; on last-k:12, whose peak lies in the backward pass, some keep one row.
     */
    @Test
    void rowsOfFourOnlyWhereTheyCostNoArena() {
        int[] wide = new int[2], narrow = new int[2];
        String[] schemes = {"mcunet-5fps:99kb", "last-k:12"};
        for (int k = 0; k < schemes.length; k++) {
            Program p = TrainCompiler.compile(ReorderResultsTest.MCUNET, new TrainSpec(Scheme.resolve(schemes[k],
                    TrainCompiler.backboneConvs(ReorderResultsTest.MCUNET).size()), 10, 3));
            DeviceProgram d = DevicePipeline.lower(p, DevicePipelineTest.OPTIONS, 0.05f, DevicePipelineTest.QUICK);
            for (Instr in : d.step()) {
                if (in instanceof ConvWeightUpdate u) {
                    int rows = Math.min(Reorder.WIDE_ROW_CHUNK, u.param().value.elements / u.param().rowLength);
                    assertTrue(u.rowsPerChunk() == 1 || u.rowsPerChunk() == rows, schemes[k] + " " + u.rowsPerChunk());
                    assertEquals(u.rowsPerChunk() * u.param().rowLength, u.rows().elements, schemes[k]);
                    (u.rowsPerChunk() > 1 ? wide : narrow)[k]++;
                }
            }
            DevicePipeline.Stage before = stage(d, "plain-kernels"), after = stage(d, "row-chunks");
            assertEquals(before.arenaBytes(), after.arenaBytes(), schemes[k] + ": rows of four cost no arena");
            assertTrue(after.peakBytes() <= before.peakBytes(), schemes[k]);
            assertEquals(d.arenaBytes(), after.arenaBytes());
        }
        assertEquals(2, wide[0], "99kb: both fused updates in rows of four");
        assertEquals(0, narrow[0]);
        assertTrue(wide[1] > 0 && narrow[1] > 0, "last-k:12: " + wide[1] + " wide, " + narrow[1] + " narrow");
    }

    private static DevicePipeline.Stage stage(DeviceProgram d, String pass) {
        return d.log.stream().filter(s -> s.pass().equals(pass)).findFirst().orElseThrow();
    }

    @Test
    void fusionRemovesWholeWeightGradients() {
        Program p = ReorderResultsTest.compile("mcunet-5fps:148kb");
        Program f = Reorder.fuseWeightUpdates(p, 1);
        List<Instr> s = Reorder.optimize(f);
        int fused = 0;
        for (Instr in : s) {
            assertFalse(in instanceof ConvWeightGrad, "a whole weight gradient remains");
            if (in instanceof ConvWeightUpdate u) {
                fused++;
                assertEquals(u.param().rowLength, u.rows().elements);
            }
        }
        assertEquals(6, fused);
        ArenaPlanner planner = new ArenaPlanner(50, 1);
        long withFusion = Variant.of("f", f, s, true, planner).plan().arenaBytes();
        long without = Variant.of("r", p, Reorder.optimize(p), true, planner).plan().arenaBytes();
        assertTrue(withFusion < without, withFusion + " vs " + without);
    }
}
