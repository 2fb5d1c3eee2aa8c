package kilotrain.cli;

import java.time.Duration;
import kilotrain.train.Trainer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (rate and ETA), so stdout stays clean for --json. */
final class Progress {
    private Progress() {
    }

    /**
     * On a terminal the bar redraws itself in place twice a second; in a log file (CI, nohup, a pipe) each redraw
     * would be one more carriage-return-separated line, so there it prints a plain line every ten seconds.
     */
    private static final boolean TERMINAL = stderrIsTerminal();

    static ProgressBar bar(String task, long max, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" " + unit, 1)
                .showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(TERMINAL ? 500 : 10_000)
                .setMaxRenderedLength(140)
                .setConsumer(TERMINAL ? new ConsoleProgressBarConsumer(System.err)
                        : new DelegatingProgressBarConsumer(new LogLines(System.err), 140))
                .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS)
                .setEtaFunction(state -> {
                    long done = state.getCurrent() - state.getStart();
                    if (done <= 0) {
                        return java.util.Optional.empty();
                    }
                    Duration el = state.getElapsedAfterStart();
                    long left = state.getMax() - state.getCurrent();
                    return java.util.Optional.of(el.multipliedBy(Math.max(0, left)).dividedBy(done));
                }).build();
    }

    /** Prints each render as a line, except one that repeats the line before it (closing renders twice). */
    private static final class LogLines implements java.util.function.Consumer<String> {
        private final java.io.PrintStream out;
        private String last;

        LogLines(java.io.PrintStream out) {
            this.out = out;
        }

        @Override
        public void accept(String line) {
            if (!line.equals(last)) {
                out.println(line);
                last = line;
            }
        }
    }

    /** Linux names a terminal's descriptor /dev/pts/N or /dev/ttyN; elsewhere a console means a terminal. */
    static boolean stderrIsTerminal() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** One bar per epoch with the running loss and accuracy, and a line of metrics at its end. */
    static Training training() {
        return new Training();
    }

    static final class Training implements Trainer.Progress {
        private ProgressBar bar;

        @Override
        public void epochStart(int epoch, int total, int samples) {
            bar = bar(String.format("epoch %d/%d", epoch + 1, total), samples, "img");
        }

        @Override
        public void batchDone(int done, double loss, double acc) {
            bar.setExtraMessage(Double.isNaN(acc) ? String.format(" loss %.4g", loss)
                    : String.format(" loss %.3f, acc %.3f", loss, acc));
            bar.stepTo(done);
            if (done == bar.getMax()) {
                close();
            }
        }

        @Override
        public void epochEnd(Trainer.EpochMetrics m) {
            close();
            if (!Double.isNaN(m.trainMae())) {
                String test = Double.isNaN(m.testMse()) ? ""
                        : String.format(", test MSE %.6g, MAE %.6g", m.testMse(), m.testMae());
                System.err.printf("epoch %d%s: train MSE %.6g, MAE %.6g%s, %.1f samples/s%n", m.epoch(),
                        m.warmup() ? " (warm-up)" : "", m.trainLoss(), m.trainMae(), test, m.imagesPerSecond());
                return;
            }
            String test = Double.isNaN(m.testAccuracy()) ? "" : String.format(", test acc %.4f", m.testAccuracy());
            System.err.printf("epoch %d%s: train loss %.4f, train acc %.4f%s, %.1f img/s%n", m.epoch(),
                    m.warmup() ? " (warm-up)" : "", m.trainLoss(), m.trainAccuracy(), test, m.imagesPerSecond());
        }

        /** Closes a bar left open by a run that stopped mid-epoch. */
        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
