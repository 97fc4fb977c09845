package dev.cnn.nn;

import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.losses.Loss;

/**
 * The end of a model: the loss of a batch and the gradient where back-propagation starts. A final
 * activation of the kind {@link Loss#fusedActivation()} names (sigmoid for binary, softmax for categorical
 * cross-entropy) is fused with its loss: loss and gradient are computed from the logits (the final activation's input),
 * {@code dL/dz = (p − y) / count}, which is exact and never divides by a saturated probability; the
 * activation's own backward is then skipped. Any other ending takes the loss's value and gradient of the
 * output.
 */
final class OutputHead {
    private final Loss loss;
    private final boolean fused;

    private OutputHead(Loss loss, boolean fused) {
        this.loss = loss;
        this.fused = fused;
    }

    /** The head for a model whose final layer is {@code last}, trained with {@code loss}. */
    static OutputHead of(Layer last, Loss loss) {
        boolean fused = last instanceof Activation act && loss.fusedActivation() != null
                && act.kind() == loss.fusedActivation();
        return new OutputHead(loss, fused);
    }

    /**
     * The loss for a model ending in {@code last} when none is given: binary cross-entropy after a sigmoid,
     * categorical cross-entropy after a softmax, mean squared error otherwise (logged, so the choice is never
     * silent).
     */
    static Loss defaultLoss(Layer last) {
        Loss l = last instanceof Activation a && a.kind() == Activation.Kind.SIGMOID ? Loss.BINARY_CROSS_ENTROPY
                : last instanceof Activation a && a.kind() == Activation.Kind.SOFTMAX ? Loss.CATEGORICAL_CROSS_ENTROPY
                : Loss.MEAN_SQUARED_ERROR;
        org.apache.logging.log4j.LogManager.getLogger(Model.class).info("no loss given: using {} for a model ending in {}",
                l.typeName(), last.type());
        return l;
    }

    /** Whether back-propagation starts below the final layer (at the logits). */
    boolean fused() {
        return fused;
    }

    /** Mean loss of the batch: {@code logits} is the final layer's input, {@code output} its output. */
    double loss(Tensor logits, Tensor output, Tensor y) {
        return fused ? loss.valueFromLogits(logits, y) : loss.value(output, y);
    }

    /** Sets {@code grad} to the gradient of the mean loss: with respect to the logits when fused, else the output. */
    void gradient(Tensor output, Tensor y, Tensor grad) {
        if (fused) {
            loss.gradientFromLogits(output, y, grad);
        } else {
            loss.gradient(output, y, grad);
        }
    }
}
