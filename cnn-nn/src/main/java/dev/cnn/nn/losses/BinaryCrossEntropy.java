package dev.cnn.nn.losses;

import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;

/**
 * Binary cross-entropy {@code -mean(y·log p + (1-y)·log(1-p))} over every element, for probabilities
 * in (0, 1) (clamped to {@link Loss#CLAMP}). Fused with a final sigmoid, it is computed from the logits
 * as {@code max(z,0) - z·y + log(1 + e^-|z|)}, exact for any z, with gradient {@code (p - y) / count}.
 * Use {@link Loss#BINARY_CROSS_ENTROPY}.
 */
public final class BinaryCrossEntropy implements Loss {
    BinaryCrossEntropy() {
    }

    @Override
    public String typeName() {
        return "BinaryCrossEntropy";
    }

    @Override
    public Task task() {
        return Task.BINARY_CLASSIFICATION;
    }

    @Override
    public double value(Tensor yPred, Tensor y) {
        Loss.checkShapes(yPred, y);
        float[] p = yPred.data();
        float[] t = y.data();
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            double q = Math.min(1 - CLAMP, Math.max(CLAMP, p[i]));
            s -= t[i] * Math.log(q) + (1 - t[i]) * Math.log(1 - q);
        }
        return s / p.length;
    }

    @Override
    public void gradient(Tensor yPred, Tensor y, Tensor grad) {
        Loss.checkShapes(yPred, y);
        float[] p = yPred.data();
        float[] t = y.data();
        float[] g = grad.data();
        for (int i = 0; i < p.length; i++) {
            double q = Math.min(1 - CLAMP, Math.max(CLAMP, p[i]));
            g[i] = (float) ((q - t[i]) / (q * (1 - q)) / p.length);
        }
    }

    @Override
    public Activation.Kind fusedActivation() {
        return Activation.Kind.SIGMOID;
    }

    @Override
    public double valueFromLogits(Tensor z, Tensor y) {
        float[] a = z.data();
        float[] t = y.data();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double v = a[i];
            s += Math.max(v, 0) - v * t[i] + Math.log1p(Math.exp(-Math.abs(v)));
        }
        return s / a.length;
    }

    @Override
    public void gradientFromLogits(Tensor p, Tensor y, Tensor grad) {
        float[] q = p.data();
        float[] t = y.data();
        float[] g = grad.data();
        float scale = 1f / q.length;
        for (int i = 0; i < q.length; i++) {
            g[i] = (q[i] - t[i]) * scale;
        }
    }

    @Override
    public String toString() {
        return typeName();
    }
}
