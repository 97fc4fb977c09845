package dev.cnn.nn;

import dev.cnn.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter, 2019, "Decoupled Weight Decay Regularization"),
 * as Keras's {@code AdamW}: before each {@link Adam} step every parameter shrinks by {@code p ← p − lr·λ·p},
 * independently of the gradient's scaling. Defaults: Adam's ({@code lr = 0.001, β1 = 0.9, β2 = 0.999,
 * ε = 1e-8}) and {@code λ = weightDecay = 0.004}. State (moments and step count) is Adam's, saved with the
 * model.
 */
public final class AdamW implements Optimizer {
    /** Keras's default weight decay. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.004;
    private final Adam adam;
    private final double weightDecay;

    /** AdamW with the defaults. */
    public AdamW() {
        this(0.001, DEFAULT_WEIGHT_DECAY);
    }

    /** AdamW at {@code learningRate} with decay {@code weightDecay} (>= 0) and Adam's default betas and epsilon. */
    public AdamW(double learningRate, double weightDecay) {
        this(learningRate, 0.9, 0.999, 1e-8, weightDecay);
    }

    /** AdamW with every setting (see {@link Adam#Adam(double, double, double, double)}). */
    public AdamW(double learningRate, double beta1, double beta2, double epsilon, double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        }
        this.adam = new Adam(learningRate, beta1, beta2, epsilon);
        this.weightDecay = weightDecay;
    }

    /** Rebuilds an optimizer from its {@link #config()}; its moments follow through {@link #restore}. */
    public static AdamW fromConfig(ConfigView c) {
        return new AdamW(c.number("learningRate"), c.number("beta1"), c.number("beta2"), c.number("epsilon"),
                c.number("weightDecay"));
    }

    /** The decay {@code λ} per unit of learning rate. */
    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public String type() {
        return "AdamW";
    }

    @Override
    public void step(Map<String, Parameter> parameters) {
        float shrink = (float) (learningRate() * weightDecay);
        if (shrink != 0) {
            for (Parameter p : parameters.values()) {
                float[] v = p.value().data();
                for (int i = 0; i < v.length; i++) {
                    v[i] -= v[i] * shrink;
                }
            }
        }
        adam.step(parameters);
    }

    @Override
    public double learningRate() {
        return adam.learningRate();
    }

    @Override
    public void setLearningRate(double learningRate) {
        adam.setLearningRate(learningRate);
    }

    @Override
    public long steps() {
        return adam.steps();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>(adam.config());
        c.put("weightDecay", weightDecay);
        return c;
    }

    @Override
    public Map<String, Tensor> state() {
        return adam.state();
    }

    @Override
    public void restore(long steps, Map<String, Tensor> state) {
        adam.restore(steps, state);
    }

    @Override
    public void checkState(Map<String, Parameter> parameters) {
        adam.checkState(parameters);
    }
}
