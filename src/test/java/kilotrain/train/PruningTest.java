package kilotrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kilotrain.compiler.PublishedSchemes;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Graph;
import kilotrain.ops.add.AddBwd;
import kilotrain.ops.conv.ConvBiasGrad;
import kilotrain.ops.conv.ConvInputGrad;
import kilotrain.ops.conv.ConvOutGrad;
import kilotrain.ops.conv.ConvWeightGrad;
import kilotrain.ops.conv.SaveChannels;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.head.HeadBwd;
import kilotrain.ops.pool.PoolBwd;
import kilotrain.program.Program;
import org.junit.jupiter.api.Test;

/** The compiled program holds only what the scheme needs (the Tiny Training Engine's backward pruning). */
class PruningTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Graph MCUNET = PklImporter.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));

    static Map<Conv2D, Integer> index(Graph g) {
        Map<Conv2D, Integer> idx = new HashMap<>();
        List<Conv2D> convs = TrainCompiler.backboneConvs(g);
        for (int i = 0; i < convs.size(); i++) {
            idx.put(convs.get(i), i);
        }
        return idx;
    }

    @Test
    void scheme99kbIsPruned() {
        Scheme s = PublishedSchemes.get("mcunet-5fps:99kb");
        Program p = TrainCompiler.compile(MCUNET, new TrainSpec(s, 10, 0));
        Map<Conv2D, Integer> idx = index(MCUNET);
        Set<Integer> weightGrads = new HashSet<>();
        Set<Integer> sliced = new HashSet<>();
        int lowestBackward = Integer.MAX_VALUE;
        for (Instr in : p.step) {
            Conv2D c = null;
            if (in instanceof ConvOutGrad g) {
                c = g.conv();
            } else if (in instanceof ConvInputGrad g) {
                c = g.conv();
                // the input gradient of the earliest trained conv is never needed
                assertTrue(idx.get(c) > 21, "input gradient of conv " + idx.get(c));
            } else if (in instanceof ConvBiasGrad g) {
                c = g.conv();
            } else if (in instanceof ConvWeightGrad g) {
                c = g.conv();
                weightGrads.add(idx.get(c));
                if (g.trained().partial()) {
                    sliced.add(idx.get(c));
                    assertEquals("conv_weight_grad_slice", in.op());
                    assertEquals(g.trained().keptChannels.length * g.conv().input.height() * g.conv().input.width(),
                            g.saved().elements, "a partial layer saves only its kept channels");
                }
            }
            if (c != null) {
                lowestBackward = Math.min(lowestBackward, idx.get(c));
            }
        }
        assertEquals(Set.of(21, 24, 27, 30, 36, 39), weightGrads, "weight gradients only for the scheme's layers");
        assertEquals(Set.of(36, 39), sliced, "slice ops for the ratio < 1 layers");
        assertEquals(21, lowestBackward, "no backward op below conv 21");
        long masks = p.bufs.stream().filter(b -> b.kind == Buf.Kind.MASK).count();
        assertTrue(masks > 0);
        for (Buf b : p.bufs) {
            if (b.kind == Buf.Kind.MASK) {
                assertEquals((b.elements + 7) / 8, b.bytes(), "masks take one bit per element");
            }
        }
    }

    @Test
    void classifierOnlyHasNoBackboneBackward() {
        Program p = TrainCompiler.compile(MCUNET, new TrainSpec(Scheme.classifierOnly(), 10, 0));
        for (Instr in : p.step) {
            assertFalse(in instanceof ConvOutGrad || in instanceof ConvInputGrad
                    || in instanceof AddBwd || in instanceof PoolBwd, in.op());
            if (in instanceof HeadBwd h) {
                assertEquals(null, h.gFeature(), "no feature gradient when nothing below the head trains");
            }
        }
        assertEquals(2, p.params.size());
    }

    @Test
    void biasOnlyTrainsNoWeights() {
        Program p = TrainCompiler.compile(MCUNET, new TrainSpec(Scheme.biasOnly(22), 10, 0));
        int biases = 0;
        for (Instr in : p.step) {
            assertFalse(in instanceof ConvWeightGrad || in instanceof SaveChannels, in.op());
            if (in instanceof ConvBiasGrad) {
                biases++;
            }
        }
        assertEquals(21, biases, "biases of convs 21..41 (the classifier is the 22nd, replaced by the head)");
    }
}
