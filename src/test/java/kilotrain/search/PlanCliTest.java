package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.cli.Main;
import kilotrain.train.Scheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `kilotrain plan` end to end on MCUNet with a made-up analysis: scheme file, chart, infeasible budget. */
class PlanCliTest {
    static final Path MODEL = SchemePlannerTest.SHARED.resolve("models/tiny-training/mcunet-5fps.pkl");

    @Test
    void writesASchemeTrainAndCompileReadAndExplainsAnInfeasibleBudget(@TempDir Path dir) throws Exception {
        SchemePlannerTest.fakeTable(3).write(dir.resolve("analysis"));
        Path scheme = dir.resolve("s.json");
        int rc = Main.run("plan", "--model", MODEL.toString(), "--analysis", dir.resolve("analysis").toString(),
                "--sram-budget", "256K", "--flash-budget", "1M", "--sweep", "3", "--out", scheme.toString());
        assertEquals(0, rc);
        Scheme s = Scheme.resolve(scheme.toString(), 42);
        assertTrue(s.biasLastK > 0);
        assertTrue(Files.isRegularFile(dir.resolve("s.png")));
        assertEquals(0, Main.run("compile", MODEL.toString(), "--scheme", scheme.toString(), "--sram-budget", "256K",
                "--flash-budget", "1M"));
        // plan's memory is compile's: the published scheme's planned SRAM in plan --json equals compile --json's
        String planJson = stdout(() -> Main.run("plan", "--model", MODEL.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "256K", "--sweep", "0", "--out",
                dir.resolve("u.json").toString(), "--json"));
        String compileJson = stdout(() -> Main.run("compile", MODEL.toString(), "--scheme", "mcunet-5fps:99kb",
                "--json"));
        long planned = -1;
        for (var p : new com.fasterxml.jackson.databind.ObjectMapper().readTree(planJson).get("published")) {
            if (p.get("name").asText().equals("mcunet-5fps:99kb")) {
                planned = p.get("sram_total_bytes").asLong();
            }
        }
        assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree(compileJson).get("sram_total_bytes").asLong(), planned);
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            rc = Main.run("plan", "--model", MODEL.toString(), "--analysis", dir.resolve("analysis").toString(),
                    "--sram-budget", "64K", "--out", dir.resolve("t.json").toString());
        } finally {
            System.setErr(err);
        }
        assertEquals(1, rc);
        assertTrue(buf.toString().contains("smallest SRAM budget that works"), buf.toString());
        buf.reset();
        System.setErr(new PrintStream(buf, true));
        try {
            rc = Main.run("plan", "--model", MODEL.toString(), "--analysis", dir.resolve("analysis").toString(),
                    "--sram-budget", "256K", "--shrink", "-1", "--out", dir.resolve("v.json").toString());
        } finally {
            System.setErr(err);
        }
        assertEquals(1, rc);
        assertTrue(buf.toString().contains("--shrink -1.0: expected a non-negative number"), buf.toString());
    }

    private static String stdout(java.util.function.IntSupplier run) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, run.getAsInt());
        } finally {
            System.setOut(out);
        }
        return buf.toString();
    }
}
