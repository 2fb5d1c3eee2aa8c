package kilotrain.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.compiler.memory.Variant;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.util.AtomicFiles;

/**
 * {@code compile --memory-report DIR}: the per-instruction memory timeline of the device's step (timeline.csv,
 * timeline.png with the deferred step for comparison), the arena offsets (arena.csv) and the breakdown
 * (summary.csv) and the lowering pipeline's stage log (passes.csv: per pass instructions, peak, arena, change).
 */
public final class MemoryReport {
    private MemoryReport() {
    }

    public static void write(Path dir, DeviceProgram a) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new KtException("cannot create memory report directory '" + dir + "': " + e.getMessage());
        }
        Variant v = a.best();
        long[] live = v.liveBytes();
        long[] hw = v.arenaHighWater();
        StringBuilder csv = new StringBuilder("step,op,live_bytes,arena_high_water_bytes,writes,live_tensors\n");
        for (int i = 0; i < v.step().size(); i++) {
            Instr in = v.step().get(i);
            StringBuilder names = new StringBuilder();
            for (Buf b : v.liveness().liveAt(i)) {
                names.append(names.length() > 0 ? " " : "").append(b.name).append('=').append(b.bytes());
            }
            StringBuilder w = new StringBuilder();
            for (Buf b : in.writes()) {
                w.append(w.length() > 0 ? " " : "").append(b.name);
            }
            csv.append(i).append(',').append(in.op()).append(',').append(live[i]).append(',').append(hw[i])
                    .append(",\"").append(w).append("\",\"").append(names).append("\"\n");
        }
        text(dir.resolve("timeline.csv"), csv.toString());

        StringBuilder arena = new StringBuilder("buffer,kind,bytes,offset,first_step,last_step\n");
        for (Buf b : v.liveness().bufs) {
            arena.append('"').append(b.name).append("\",").append(b.kind).append(',').append(b.bytes()).append(',')
                    .append(v.plan().offsetOf(b)).append(',').append(v.liveness().start(b)).append(',')
                    .append(v.liveness().end(b)).append('\n');
        }
        text(dir.resolve("arena.csv"), arena.toString());

        StringBuilder sum = new StringBuilder("variant,arena_bytes,lower_bound_bytes,backward_lower_bound_bytes,"
                + "peak_step,strategy,trainable_sram_bytes,optimizer_state_bytes,shadow_bytes,sram_total_bytes,input_bytes_in_arena,flash_bytes\n");
        for (Variant x : a.variants) {
            sum.append(x.name()).append(',').append(x.plan().arenaBytes()).append(',')
                    .append(x.plan().lowerBound()).append(',').append(x.backwardLowerBound()).append(',')
                    .append(x.peakStep()).append(',')
                    .append(x.plan().strategy()).append(',').append(a.trainableBytes).append(',')
                    .append(a.optimizerBytes).append(',').append(a.shadowBytes).append(',').append(a.sramTotal(x)).append(',').append(a.inputBytes)
                    .append(',').append(a.flashBytes).append('\n');
        }
        text(dir.resolve("summary.csv"), sum.toString());

        StringBuilder passes = new StringBuilder("pass,instructions,peak_bytes,arena_bytes,change\n");
        for (kilotrain.compiler.memory.DevicePipeline.Stage st : a.log) {
            passes.append(st.pass()).append(',').append(st.instructions()).append(',').append(st.peakBytes())
                    .append(',').append(st.planned() ? Long.toString(st.arenaBytes()) : "").append(",\"")
                    .append(st.change()).append("\"\n");
        }
        text(dir.resolve("passes.csv"), passes.toString());

        List<Charts.Series> series = new ArrayList<>();
        Variant d = a.variants.get(0);
        series.add(series(d.name() + ": live bytes", d.liveBytes()));
        series.add(series(v.name() + ": live bytes", live));
        series.add(series(v.name() + ": arena extent in use (highest live offset)", hw));
        Charts.line(dir.resolve("timeline.png"), "Training-step memory (arena " + v.plan().arenaBytes()
                + " B, lower bound " + v.plan().lowerBound() + " B)", "instruction", "bytes", series);
    }

    private static Charts.Series series(String name, long[] y) {
        double[] xs = new double[y.length], ys = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            xs[i] = i;
            ys[i] = y[i];
        }
        return new Charts.Series(name, xs, ys, false);
    }

    private static void text(Path p, String s) {
        AtomicFiles.writeString(p, s);
    }
}
