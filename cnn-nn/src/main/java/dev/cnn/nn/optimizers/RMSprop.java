package dev.cnn.nn.optimizers;

import dev.cnn.core.ConfigView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RMSprop (Hinton, Srivastava &amp; Swersky, 2012, "Neural Networks for Machine Learning", lecture 6e), as
 * Keras 3's {@code RMSprop} without momentum or centring. Defaults: {@code learningRate = 0.001,
 * rho = 0.9, epsilon = 1e-7}. For each parameter {@code p} with gradient {@code g} and mean square
 * {@code s} (starting at 0): {@code s ← ρ·s + (1−ρ)·g²}, {@code p ← p − lr·g / sqrt(s + ε)}. The mean squares
 * and the step count are saved with the model, so training resumes exactly.
 */
public final class RMSprop extends BaseOptimizer {
    private final double rho;
    private final double epsilon;
    private float lr;
    private float r;
    private float oneMinusRho;
    private float eps;

    /** RMSprop with the defaults. */
    public RMSprop() {
        this(0.001);
    }

    /** RMSprop at {@code learningRate} with the default rho and epsilon. */
    public RMSprop(double learningRate) {
        this(learningRate, 0.9, 1e-7);
    }

    /** RMSprop with every setting: {@code rho} in [0, 1), {@code epsilon} > 0. */
    public RMSprop(double learningRate, double rho, double epsilon) {
        super("RMSprop", learningRate, "ms");
        if (!(rho >= 0 && rho < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("RMSprop needs 0 <= rho < 1 and epsilon > 0, got rho=" + rho
                    + " epsilon=" + epsilon);
        }
        this.rho = rho;
        this.epsilon = epsilon;
    }

    /** Rebuilds an optimizer from its {@link #config()}; its state follows through {@link #restore}. */
    public static RMSprop fromConfig(ConfigView c) {
        return new RMSprop(c.number("learningRate"), c.number("rho"), c.number("epsilon"));
    }

    @Override
    protected void beginStep(long t) {
        lr = (float) learningRate();
        r = (float) rho;
        oneMinusRho = (float) (1 - rho);
        eps = (float) epsilon;
    }

    @Override
    protected void update(float[] v, float[] g, float[][] slots) {
        float[] s = slots[0];
        for (int i = 0; i < v.length; i++) {
            s[i] = r * s[i] + oneMinusRho * g[i] * g[i];
            v[i] -= lr * g[i] / (float) Math.sqrt(s[i] + eps);
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("learningRate", learningRate());
        c.put("rho", rho);
        c.put("epsilon", epsilon);
        return c;
    }
}
