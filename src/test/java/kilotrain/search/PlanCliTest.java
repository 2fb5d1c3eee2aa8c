package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kilotrain.cli.Main;
import kilotrain.compiler.Scheme;
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

    @Test
    void verifiesOverSeedsAgainstThePublishedSchemePairedBySeed(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode settings = json.createObjectNode();
        settings.put("data", SearchPipelineCliTest.CIFAR.toAbsolutePath().toString());
        settings.put("train_limit_per_class", 1);
        settings.put("test_limit_per_class", 2);
        settings.put("image_size", 64);
        settings.put("epochs", 1);
        settings.put("batch", 5);
        settings.put("lr", 0.05);
        settings.put("seed", 0);
        SchemePlannerTest.fakeTable(3, settings).write(dir.resolve("analysis"));
        JsonNode two = json.readTree(stdout(() -> Main.run("plan", "--model", MODEL.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "223828", "--sweep", "0", "--out",
                dir.resolve("s.json").toString(), "--verify", "--verify-seeds", "0-1", "--threads", "2", "--json")));
        JsonNode found = two.get("verified_by_seed");
        JsonNode pub = two.get("published_verified").get("verified_by_seed");
        assertEquals("mcunet-5fps:99kb", two.get("published_verified").get("name").asText(),
                "the largest published scheme under the budget");
        assertEquals(2, found.size());
        assertEquals(1, found.get(1).get("seed").asInt());
        double f0 = found.get(0).get("accuracy").asDouble(), f1 = found.get(1).get("accuracy").asDouble();
        double p0 = pub.get(0).get("accuracy").asDouble(), p1 = pub.get(1).get("accuracy").asDouble();
        assertEquals((f0 + f1) / 2, two.get("verified_accuracy").asDouble(), 1e-12);
        assertEquals((p0 + p1) / 2, two.get("published_verified").get("verified_accuracy").asDouble(), 1e-12);
        JsonNode d = two.get("found_minus_published");
        assertEquals(f0 - p0, d.get("by_seed").get(0).asDouble(), 1e-12);
        assertEquals(f1 - p1, d.get("by_seed").get(1).asDouble(), 1e-12);
        assertEquals(Math.abs((f0 - p0) - (f1 - p1)) / 2, d.get("standard_error").asDouble(), 1e-12);
        assertEquals("[0,1]", two.get("verify_settings").get("seeds").toString());
        assertTrue(!two.get("verify_settings").has("seed"), "the one recorded seed is not what was verified");
        // seed 0 of the list is the recorded seed's run, bit for bit
        JsonNode one = json.readTree(stdout(() -> Main.run("plan", "--model", MODEL.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "223828", "--sweep", "0", "--out",
                dir.resolve("t.json").toString(), "--verify", "--no-verify-published", "--threads", "2", "--json")));
        assertEquals(f0, one.get("verified_accuracy").asDouble());
        assertTrue(!one.has("verified_by_seed") && !one.has("found_minus_published"));
        // the chart is redrawn with the verified points: the same plan unverified draws a different picture
        stdout(() -> Main.run("plan", "--model", MODEL.toString(), "--analysis", dir.resolve("analysis").toString(),
                "--sram-budget", "223828", "--sweep", "0", "--out", dir.resolve("u.json").toString(), "--json"));
        byte[] verifiedPng = Files.readAllBytes(dir.resolve("s.png"));
        byte[] predictedPng = Files.readAllBytes(dir.resolve("u.png"));
        assertTrue(verifiedPng.length > 1000 && predictedPng.length > 1000);
        assertTrue(!java.util.Arrays.equals(verifiedPng, predictedPng), "verified points are drawn");

        for (String[] bad : new String[][] {{"--verify-seeds", "0,1"}, {"--verify", "--verify-seeds", "0,2,0"},
            {"--verify", "--verify-seeds", "0,1", "--verify-set", "seed=3"}, {"--verify", "--verify-seeds", "-1"},
            {"--verify", "--verify-seeds", "3-1"}, {"--verify", "--verify-seeds", "0-2,1"},
            {"--verify", "--verify-seeds", "x"}}) {
            String[] base = {"plan", "--model", MODEL.toString(), "--analysis", dir.resolve("analysis").toString(),
                "--sram-budget", "223828", "--sweep", "0", "--out", dir.resolve("bad.json").toString()};
            String[] args = java.util.Arrays.copyOf(base, base.length + bad.length);
            System.arraycopy(bad, 0, args, base.length, bad.length);
            String err = stderr(() -> Main.run(args));
            assertTrue(err.contains("--verify-seeds"), String.join(" ", bad) + ": " + err);
            assertTrue(!Files.exists(dir.resolve("bad.json")), "fails before the search writes a scheme");
        }
        SchemePlannerTest.fakeTable(3).write(dir.resolve("bare"));
        String err = stderr(() -> Main.run("plan", "--model", MODEL.toString(), "--analysis",
                dir.resolve("bare").toString(), "--sram-budget", "223828", "--sweep", "0", "--out",
                dir.resolve("bare.json").toString(), "--verify"));
        assertTrue(err.contains("records no settings to verify with"), err);
    }

    /** Runs a failing command and returns what it printed on stderr. */
    private static String stderr(java.util.function.IntSupplier run) {
        return captured(false, run, 1);
    }

    private static String stdout(java.util.function.IntSupplier run) {
        return captured(true, run, 0);
    }

    private static String captured(boolean stdout, java.util.function.IntSupplier run, int expectedRc) {
        PrintStream old = stdout ? System.out : System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(buf, true);
        if (stdout) {
            System.setOut(p);
        } else {
            System.setErr(p);
        }
        try {
            assertEquals(expectedRc, run.getAsInt());
        } finally {
            if (stdout) {
                System.setOut(old);
            } else {
                System.setErr(old);
            }
        }
        return buf.toString();
    }
}
