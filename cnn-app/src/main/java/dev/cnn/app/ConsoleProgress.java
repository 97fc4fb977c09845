package dev.cnn.app;

import dev.cnn.nn.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress on standard error. On a terminal, a one-line bar per epoch: batches done, samples per
 * second, the running loss and the time left. When standard error is not a terminal (a log file, CI), a
 * plain line every {@link #LINE_INTERVAL_NANOS 10 s} within an epoch, beside the per-epoch line the model
 * logs. Nothing with {@code --quiet}.
 */
class ConsoleProgress implements TrainingListener {
    /** How the progress is shown. */
    enum Mode { BAR, LINES, OFF }

    private static final int WIDTH = 30;
    static final long LINE_INTERVAL_NANOS = 10_000_000_000L;
    private final PrintStream out;
    private final int totalEpochs;
    private final Mode mode;
    private long epochStart;
    private long samples;
    private double lossSum;
    private long lastDraw;

    ConsoleProgress(PrintStream out, int totalEpochs, Mode mode) {
        this.out = out;
        this.totalEpochs = totalEpochs;
        this.mode = mode;
    }

    @Override
    public void onEpochStart(int epoch, int batches) {
        epochStart = System.nanoTime();
        lastDraw = epochStart;
        samples = 0;
        lossSum = 0;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, int batches, int batchSize, double loss) {
        samples += batchSize;
        lossSum += loss * batchSize;
        if (mode == Mode.OFF) {
            return;
        }
        long now = System.nanoTime();
        boolean last = batch + 1 == batches;
        double elapsed = (now - epochStart) / 1e9;
        double rate = samples / Math.max(1e-9, elapsed);
        // the batches left in this epoch and in the epochs after it, at this epoch's pace so far
        double perBatch = elapsed / (batch + 1);
        double left = perBatch * ((batches - batch - 1) + (double) (totalEpochs - epoch - 1) * batches);
        if (mode == Mode.LINES) {
            if (now - lastDraw >= LINE_INTERVAL_NANOS && !last) {
                lastDraw = now;
                out.printf(Locale.ROOT, "epoch %d/%d: batch %d/%d, %,.0f samples/s, loss %.5f, about %s left%n",
                        epoch + 1, totalEpochs, batch + 1, batches, rate, lossSum / samples, duration(left));
                out.flush();
            }
            return;
        }
        if (now - lastDraw < 100_000_000L && !last) {
            return;
        }
        lastDraw = now;
        int filled = (int) ((long) WIDTH * (batch + 1) / batches);
        out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  %,.0f samples/s  loss %.5f  %s left ", epoch + 1,
                totalEpochs, "=".repeat(filled), " ".repeat(WIDTH - filled), batch + 1, batches, rate, lossSum / samples,
                duration(left));
        if (last) {
            out.print("\r" + " ".repeat(110) + "\r");
        }
        out.flush();
    }

    /** {@code seconds} for people: "8 s", "2 min 05 s", "1 h 03 min". */
    static String duration(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
