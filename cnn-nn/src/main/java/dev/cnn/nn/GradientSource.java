package dev.cnn.nn;

import dev.cnn.nn.layers.Parameter;

/**
 * The seam between the training loop and where gradients are computed. A {@link Trainer} asks for one
 * batch at a time; the source computes the gradient of that batch's mean loss with respect to every
 * trainable parameter of the model and leaves it in the parameters' gradients ({@link Parameter#grad()}),
 * without updating anything. Locally ({@link Trainer#fit(dev.cnn.core.Dataset)}) that is a forward and a
 * backward pass on the batch; on Spark ({@code dev.cnn.spark.SparkTrainer}) the weights are broadcast, each
 * partition computes its slice's gradient, and the sums are tree-reduced into the model. The trainer then
 * applies the divergence guard, L2, clipping and the optimizer, the same way for every source.
 */
public interface GradientSource {
    /** The loss and size of one batch. {@code loss} is the mean over its {@code rows} samples, before L2. */
    record Step(double loss, int rows) {
    }

    /** Batches per epoch (>= 1). */
    int batches();

    /** Epoch {@code epoch} (counted over the model's life) is about to start (e.g. to order the data). */
    default void beginEpoch(int epoch) {
    }

    /**
     * Sets the gradients of the model's trainable parameters for batch {@code batch} of epoch {@code epoch}
     * and returns the batch's mean loss. A non-finite input is an {@link IllegalArgumentException} naming the
     * sample.
     */
    Step gradient(int epoch, int batch);
}
