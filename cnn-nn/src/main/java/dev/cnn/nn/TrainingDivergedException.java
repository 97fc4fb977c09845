package dev.cnn.nn;

/**
 * Training stopped because a batch gave a non-finite loss or gradient, or a loss far above the first
 * batch's (see {@link TrainOptions#divergenceFactor()}). The batch's update was not applied: the model
 * keeps the weights, optimizer state and position it had before that batch.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final int epoch;
    private final int batch;
    private final double loss;

    TrainingDivergedException(int epoch, int batch, double loss, String problem) {
        super("training diverged at epoch " + (epoch + 1) + ", batch " + (batch + 1) + ": " + problem
                + "; the update was not applied (try a smaller learning rate)");
        this.epoch = epoch;
        this.batch = batch;
        this.loss = loss;
    }

    /** The epoch (0-based, over the model's life) in which training diverged. */
    public int epoch() {
        return epoch;
    }

    /** The batch (0-based, within the epoch) whose update was refused. */
    public int batch() {
        return batch;
    }

    /** That batch's mean loss (may be NaN or infinite). */
    public double loss() {
        return loss;
    }
}
