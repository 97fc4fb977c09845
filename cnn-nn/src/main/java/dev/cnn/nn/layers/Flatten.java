package dev.cnn.nn.layers;

import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import java.util.Map;

/** {@code (batch, ...)} to {@code (batch, features)}, sharing the data; the gradient goes back in the input's shape. */
public final class Flatten implements Layer {
    private int[] inputShape;

    @Override
    public String type() {
        return "Flatten";
    }

    @Override
    public int[] outputShape(int[] sample) {
        return new int[] {Shapes.product(sample)};
    }

    @Override
    public Tensor forward(Tensor x) {
        inputShape = x.shape();
        return x.reshape(x.dim(0), -1);
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        return needInputGradient ? dy.reshape(inputShape) : null;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Layer copySharingParameters() {
        return new Flatten();
    }
}
