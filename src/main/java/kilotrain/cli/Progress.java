package kilotrain.cli;

import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (rate and ETA), so stdout stays clean for --json. */
final class Progress {
    private Progress() {
    }

    static ProgressBar bar(String task, long max, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" " + unit, 1)
                .showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .setMaxRenderedLength(110).setConsumer(new ConsoleProgressBarConsumer(System.err))
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
}
