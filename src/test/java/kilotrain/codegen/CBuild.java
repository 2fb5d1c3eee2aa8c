package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Builds and runs generated C projects for tests. Without the compiler the tests fail under CI=true, else skip. */
public final class CBuild {
    private CBuild() {
    }

    public static void requireTool(String tool) {
        if (onPath(tool)) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(tool + " is not installed, and CI=true requires the C backend tests to run");
        }
        Assumptions.abort(tool + " is not installed");
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command in dir; fails the test with its output when it does not exit 0. */
    static String run(Path dir, List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "run", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " timed out after " + timeoutSeconds + " s");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n" + tail(out));
        }
        return out;
    }

    static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    /** The sample file kt_host_main.c reads. */
    static void writeSamples(Path file, List<byte[]> inputs, int[] labels) throws IOException {
        int n = inputs.get(0).length;
        ByteBuffer bb = ByteBuffer.allocate(8 + inputs.size() * (4 + n)).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(inputs.size()).putInt(n);
        for (int i = 0; i < inputs.size(); i++) {
            bb.putInt(labels[i]).put(inputs.get(i));
        }
        Files.write(file, bb.array());
    }

    /** The sample file kt_host_main.c reads for a regression model (KT_REGRESS): float targets instead of labels. */
    static void writeSamples(Path file, List<byte[]> inputs, float[][] targets) throws IOException {
        int n = inputs.get(0).length, k = targets[0].length;
        ByteBuffer bb = ByteBuffer.allocate(8 + inputs.size() * (4 * k + n)).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(inputs.size()).putInt(n);
        for (int i = 0; i < inputs.size(); i++) {
            for (float t : targets[i]) {
                bb.putFloat(t);
            }
            bb.put(inputs.get(i));
        }
        Files.write(file, bb.array());
    }

    /** The sample file for a regression on int8 targets (KT_TARGET_INT8): KT_CLASSES int8 targets, then the input. */
    static void writeInt8TargetSamples(Path file, List<byte[]> inputs, float[][] targets) throws IOException {
        int n = inputs.get(0).length, k = targets[0].length;
        ByteBuffer bb = ByteBuffer.allocate(8 + inputs.size() * (k + n)).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(inputs.size()).putInt(n);
        for (int i = 0; i < inputs.size(); i++) {
            for (float t : targets[i]) {
                bb.put((byte) t);
            }
            bb.put(inputs.get(i));
        }
        Files.write(file, bb.array());
    }

    /** Float bits of the "loss" column of kt_host's step lines. */
    static List<Integer> losses(String out) {
        List<Integer> l = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] t = line.trim().split(" ");
            if (t.length >= 6 && t[0].equals("step")) {
                l.add(Integer.parseUnsignedInt(t[5], 16));
            }
        }
        return l;
    }

    /** {prediction, logit bits...} of kt_host's predict line. */
    static int[] prediction(String out) {
        for (String line : out.split("\n")) {
            String[] t = line.trim().split(" ");
            if (t[0].equals("predict")) {
                int[] r = new int[t.length - 1];
                r[0] = Integer.parseInt(t[1]);
                for (int i = 2; i < t.length; i++) {
                    r[i - 1] = Integer.parseUnsignedInt(t[i], 16);
                }
                return r;
            }
        }
        fail("no predict line in:\n" + tail(out));
        return null;
    }
}
