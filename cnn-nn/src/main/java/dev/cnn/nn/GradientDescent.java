package dev.cnn.nn;

import dev.cnn.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** Plain gradient descent: {@code p ← p − lr·g}. Stateless apart from its step count. */
public final class GradientDescent implements Optimizer {
    private double learningRate;
    private long steps;

    /** {@code learningRate} must be positive. */
    public GradientDescent(double learningRate) {
        Optimizer.checkLearningRate(learningRate);
        this.learningRate = learningRate;
    }

    /** Rebuilds an optimizer from its {@link #config()}. */
    public static GradientDescent fromConfig(ConfigView c) {
        return new GradientDescent(c.number("learningRate"));
    }

    @Override
    public String type() {
        return "GradientDescent";
    }

    @Override
    public void step(Map<String, Parameter> parameters) {
        float lr = (float) learningRate;
        for (Parameter p : parameters.values()) {
            float[] v = p.value().data();
            float[] g = p.grad().data();
            for (int i = 0; i < v.length; i++) {
                v[i] -= lr * g[i];
            }
        }
        steps++;
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    @Override
    public void setLearningRate(double lr) {
        this.learningRate = Optimizer.checkLearningRate(lr);
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("learningRate", learningRate);
        return c;
    }

    @Override
    public Map<String, Tensor> state() {
        return Map.of();
    }

    @Override
    public void restore(long steps, Map<String, Tensor> state) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        }
        if (!state.isEmpty()) {
            throw new IllegalArgumentException("gradient descent keeps no state, but got " + state.keySet());
        }
        this.steps = steps;
    }
}
