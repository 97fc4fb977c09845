package dev.cnn.nn;

/**
 * When {@link Model#train} stops before its epochs are done, as Keras's {@code EarlyStopping}: after each
 * epoch the monitored value is compared with the best so far; it improves when it beats the best by more
 * than {@code minDelta} (lower for losses and RMSE, higher for accuracy); after {@code patience} epochs in
 * a row without improvement training stops. With {@code restoreBestWeights} the parameters and layer state
 * (e.g. batch-norm statistics) of the best epoch are put back when training stops early (the optimizer's
 * state is not). A monitor of validation values needs validation data in {@link TrainOptions}.
 *
 * @param monitor            the value watched
 * @param patience           epochs without improvement before stopping, >= 0 (0: stop at the first)
 * @param minDelta           the smallest change that counts as an improvement, >= 0
 * @param restoreBestWeights whether to end with the best epoch's weights
 */
public record EarlyStopping(Monitor monitor, int patience, double minDelta, boolean restoreBestWeights) {

    /** The value {@link EarlyStopping} watches. */
    public enum Monitor {
        /** The mean training loss of the epoch (lower is better). */
        TRAINING_LOSS,
        /** The validation loss (lower is better); Keras's default. */
        VALIDATION_LOSS,
        /** The validation metric: accuracy (higher is better) or RMSE (lower is better). */
        VALIDATION_METRIC
    }

    /** Checks the settings. */
    public EarlyStopping {
        if (monitor == null || patience < 0 || !(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("EarlyStopping needs a monitor, patience >= 0 and a finite minDelta >= 0, got "
                    + monitor + ", " + patience + ", " + minDelta);
        }
    }

    /** Watches the validation loss with the given patience, restoring the best weights. */
    public static EarlyStopping onValidationLoss(int patience) {
        return new EarlyStopping(Monitor.VALIDATION_LOSS, patience, 0, true);
    }
}
