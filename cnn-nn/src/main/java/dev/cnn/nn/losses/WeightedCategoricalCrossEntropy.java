package dev.cnn.nn.losses;

import dev.cnn.core.ConfigView;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Categorical cross-entropy with a weight per class, for imbalanced data: sample i with target row
 * {@code y_i} contributes {@code -sum_j w_j·y_ij·log p_ij}, and the loss is the sum over the batch
 * divided by the batch size (as Keras's {@code class_weight} with its default reduction). With every
 * weight 1 it equals {@link Loss#CATEGORICAL_CROSS_ENTROPY}. Fused with a final softmax, the gradient
 * with respect to the logits is {@code (p_k·sum_j w_j·y_ij - w_k·y_ik) / batch}, i.e.
 * {@code w_c·(p - y) / batch} for a one-hot target of class c. Immutable.
 */
public final class WeightedCategoricalCrossEntropy implements Loss {
    private final float[] classWeights;

    /** A loss weighting class {@code j} by {@code classWeights[j]} (finite, >= 0, at least one > 0). */
    public WeightedCategoricalCrossEntropy(float... classWeights) {
        if (classWeights.length == 0) {
            throw new IllegalArgumentException("WeightedCategoricalCrossEntropy needs one weight per class, got none");
        }
        boolean positive = false;
        for (int j = 0; j < classWeights.length; j++) {
            if (!Float.isFinite(classWeights[j]) || classWeights[j] < 0) {
                throw new IllegalArgumentException("class weight " + j + " must be finite and >= 0, got " + classWeights[j]);
            }
            positive |= classWeights[j] > 0;
        }
        if (!positive) {
            throw new IllegalArgumentException("at least one class weight must be > 0");
        }
        this.classWeights = classWeights.clone();
    }

    /** Rebuilds the loss from its {@link #config()}: {@code {"classWeights": [...]}}. */
    public static WeightedCategoricalCrossEntropy fromConfig(ConfigView c) {
        List<Double> w = c.numbers("classWeights");
        float[] f = new float[w.size()];
        for (int j = 0; j < f.length; j++) {
            f[j] = w.get(j).floatValue();
        }
        try {
            return new WeightedCategoricalCrossEntropy(f);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(c.where() + ": " + e.getMessage(), e);
        }
    }

    /** The weight of each class (a copy). */
    public float[] classWeights() {
        return classWeights.clone();
    }

    @Override
    public String typeName() {
        return "WeightedCategoricalCrossEntropy";
    }

    @Override
    public Map<String, Object> config() {
        List<Double> w = new ArrayList<>();
        for (float f : classWeights) {
            w.add((double) f);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("classWeights", w);
        return c;
    }

    @Override
    public Task task() {
        return Task.CLASSIFICATION;
    }

    @Override
    public double value(Tensor yPred, Tensor y) {
        Loss.checkShapes(yPred, y);
        checkClasses(yPred);
        float[] p = yPred.data();
        float[] t = y.data();
        int classes = classWeights.length;
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            if (t[i] != 0f) {
                s -= classWeights[i % classes] * t[i] * Math.log(Math.max(CLAMP, p[i]));
            }
        }
        return s / yPred.dim(0);
    }

    @Override
    public void gradient(Tensor yPred, Tensor y, Tensor grad) {
        Loss.checkShapes(yPred, y);
        checkClasses(yPred);
        float[] p = yPred.data();
        float[] t = y.data();
        float[] g = grad.data();
        int classes = classWeights.length;
        int n = yPred.dim(0);
        for (int i = 0; i < p.length; i++) {
            g[i] = t[i] == 0f ? 0f : (float) (-classWeights[i % classes] * t[i] / Math.max(CLAMP, p[i]) / n);
        }
    }

    @Override
    public Activation.Kind fusedActivation() {
        return Activation.Kind.SOFTMAX;
    }

    @Override
    public double valueFromLogits(Tensor z, Tensor y) {
        checkClasses(z);
        return fromLogits(z, y, classWeights);
    }

    @Override
    public void gradientFromLogits(Tensor p, Tensor y, Tensor grad) {
        checkClasses(p);
        float[] q = p.data();
        float[] t = y.data();
        float[] g = grad.data();
        int classes = classWeights.length;
        double scale = 1.0 / p.dim(0);
        for (int r = 0; r < q.length; r += classes) {
            double weightedTargets = 0;
            for (int j = 0; j < classes; j++) {
                weightedTargets += classWeights[j] * t[r + j];
            }
            for (int j = 0; j < classes; j++) {
                g[r + j] = (float) ((q[r + j] * weightedTargets - classWeights[j] * t[r + j]) * scale);
            }
        }
    }

    /** {@code -sum w_j·y_j·log softmax(z)_j} per row through a stable log-softmax, over the batch size; null weights: all 1. */
    static double fromLogits(Tensor z, Tensor y, float[] weights) {
        float[] a = z.data();
        float[] t = y.data();
        int classes = z.dim(1);
        double s = 0;
        for (int r = 0; r < a.length; r += classes) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, a[r + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(a[r + j] - max);
            }
            double logSum = max + Math.log(sum);
            for (int j = 0; j < classes; j++) {
                if (t[r + j] != 0f) {
                    s -= (weights == null ? 1.0 : weights[j]) * t[r + j] * (a[r + j] - logSum);
                }
            }
        }
        return s / z.dim(0);
    }

    private void checkClasses(Tensor t) {
        if (t.rank() != 2 || t.dim(1) != classWeights.length) {
            throw new IllegalArgumentException("WeightedCategoricalCrossEntropy has " + classWeights.length
                    + " class weights but the predictions have shape " + t.shapeString() + "; expected (batch, "
                    + classWeights.length + ")");
        }
    }

    @Override
    public String toString() {
        return typeName() + config();
    }
}
