package dev.cnn.app;

import dev.cnn.nn.TrainingListener;
import java.io.PrintStream;

/**
 * A one-line progress bar per epoch on standard error: batches done, images per second and the running
 * loss. Off when standard error is not a terminal or with {@code --quiet}.
 */
class ConsoleProgress implements TrainingListener {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final int totalEpochs;
    private final boolean enabled;
    private long epochStart;
    private long samples;
    private double lossSum;
    private long lastDraw;

    ConsoleProgress(PrintStream out, int totalEpochs, boolean enabled) {
        this.out = out;
        this.totalEpochs = totalEpochs;
        this.enabled = enabled;
    }

    @Override
    public void onEpochStart(int epoch, int batches) {
        epochStart = System.nanoTime();
        samples = 0;
        lossSum = 0;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, int batches, int batchSize, double loss) {
        samples += batchSize;
        lossSum += loss * batchSize;
        long now = System.nanoTime();
        if (!enabled || (now - lastDraw < 100_000_000L && batch + 1 < batches)) {
            return;
        }
        lastDraw = now;
        int filled = (int) ((long) WIDTH * (batch + 1) / batches);
        double rate = samples / Math.max(1e-9, (now - epochStart) / 1e9);
        out.printf("\repoch %d/%d [%s%s] %d/%d  %,.0f samples/s  loss %.5f ", epoch + 1, totalEpochs,
                "=".repeat(filled), " ".repeat(WIDTH - filled), batch + 1, batches, rate, lossSum / samples);
        if (batch + 1 == batches) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
        out.flush();
    }
}
