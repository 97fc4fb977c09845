package dev.cnn.nn.layers;

import dev.cnn.core.Tensor;

/**
 * A trainable tensor and the gradient of the loss with respect to it (same shape). The gradient is
 * allocated on first use, so a model used only for inference holds no gradient memory.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private Tensor grad;

    /** A parameter called {@code name} (e.g. {@code W}) holding {@code value} (used as it is, not copied). */
    public Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
    }

    /** The name within its layer, e.g. {@code W} or {@code b}. */
    public String name() {
        return name;
    }

    /** The current values (updated in place by optimizers). */
    public Tensor value() {
        return value;
    }

    /** The gradient from the latest backward pass (zeros before the first). */
    public Tensor grad() {
        if (grad == null) {
            grad = Tensor.zeros(value.shape());
        }
        return grad;
    }
}
