package dev.cnn.nn;

import dev.cnn.nn.losses.Loss;

/**
 * Metrics of a model on a dataset, as {@link Model#evaluate} returns them: a
 * {@link ClassificationEvaluation} for a model trained with a classification loss, a
 * {@link RegressionEvaluation} otherwise. Both are immutable values, and two results of the same model
 * on disjoint parts of a dataset {@link #merge} into the result on the whole.
 */
public sealed interface Evaluation permits ClassificationEvaluation, RegressionEvaluation {
    /** Number of samples evaluated. */
    long samples();

    /** Mean loss per sample, as the model's {@link Loss} computes it. */
    double loss();

    /** The headline metric: accuracy in [0, 1] for classification, RMSE in target units for regression. */
    double metric();

    /** The result over both sample sets; {@code other} must be of the same kind and class count. */
    Evaluation merge(Evaluation other);

    /** This result as classification metrics; an {@link IllegalStateException} for a regression result. */
    default ClassificationEvaluation classification() {
        if (this instanceof ClassificationEvaluation c) {
            return c;
        }
        throw new IllegalStateException("this is a regression result (RMSE, MAE): the model was trained with a "
                + "regression loss, so it has no accuracy, confusion matrix or precision");
    }

    /** This result as regression metrics; an {@link IllegalStateException} for a classification result. */
    default RegressionEvaluation regression() {
        if (this instanceof RegressionEvaluation r) {
            return r;
        }
        throw new IllegalStateException("this is a classification result (accuracy, confusion): the model was trained "
                + "with a classification loss, so it has no RMSE or MAE");
    }
}
