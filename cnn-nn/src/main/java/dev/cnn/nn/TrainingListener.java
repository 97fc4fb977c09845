package dev.cnn.nn;

/**
 * Receives training progress from {@link Model#train}. Every method has an empty default, so a
 * listener implements only what it needs (a progress bar, a log line, a checkpoint, early stopping
 * through {@link Model#requestStop()}).
 */
public interface TrainingListener {
    /** An epoch (0-based, counted over the model's whole life) starts; it has {@code batches} batches. */
    default void onEpochStart(int epoch, int batches) {
    }

    /** Batch {@code batch} (0-based) of {@code batches} is done; {@code loss} is that batch's mean loss. */
    default void onBatchEnd(int epoch, int batch, int batches, int batchSize, double loss) {
    }

    /** An epoch ended with the given train loss and (NaN without validation data) validation loss and metric. */
    default void onEpochEnd(int epoch, double trainLoss, double validationLoss, double validationMetric) {
    }
}
