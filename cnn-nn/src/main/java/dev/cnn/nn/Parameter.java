package dev.cnn.nn;

import dev.cnn.core.Tensor;

/** A trainable tensor and the gradient of the loss with respect to it (same shape). */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;

    public Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
        this.grad = Tensor.zeros(value.shape());
    }

    /** The name within its layer, e.g. {@code W} or {@code b}. */
    public String name() {
        return name;
    }

    public Tensor value() {
        return value;
    }

    /** The gradient from the latest backward pass. */
    public Tensor grad() {
        return grad;
    }
}
