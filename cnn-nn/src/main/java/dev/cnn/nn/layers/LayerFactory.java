package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import java.io.IOException;

/**
 * Rebuilds a layer from its saved form: the {@link Layer#config()} it wrote and its parameters. Register
 * one per layer type with {@link dev.cnn.nn.io.ModelTypes#registerLayer}; the built-in layers register theirs.
 */
@FunctionalInterface
public interface LayerFactory {
    /**
     * The layer described by {@code config}, with parameters taken from {@code weights} (a saved model's
     * entries, never freshly drawn). Invalid values are an {@link IllegalArgumentException} naming the key.
     */
    Layer create(ConfigView config, Weights weights) throws IOException;

    /** Where a factory takes a layer's parameters from. */
    @FunctionalInterface
    interface Weights {
        /**
         * The parameter {@code name} (as in {@link Parameter#name()}, e.g. {@code W}), which must have
         * exactly {@code shape} and finite values; a saved model reads it from {@code params/<layer>.<name>.npy}.
         */
        dev.cnn.core.Tensor get(String name, int... shape) throws IOException;
    }
}
