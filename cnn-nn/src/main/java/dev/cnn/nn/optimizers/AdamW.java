package dev.cnn.nn.optimizers;

import dev.cnn.core.ConfigView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter, 2019, "Decoupled Weight Decay Regularization"),
 * as Keras's {@code AdamW}: before each {@link Adam} step every parameter shrinks by {@code p ← p − lr·λ·p},
 * independently of the gradient's scaling. Defaults: Adam's ({@code lr = 0.001, β1 = 0.9, β2 = 0.999,
 * ε = 1e-8}) and {@code λ = weightDecay = 0.004}. State (moments and step count) is Adam's, saved with the
 * model.
 */
public final class AdamW extends Adam {
    /** Keras's default weight decay. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.004;
    private final double weightDecay;
    private float shrink;

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
        super("AdamW", learningRate, beta1, beta2, epsilon);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        }
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
    protected void beginStep(long t) {
        super.beginStep(t);
        shrink = (float) (learningRate() * weightDecay);
    }

    /** {@code p ← p − lr·λ·p}, then Adam's rule. */
    @Override
    protected void update(float[] v, float[] g, float[][] slots) {
        if (shrink != 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] -= v[i] * shrink;
            }
        }
        super.update(v, g, slots);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>(super.config());
        c.put("weightDecay", weightDecay);
        return c;
    }
}
