package dev.cnn.nn;

import dev.cnn.core.Dataset;
import dev.cnn.nn.schedules.LearningRateSchedule;
import java.nio.file.Path;

/**
 * Settings for {@link Model#train}: the report's {@code train(X, y, epochs, val, batch_size, shuffling,
 * verbose, save_after)}. Defaults: 10 epochs, batch 32, shuffled with seed 0, no validation, epoch logging on,
 * no checkpoints, no listener, divergence factor {@value #DEFAULT_DIVERGENCE_FACTOR}, the model's own learning-rate
 * schedule, no early stopping. Immutable; each
 * {@code withX} returns a copy.
 *
 * @param divergenceFactor training stops with a {@link TrainingDivergedException}, before the update,
 *                         when a batch's loss exceeds this many times {@code max(1, first batch loss)} of
 *                         the {@link Model#train} call; {@code Double.POSITIVE_INFINITY} turns the check off
 *                         (non-finite losses and gradients always stop training)
 * @param schedule         the learning rate per epoch, or null to keep the model's own schedule (the one
 *                         it was last trained or saved with; with none, the optimizer's rate stays as it is)
 * @param earlyStopping    when to stop before {@code epochs} (see {@link EarlyStopping}), or null to train them all
 */
public record TrainOptions(int epochs, int batchSize, boolean shuffle, long seed, Dataset validation,
                           boolean verbose, Path checkpoint, int checkpointEvery, TrainingListener listener,
                           double divergenceFactor, LearningRateSchedule schedule, EarlyStopping earlyStopping) {
    /** The default {@link #divergenceFactor()}: a loss a million times the first batch's is a blow-up. */
    public static final double DEFAULT_DIVERGENCE_FACTOR = 1e6;

    /** Checks every setting; invalid ones are an {@link IllegalArgumentException} naming them. */
    public TrainOptions {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpoint interval must be >= 0 epochs, got " + checkpointEvery);
        }
        if (seed < 0 || seed > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("seed must be between 0 and 2^32-1, got " + seed);
        }
        if (!(divergenceFactor > 1)) {
            throw new IllegalArgumentException("divergence factor must be > 1 (or infinite), got " + divergenceFactor);
        }
    }

    /** The defaults listed above. */
    public static TrainOptions defaults() {
        return new TrainOptions(10, 32, true, 0, null, true, null, 0, null, DEFAULT_DIVERGENCE_FACTOR, null, null);
    }

    /** A copy training {@code e} more epochs (>= 0). */
    public TrainOptions withEpochs(int e) {
        return new TrainOptions(e, batchSize, shuffle, seed, validation, verbose, checkpoint, checkpointEvery, listener,
                divergenceFactor, schedule, earlyStopping);
    }

    /** A copy with batches of {@code b} samples (>= 1). */
    public TrainOptions withBatchSize(int b) {
        return new TrainOptions(epochs, b, shuffle, seed, validation, verbose, checkpoint, checkpointEvery, listener,
                divergenceFactor, schedule, earlyStopping);
    }

    /** A copy that shuffles each epoch ({@code s}) with orders drawn from {@code shuffleSeed} (0 to 2^32-1). */
    public TrainOptions withShuffle(boolean s, long shuffleSeed) {
        return new TrainOptions(epochs, batchSize, s, shuffleSeed, validation, verbose, checkpoint, checkpointEvery,
                listener, divergenceFactor, schedule, earlyStopping);
    }

    /** A copy that evaluates on {@code v} after each epoch (null: none). */
    public TrainOptions withValidation(Dataset v) {
        return new TrainOptions(epochs, batchSize, shuffle, seed, v, verbose, checkpoint, checkpointEvery, listener,
                divergenceFactor, schedule, earlyStopping);
    }

    /** A copy that logs each epoch ({@code v}) or not. */
    public TrainOptions withVerbose(boolean v) {
        return new TrainOptions(epochs, batchSize, shuffle, seed, validation, v, checkpoint, checkpointEvery, listener,
                divergenceFactor, schedule, earlyStopping);
    }

    /** Saves the model to {@code path} (atomically) every {@code everyEpochs} epochs and when training stops early. */
    public TrainOptions withCheckpoint(Path path, int everyEpochs) {
        return new TrainOptions(epochs, batchSize, shuffle, seed, validation, verbose, path, everyEpochs, listener,
                divergenceFactor, schedule, earlyStopping);
    }

    /** A copy that reports progress to {@code l} (null: none). */
    public TrainOptions withListener(TrainingListener l) {
        return new TrainOptions(epochs, batchSize, shuffle, seed, validation, verbose, checkpoint, checkpointEvery, l,
                divergenceFactor, schedule, earlyStopping);
    }

    /** See {@link #divergenceFactor()}. */
    public TrainOptions withDivergenceFactor(double factor) {
        return new TrainOptions(epochs, batchSize, shuffle, seed, validation, verbose, checkpoint, checkpointEvery,
                listener, factor, schedule, earlyStopping);
    }

    /** Sets the learning rate per epoch (see {@link LearningRateSchedule}); it is saved with the model. */
    public TrainOptions withSchedule(LearningRateSchedule s) {
        return new TrainOptions(epochs, batchSize, shuffle, seed, validation, verbose, checkpoint, checkpointEvery,
                listener, divergenceFactor, s, earlyStopping);
    }

    /** Stops training early by {@code e}'s rule (null: never); see {@link EarlyStopping}. */
    public TrainOptions withEarlyStopping(EarlyStopping e) {
        return new TrainOptions(epochs, batchSize, shuffle, seed, validation, verbose, checkpoint, checkpointEvery,
                listener, divergenceFactor, schedule, e);
    }
}
