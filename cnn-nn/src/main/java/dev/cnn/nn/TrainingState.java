package dev.cnn.nn;

import dev.cnn.core.internal.SplitMix;
import dev.cnn.nn.schedules.LearningRateSchedule;

/**
 * Where a model's training stands, as a value saved with the model: epochs done over its life, batches done
 * in the current unfinished epoch (0 between epochs), the shuffle seed, the per-epoch history, the
 * learning-rate schedule (its position is the epoch) and the reference loss of the divergence guard (the
 * first batch loss of the run; NaN before it). A {@link Trainer} advances it batch by batch; a run resumed
 * from a saved model continues with exactly the batches, masks and rates the uninterrupted run would have
 * had.
 *
 * @param epochsDone         completed epochs, >= 0
 * @param batchesDoneInEpoch batches done of epoch {@code epochsDone}, >= 0
 * @param seed               the shuffle seed (epoch {@code e} is ordered by {@code NumpyRandom(seed + 7919·e)})
 * @param history            one entry per completed epoch
 * @param schedule           the learning rate per epoch, or null for the optimizer's own rate
 * @param referenceLoss      what a blow-up is measured against, NaN when not yet known
 */
public record TrainingState(int epochsDone, int batchesDoneInEpoch, long seed, History history,
                            LearningRateSchedule schedule, double referenceLoss) {
    /** A model that has not trained: epoch 0, batch 0, seed 0, no history, no schedule. */
    public static final TrainingState INITIAL = new TrainingState(0, 0, 0, History.EMPTY, null, Double.NaN);

    /** Checks the values. */
    public TrainingState {
        if (epochsDone < 0 || batchesDoneInEpoch < 0) {
            throw new IllegalArgumentException("training position must be >= 0, got epoch " + epochsDone + ", batch "
                    + batchesDoneInEpoch);
        }
        if (history == null) {
            throw new IllegalArgumentException("a training state needs a history (History.EMPTY for none)");
        }
        if (history.epochs() > epochsDone) {
            throw new IllegalArgumentException("the history has " + history.epochs() + " epochs but only " + epochsDone
                    + " are done");
        }
    }

    /** This state at epoch {@code epoch}, batch {@code batch} (for a replica computing another model's step). */
    public TrainingState at(int epoch, int batch) {
        return new TrainingState(epoch, batch, seed, history, schedule, referenceLoss);
    }

    /** One more batch of the current epoch done. */
    TrainingState nextBatch() {
        return at(epochsDone, batchesDoneInEpoch + 1);
    }

    /** The current epoch ended with these figures: the history grows and the next epoch starts at batch 0. */
    TrainingState endEpoch(double trainLoss, double validationLoss, double validationMetric) {
        return new TrainingState(epochsDone + 1, 0, seed, history.plus(trainLoss, validationLoss, validationMetric),
                schedule, referenceLoss);
    }

    /** With {@code s} as the shuffle seed. */
    public TrainingState withSeed(long s) {
        return new TrainingState(epochsDone, batchesDoneInEpoch, s, history, schedule, referenceLoss);
    }

    /** With {@code s} as the schedule (null: none). */
    public TrainingState withSchedule(LearningRateSchedule s) {
        return new TrainingState(epochsDone, batchesDoneInEpoch, seed, history, s, referenceLoss);
    }

    /** With {@code loss} as the divergence guard's reference (NaN: the next batch sets it). */
    public TrainingState withReferenceLoss(double loss) {
        return new TrainingState(epochsDone, batchesDoneInEpoch, seed, history, schedule, loss);
    }

    /**
     * The seed of layer {@code layer}'s randomness (e.g. a dropout mask) in the training pass at this position:
     * a mix of the shuffle seed, the epoch, the batch and the layer, so a resumed run draws what the
     * uninterrupted one drew.
     */
    public long passSeed(int layer) {
        return SplitMix.mix(seed * 0x9E3779B97F4A7C15L + epochsDone * 0xBF58476D1CE4E5B9L
                + batchesDoneInEpoch * 0x94D049BB133111EBL + layer + 1) & 0xFFFFFFFFL;
    }
}
