package dev.cnn.nn.optimizers;

import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Parameter;
import java.util.Map;

/**
 * What every optimizer shares: the learning rate, the step count and the per-parameter state, saved with the
 * model as {@code optimizer/<layer>.<param>.<slot>.npy} and restored exactly. A subclass names its slots
 * (e.g. Adam's {@code m} and {@code v}; none for plain gradient descent) and gives its update rule for one
 * parameter; {@link #beginStep} computes what a rule needs once per step (e.g. Adam's bias corrections).
 * Slots start at zero when a parameter is first updated. Not thread-safe.
 */
public abstract class BaseOptimizer implements Optimizer {
    private static final float[][] NO_SLOTS = new float[0][];
    private final String type;
    private final String[] slotNames;
    private final Slots slots;
    private double learningRate;
    private long steps;

    /**
     * An optimizer saved as {@code type}, at {@code learningRate} (positive, finite), keeping the state
     * {@code slotNames} (one array per parameter each).
     */
    protected BaseOptimizer(String type, double learningRate, String... slotNames) {
        this.type = type;
        this.learningRate = Optimizer.checkLearningRate(learningRate);
        this.slotNames = slotNames.clone();
        this.slots = new Slots(type, slotNames);
    }

    @Override
    public String type() {
        return type;
    }

    /** Counts the step, calls {@link #beginStep}, then {@link #update} for every parameter in order. */
    @Override
    public final void step(Map<String, Parameter> parameters) {
        steps++;
        beginStep(steps);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            float[] value = e.getValue().value().data();
            update(value, e.getValue().grad().data(), slotNames.length == 0 ? NO_SLOTS : slots.of(e.getKey(), value.length));
        }
    }

    /** Called once per step before the updates, with the step number {@code t} (counting from 1). */
    protected void beginStep(long t) {
    }

    /**
     * The update rule for one parameter: {@code value} (changed in place) from its {@code grad}, with this
     * parameter's state arrays {@code slots} in the order the constructor named them (changed in place).
     */
    protected abstract void update(float[] value, float[] grad, float[][] slots);

    @Override
    public final double learningRate() {
        return learningRate;
    }

    @Override
    public final void setLearningRate(double lr) {
        this.learningRate = Optimizer.checkLearningRate(lr);
    }

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final Map<String, Tensor> state() {
        return slots.state();
    }

    @Override
    public final void restore(long steps, Map<String, Tensor> state) {
        if (steps < 0) {
            throw new IllegalArgumentException(type + " step count must be >= 0, got " + steps);
        }
        if (slotNames.length == 0 && !state.isEmpty()) {
            throw new IllegalArgumentException(type + " keeps no state, but got " + state.keySet());
        }
        slots.restore(state);
        this.steps = steps;
    }

    /** After {@link #restore}: every slot belongs to a parameter with its size, and after steps all have one. */
    @Override
    public final void checkState(Map<String, Parameter> parameters) {
        if (slotNames.length > 0) {
            slots.check(parameters, steps);
        }
    }
}
