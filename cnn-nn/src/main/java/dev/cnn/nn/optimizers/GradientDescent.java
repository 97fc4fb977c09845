package dev.cnn.nn.optimizers;

import dev.cnn.core.ConfigView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent, with optional momentum and Nesterov momentum, as Keras's {@code SGD}
 * (Polyak 1964; Nesterov 1983, in the form of Sutskever et al. 2013). With momentum {@code μ} each parameter
 * keeps a velocity {@code u} (starting at 0): {@code u ← μ·u − lr·g}, then {@code p ← p + u}, or with Nesterov
 * {@code p ← p + μ·u − lr·g}. Without momentum (the default, {@code μ = 0}): {@code p ← p − lr·g} and no
 * state. The velocities and the step count are saved with the model, so {@code --resume} continues exactly.
 */
public final class GradientDescent extends BaseOptimizer {
    private final double momentum;
    private final boolean nesterov;
    private float lr;
    private float mu;

    /** Plain gradient descent; {@code learningRate} must be positive. */
    public GradientDescent(double learningRate) {
        this(learningRate, 0, false);
    }

    /** Gradient descent with {@code momentum} in [0, 1), Nesterov's form when {@code nesterov}. */
    public GradientDescent(double learningRate, double momentum, boolean nesterov) {
        super("GradientDescent", learningRate, momentum > 0 ? new String[] {"velocity"} : new String[0]);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum needs a momentum > 0");
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    /** Rebuilds an optimizer from its {@link #config()} (files without momentum are plain descent). */
    public static GradientDescent fromConfig(ConfigView c) {
        return new GradientDescent(c.number("learningRate"), c.has("momentum") ? c.number("momentum") : 0,
                c.has("nesterov") && c.bool("nesterov"));
    }

    /** The momentum {@code μ} (0: none). */
    public double momentum() {
        return momentum;
    }

    /** Whether the Nesterov form is used. */
    public boolean nesterov() {
        return nesterov;
    }

    @Override
    protected void beginStep(long t) {
        lr = (float) learningRate();
        mu = (float) momentum;
    }

    @Override
    protected void update(float[] v, float[] g, float[][] slots) {
        if (momentum == 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] -= lr * g[i];
            }
            return;
        }
        float[] u = slots[0];
        for (int i = 0; i < v.length; i++) {
            u[i] = mu * u[i] - lr * g[i];
            v[i] += nesterov ? mu * u[i] - lr * g[i] : u[i];
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("learningRate", learningRate());
        if (momentum > 0) {
            c.put("momentum", momentum);
            c.put("nesterov", nesterov);
        }
        return c;
    }
}
