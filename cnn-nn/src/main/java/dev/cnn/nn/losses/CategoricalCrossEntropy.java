package dev.cnn.nn.losses;

import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;

/**
 * Categorical cross-entropy {@code -sum_j y_j·log p_j} per sample, averaged over the batch, for
 * targets {@code (batch, classes)} (one-hot, or any distribution) and probabilities clamped below at
 * {@link Loss#CLAMP}. Fused with a final softmax it is computed from the logits through a stable
 * log-softmax, with gradient {@code (p - y) / batch} for targets that sum to 1. Use
 * {@link Loss#CATEGORICAL_CROSS_ENTROPY}; {@link WeightedCategoricalCrossEntropy} weights classes.
 */
public final class CategoricalCrossEntropy implements Loss {
    CategoricalCrossEntropy() {
    }

    @Override
    public String typeName() {
        return "CategoricalCrossEntropy";
    }

    @Override
    public Task task() {
        return Task.CLASSIFICATION;
    }

    @Override
    public double value(Tensor yPred, Tensor y) {
        Loss.checkShapes(yPred, y);
        float[] p = yPred.data();
        float[] t = y.data();
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            if (t[i] != 0f) {
                s -= t[i] * Math.log(Math.max(CLAMP, p[i]));
            }
        }
        return s / yPred.dim(0);
    }

    @Override
    public void gradient(Tensor yPred, Tensor y, Tensor grad) {
        Loss.checkShapes(yPred, y);
        float[] p = yPred.data();
        float[] t = y.data();
        float[] g = grad.data();
        int n = yPred.dim(0);
        for (int i = 0; i < p.length; i++) {
            g[i] = t[i] == 0f ? 0f : (float) (-t[i] / Math.max(CLAMP, p[i]) / n);
        }
    }

    @Override
    public Activation.Kind fusedActivation() {
        return Activation.Kind.SOFTMAX;
    }

    @Override
    public double valueFromLogits(Tensor z, Tensor y) {
        return WeightedCategoricalCrossEntropy.fromLogits(z, y, null);
    }

    @Override
    public void gradientFromLogits(Tensor p, Tensor y, Tensor grad) {
        float[] q = p.data();
        float[] t = y.data();
        float[] g = grad.data();
        float scale = 1f / p.dim(0);
        for (int i = 0; i < q.length; i++) {
            g[i] = (q[i] - t[i]) * scale;
        }
    }

    @Override
    public String toString() {
        return typeName();
    }
}
