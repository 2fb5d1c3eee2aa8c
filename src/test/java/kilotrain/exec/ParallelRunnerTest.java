package kilotrain.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import kilotrain.KtException;
import kilotrain.importer.pkl.PklImporter;
import org.junit.jupiter.api.Test;

class ParallelRunnerTest {
    @Test
    void resultsDoNotDependOnThreadsOrReuse() {
        CompiledGraph p = CompiledGraph.compile(PklImporter.load(PaperForwardTest.SHARED.resolve(
                "models/tiny-training/proxyless-w0.3.pkl")));
        int n = 12;
        byte[][] inputs = new byte[n][p.graph.input.elements()];
        Random r = new Random(8);
        for (byte[] in : inputs) {
            r.nextBytes(in);
        }
        byte[][] expected = new byte[n][];
        for (int i = 0; i < n; i++) {
            expected[i] = new Executor(p).run(inputs[i]); // a fresh executor per sample
        }
        for (int threads : new int[] {1, 2, 3}) {
            byte[][] got = new byte[n][];
            byte[][] pooled = new byte[n][];
            new ParallelRunner(p, threads).forEach(n, (i, ex) -> {
                got[i] = ex.run(inputs[i]);
                pooled[i] = ex.mark("pool").clone();
            });
            for (int i = 0; i < n; i++) {
                assertArrayEquals(expected[i], got[i], "sample " + i + " with " + threads + " threads");
                assertTrue(pooled[i].length == p.graph.marks.get("pool").elements());
            }
        }
    }

    @Test
    void failuresPropagate() {
        CompiledGraph p = CompiledGraph.compile(PklImporter.load(PaperForwardTest.SHARED.resolve(
                "models/tiny-training/proxyless-w0.3.pkl")));
        KtException e = assertThrows(KtException.class, () -> new ParallelRunner(p, 2).forEach(4,
                (i, ex) -> ex.run(new byte[7])));
        assertTrue(e.getMessage().contains("7 bytes"), e.getMessage());
        assertThrows(KtException.class, () -> new ParallelRunner(p, 0));
        assertThrows(KtException.class, () -> new Executor(p).mark("nope"));
    }
}
