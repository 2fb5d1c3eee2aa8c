package kilotrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kilotrain compile}'s memory outputs: JSON fields, report files, budget failures. */
class CompileMemoryCliTest {
    static final Path MODEL = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize()
            .resolve("models/tiny-training/mcunet-5fps.pkl");

    record Run(int code, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void jsonReportAndBudgets(@TempDir Path dir) throws Exception {
        Run r = run("compile", MODEL.toString(), "--scheme", "mcunet-5fps:49kb", "--fused-updates", "--json",
                "--update-rule", "stochastic", "--bias-rule", "shadow", "--memory-report", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        long arena = j.get("arena_bytes").asLong(), lb = j.get("lower_bound_bytes").asLong();
        assertTrue(arena >= lb && lb > 0);
        assertEquals(arena + j.get("trainable_sram_bytes").asLong() + j.get("optimizer_state_bytes").asLong()
                + j.get("shadow_bytes").asLong(), j.get("sram_total_bytes").asLong());
        assertTrue(j.get("flash_bytes").asLong() > 400_000);
        assertTrue(j.get("stages").get("deferred").get("arena_bytes").asLong() >= arena);
        assertTrue(Files.exists(dir.resolve("timeline.png")) && Files.exists(dir.resolve("timeline.csv")));

        long total = j.get("sram_total_bytes").asLong();
        Run fits = run("compile", MODEL.toString(), "--scheme", "mcunet-5fps:49kb", "--fused-updates",
                "--update-rule", "stochastic", "--bias-rule", "shadow", "--sram-budget", Long.toString(total),
                "--flash-budget", "1M");
        assertEquals(0, fits.code(), fits.err());
        Run over = run("compile", MODEL.toString(), "--scheme", "mcunet-5fps:49kb", "--fused-updates",
                "--update-rule", "stochastic", "--bias-rule", "shadow", "--sram-budget", Long.toString(total - 1));
        assertEquals(1, over.code());
        assertTrue(over.err().contains("SRAM budget") && over.err().contains(String.format("%,d bytes", total))
                && over.err().contains("instruction " + j.get("peak_step").asInt()), over.err());
        Run flash = run("compile", MODEL.toString(), "--scheme", "mcunet-5fps:49kb", "--flash-budget", "100K");
        assertEquals(1, flash.code());
        assertTrue(flash.err().contains("flash budget"), flash.err());
        Run bad = run("compile", MODEL.toString(), "--sram-budget", "big");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--sram-budget"), bad.err());
    }
}
