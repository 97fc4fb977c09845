package dev.cnn.nn;

import dev.cnn.core.Tensor;
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
public final class Adam implements Optimizer {
    private double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final Map<String, float[][]> moments = new LinkedHashMap<>();
    private long steps;

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
        Optimizer.checkLearningRate(learningRate);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("Adam needs 0 <= beta1, beta2 < 1 and epsilon > 0, got beta1=" + beta1
                    + " beta2=" + beta2 + " epsilon=" + epsilon);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    /** Rebuilds an optimizer from its {@link #config()}; its moments follow through {@link #restore}. */
    public static Adam fromConfig(ConfigView c) {
        return new Adam(c.number("learningRate"), c.number("beta1"), c.number("beta2"), c.number("epsilon"));
    }

    @Override
    public String type() {
        return "Adam";
    }

    @Override
    public void step(Map<String, Parameter> parameters) {
        steps++;
        double c1 = 1 - Math.pow(beta1, steps);
        double c2 = 1 - Math.pow(beta2, steps);
        // every constant from the double settings: (float) (1 − 0.999) is exact to float precision, while
        // 1 − (float) 0.999 is 1.3e-5 relatively off and made a 40-step run drift 7e-6 from double precision
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1);
        float oneMinusB2 = (float) (1 - beta2);
        float stepSize = (float) (learningRate / c1);
        float invSqrtC2 = (float) (1 / Math.sqrt(c2));
        float eps = (float) epsilon;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            float[] v = e.getValue().value().data();
            float[] g = e.getValue().grad().data();
            float[][] mv = moments.computeIfAbsent(e.getKey(), k -> new float[][] {new float[v.length], new float[v.length]});
            float[] m = mv[0];
            float[] s = mv[1];
            for (int i = 0; i < v.length; i++) {
                float gi = g[i];
                m[i] = b1 * m[i] + oneMinusB1 * gi;
                s[i] = b2 * s[i] + oneMinusB2 * gi * gi;
                v[i] -= stepSize * m[i] / ((float) Math.sqrt(s[i]) * invSqrtC2 + eps);
            }
        }
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
        c.put("beta1", beta1);
        c.put("beta2", beta2);
        c.put("epsilon", epsilon);
        return c;
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (Map.Entry<String, float[][]> e : moments.entrySet()) {
            s.put(e.getKey() + ".m", Tensor.wrap(e.getValue()[0], e.getValue()[0].length));
            s.put(e.getKey() + ".v", Tensor.wrap(e.getValue()[1], e.getValue()[1].length));
        }
        return s;
    }

    @Override
    public void restore(long steps, Map<String, Tensor> state) {
        if (steps < 0) {
            throw new IllegalArgumentException("Adam step count must be >= 0, got " + steps);
        }
        moments.clear();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            if (!key.endsWith(".m") && !key.endsWith(".v")) {
                throw new IllegalArgumentException("unexpected Adam state entry '" + key + "'");
            }
            String param = key.substring(0, key.length() - 2);
            float[][] mv = moments.computeIfAbsent(param, k -> new float[2][]);
            mv[key.endsWith(".m") ? 0 : 1] = e.getValue().data().clone();
        }
        for (Map.Entry<String, float[][]> e : moments.entrySet()) {
            float[][] mv = e.getValue();
            if (mv[0] == null || mv[1] == null) {
                throw new IllegalArgumentException("Adam state '" + e.getKey() + (mv[0] == null ? ".m" : ".v")
                        + "' is missing (the other moment is there)");
            }
            if (mv[0].length != mv[1].length) {
                throw new IllegalArgumentException("Adam state for '" + e.getKey() + "' has m and v of different sizes");
            }
        }
        this.steps = steps;
    }

    /**
     * Checks that restored moments belong to the parameters, match their sizes, and, once steps were
     * taken, cover every parameter.
     */
    @Override
    public void checkState(Map<String, Parameter> parameters) {
        if (steps > 0) {
            for (String name : parameters.keySet()) {
                for (String part : new String[] {".m", ".v"}) {
                    float[][] mv = moments.get(name);
                    if (mv == null || mv[part.equals(".m") ? 0 : 1] == null) {
                        throw new IllegalArgumentException("Adam state '" + name + part + "' is missing after " + steps
                                + " steps");
                    }
                }
            }
        }
        for (Map.Entry<String, float[][]> e : moments.entrySet()) {
            Parameter p = parameters.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("Adam state names parameter '" + e.getKey() + "' which the model lacks");
            }
            if (p.value().size() != e.getValue()[0].length) {
                throw new IllegalArgumentException("Adam state for '" + e.getKey() + "' has " + e.getValue()[0].length
                        + " values but the parameter has " + p.value().size());
            }
        }
    }
}
