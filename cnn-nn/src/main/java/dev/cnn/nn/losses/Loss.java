package dev.cnn.nn.losses;

import dev.cnn.core.ConfigView;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import java.util.Map;

/**
 * A training objective: the mean loss of a batch of predictions against targets of the same shape, and
 * its gradient. The built-in losses are the constants below; write your own by implementing this
 * interface (and register it with {@link dev.cnn.nn.io.ModelTypes#registerLoss} so models using it save and load).
 *
 * <p>A loss may be <em>fused</em> with the model's final activation ({@link #fusedActivation()}): the
 * model then computes loss and gradient from that activation's input (the logits) through
 * {@link #valueFromLogits} and {@link #gradientFromLogits}, which is exact where the probability
 * saturates, and skips the activation's own backward pass.
 *
 * <p>Implementations are stateless or immutable and therefore thread-safe.
 */
public interface Loss {
    /** {@code -mean(y·log p + (1-y)·log(1-p))} over every element; see {@link BinaryCrossEntropy}. */
    Loss BINARY_CROSS_ENTROPY = new BinaryCrossEntropy();
    /** {@code mean((p - y)²)} over every element; see {@link MeanSquaredError}. */
    Loss MEAN_SQUARED_ERROR = new MeanSquaredError();
    /** {@code -mean over samples of sum(y·log p)} for one-hot targets; see {@link CategoricalCrossEntropy}. */
    Loss CATEGORICAL_CROSS_ENTROPY = new CategoricalCrossEntropy();

    /** The probability clamp of the cross-entropies: p is kept in [1e-7, 1 - 1e-7] so log(0) never happens. */
    double CLAMP = 1e-7;

    /** How {@link dev.cnn.nn.Model#evaluate} scores a model trained with a loss. */
    enum Task {
        /** One probability per output element, thresholded at 0.5 (a 2x2 confusion matrix over elements). */
        BINARY_CLASSIFICATION,
        /** One row of class scores per sample, scored by its argmax against the one-hot target. */
        CLASSIFICATION,
        /** Real-valued outputs, scored by RMSE and MAE in target units. */
        REGRESSION
    }

    /** The type name saved in model files, e.g. {@code CategoricalCrossEntropy}. */
    String typeName();

    /** The hyperparameters needed to rebuild the loss (numbers, strings, lists); empty for none. */
    default Map<String, Object> config() {
        return Map.of();
    }

    /** How predictions of a model trained with this loss are scored. */
    Task task();

    /** True for the classification losses. */
    default boolean isClassification() {
        return task() != Task.REGRESSION;
    }

    /** Mean loss of the batch of predictions {@code yPred} against targets {@code y} (same shape). */
    double value(Tensor yPred, Tensor y);

    /** Writes the gradient of {@link #value} with respect to {@code yPred} into {@code grad} (same shape). */
    void gradient(Tensor yPred, Tensor y, Tensor grad);

    /**
     * The final activation this loss can be fused with (see {@link Loss}), or null for none. A loss that
     * returns an activation kind must implement {@link #valueFromLogits} and {@link #gradientFromLogits}.
     */
    default Activation.Kind fusedActivation() {
        return null;
    }

    /** Mean loss computed from the logits {@code z} (the fused activation's input) against {@code y}. */
    default double valueFromLogits(Tensor z, Tensor y) {
        throw new UnsupportedOperationException(typeName() + " is not fused with an activation");
    }

    /**
     * Writes the gradient of the mean loss with respect to the logits into {@code grad}, given the fused
     * activation's output {@code p} and the targets {@code y}.
     */
    default void gradientFromLogits(Tensor p, Tensor y, Tensor grad) {
        throw new UnsupportedOperationException(typeName() + " is not fused with an activation");
    }

    /** Rebuilds a loss from its saved {@link #config()}; register one per type with {@link dev.cnn.nn.io.ModelTypes#registerLoss}. */
    @FunctionalInterface
    interface Factory {
        /** The loss described by {@code config}; invalid values are an {@link IllegalArgumentException} naming the key. */
        Loss create(ConfigView config);
    }

    /** The built-in loss whose type name or constant name is {@code s}, any case. */
    static Loss parse(String s) {
        for (Loss l : new Loss[] {BINARY_CROSS_ENTROPY, MEAN_SQUARED_ERROR, CATEGORICAL_CROSS_ENTROPY}) {
            String constant = l == BINARY_CROSS_ENTROPY ? "BINARY_CROSS_ENTROPY"
                    : l == MEAN_SQUARED_ERROR ? "MEAN_SQUARED_ERROR" : "CATEGORICAL_CROSS_ENTROPY";
            if (l.typeName().equalsIgnoreCase(s) || constant.equalsIgnoreCase(s)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + s
                + "' (expected BinaryCrossEntropy, MeanSquaredError or CategoricalCrossEntropy)");
    }

    /** Fails unless predictions and targets have the same shape. */
    static void checkShapes(Tensor yPred, Tensor y) {
        if (!yPred.sameShape(y)) {
            throw new IllegalArgumentException("predictions " + yPred.shapeString() + " and targets " + y.shapeString()
                    + " must have the same shape");
        }
    }
}
