package dev.cnn.nn.optimizers;

import dev.cnn.core.ConfigView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba, 2015, "Adam: A Method for Stochastic Optimization"). Defaults:
 * {@code learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8}.
 *
 * <p>At step {@code t} (counting from 1), for each parameter {@code p} with gradient {@code g}:
 * {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²},
 * {@code p ← p − lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)}. One moment pair per parameter,
 * created at zero on first use; the pair and {@code t} are saved with the model so training resumes
 * exactly.
 */
public class Adam extends BaseOptimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private float b1;
    private float b2;
    private float oneMinusB1;
    private float oneMinusB2;
    private float stepSize;
    private float invSqrtC2;
    private float eps;

    /** Adam with the default settings. */
    public Adam() {
        this(0.001);
    }

    /** Adam with the given learning rate and the default betas and epsilon. */
    public Adam(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-8);
    }

    /** Adam with every setting given: {@code beta1}, {@code beta2} in [0, 1), {@code epsilon} > 0. */
    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        this("Adam", learningRate, beta1, beta2, epsilon);
    }

    /** For a variant saved as {@code type} that keeps Adam's moments (see {@link AdamW}). */
    protected Adam(String type, double learningRate, double beta1, double beta2, double epsilon) {
        super(type, learningRate, "m", "v");
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("Adam needs 0 <= beta1, beta2 < 1 and epsilon > 0, got beta1=" + beta1
                    + " beta2=" + beta2 + " epsilon=" + epsilon);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    /** Rebuilds an optimizer from its {@link #config()}; its moments follow through {@link #restore}. */
    public static Adam fromConfig(ConfigView c) {
        return new Adam(c.number("learningRate"), c.number("beta1"), c.number("beta2"), c.number("epsilon"));
    }

    @Override
    protected void beginStep(long t) {
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        // every constant from the double settings: (float) (1 − 0.999) is exact to float precision, while
        // 1 − (float) 0.999 is 1.3e-5 relatively off and made a 40-step run drift 7e-6 from double precision
        b1 = (float) beta1;
        b2 = (float) beta2;
        oneMinusB1 = (float) (1 - beta1);
        oneMinusB2 = (float) (1 - beta2);
        stepSize = (float) (learningRate() / c1);
        invSqrtC2 = (float) (1 / Math.sqrt(c2));
        eps = (float) epsilon;
    }

    @Override
    protected void update(float[] v, float[] g, float[][] slots) {
        float[] m = slots[0];
        float[] s = slots[1];
        float b1 = this.b1; // locals, as the loop had them before: nothing for the JIT to reload
        float b2 = this.b2;
        float oneMinusB1 = this.oneMinusB1;
        float oneMinusB2 = this.oneMinusB2;
        float stepSize = this.stepSize;
        float invSqrtC2 = this.invSqrtC2;
        float eps = this.eps;
        for (int i = 0; i < v.length; i++) {
            float gi = g[i];
            m[i] = b1 * m[i] + oneMinusB1 * gi;
            s[i] = b2 * s[i] + oneMinusB2 * gi * gi;
            v[i] -= stepSize * m[i] / ((float) Math.sqrt(s[i]) * invSqrtC2 + eps);
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("learningRate", learningRate());
        c.put("beta1", beta1);
        c.put("beta2", beta2);
        c.put("epsilon", epsilon);
        return c;
    }
}
