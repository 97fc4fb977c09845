package dev.cnn.nn.optimizers;

import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Parameter;
import java.util.Locale;
import java.util.Map;

/**
 * Updates parameters from their gradients. Parameters are identified by their full name
 * ({@code layer.param}), which keys any per-parameter state so that state can be saved and restored.
 */
public interface Optimizer {
    /** The type name saved in model files. */
    String type();

    /** Applies one update to every parameter from its current gradient. */
    void step(Map<String, Parameter> parameters);

    /** The current learning rate. */
    double learningRate();

    /** Changes the learning rate for the following steps (for schedules); must be positive. */
    void setLearningRate(double learningRate);

    /** Number of {@link #step} calls so far. */
    long steps();

    /** Hyperparameters (learning rate and the like). */
    Map<String, Object> config();

    /** Per-parameter state tensors by name (e.g. {@code conv1.W.m}); empty when stateless. */
    Map<String, Tensor> state();

    /**
     * Restores the step count and the state that {@link #state()} of an optimizer of the same type and
     * settings returned (names and values); fails with an {@link IllegalArgumentException} on a name it
     * does not know.
     */
    void restore(long steps, Map<String, Tensor> state);

    /**
     * After {@link #restore}: fails with an {@link IllegalArgumentException} unless the state fits these
     * parameters (names, sizes, nothing missing). Stateless optimizers accept anything.
     */
    default void checkState(Map<String, Parameter> parameters) {
    }

    /**
     * A built-in optimizer by name, any case, at {@code learningRate} with its other defaults: {@code adam},
     * {@code adamw}, {@code rmsprop}, {@code gd} / {@code GradientDescent} (plain), {@code sgd} (momentum
     * 0.9) or {@code nesterov} (Nesterov momentum 0.9).
     */
    static Optimizer named(String name, double learningRate) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "adam" -> new Adam(learningRate);
            case "adamw" -> new AdamW(learningRate, AdamW.DEFAULT_WEIGHT_DECAY);
            case "rmsprop" -> new RMSprop(learningRate);
            case "gd", "gradientdescent" -> new GradientDescent(learningRate);
            case "sgd" -> new GradientDescent(learningRate, 0.9, false);
            case "nesterov" -> new GradientDescent(learningRate, 0.9, true);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "' (expected adam, adamw, rmsprop, gd, sgd or nesterov)");
        };
    }

    /** Returns {@code learningRate} if it is positive and finite, else throws naming it. */
    static double checkLearningRate(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
        return learningRate;
    }
}
