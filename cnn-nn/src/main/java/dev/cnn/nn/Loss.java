package dev.cnn.nn;

import dev.cnn.core.Tensor;

/**
 * Losses, each the mean over the batch. {@code BINARY_CROSS_ENTROPY} expects probabilities in (0, 1)
 * (clamped to [1e-7, 1 - 1e-7] so log(0) never happens; a {@link Model} ending in a sigmoid computes
 * it from the logits instead), {@code MEAN_SQUARED_ERROR} is the mean of squared differences over every
 * element, {@code CATEGORICAL_CROSS_ENTROPY} is {@code -sum(y·log p)} per sample for one-hot targets.
 */
public enum Loss {
    BINARY_CROSS_ENTROPY("BinaryCrossEntropy"),
    MEAN_SQUARED_ERROR("MeanSquaredError"),
    CATEGORICAL_CROSS_ENTROPY("CategoricalCrossEntropy");

    static final double CLAMP = 1e-7;
    private final String typeName;

    Loss(String typeName) {
        this.typeName = typeName;
    }

    public String typeName() {
        return typeName;
    }

    /** The loss whose type name or enum name is {@code s}, any case. */
    public static Loss parse(String s) {
        for (Loss l : values()) {
            if (l.typeName.equalsIgnoreCase(s) || l.name().equalsIgnoreCase(s)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + s
                + "' (expected BinaryCrossEntropy, MeanSquaredError or CategoricalCrossEntropy)");
    }

    /** True for the classification losses. */
    public boolean isClassification() {
        return this != MEAN_SQUARED_ERROR;
    }

    /** Mean loss over the batch of predictions {@code yPred} against targets {@code y} (same shape). */
    public double value(Tensor yPred, Tensor y) {
        check(yPred, y);
        float[] p = yPred.data();
        float[] t = y.data();
        int n = yPred.dim(0);
        double s = 0;
        switch (this) {
            case BINARY_CROSS_ENTROPY -> {
                for (int i = 0; i < p.length; i++) {
                    double q = Math.min(1 - CLAMP, Math.max(CLAMP, p[i]));
                    s -= t[i] * Math.log(q) + (1 - t[i]) * Math.log(1 - q);
                }
                return s / p.length;
            }
            case MEAN_SQUARED_ERROR -> {
                for (int i = 0; i < p.length; i++) {
                    double d = (double) p[i] - t[i];
                    s += d * d;
                }
                return s / p.length;
            }
            default -> {
                for (int i = 0; i < p.length; i++) {
                    if (t[i] != 0f) {
                        s -= t[i] * Math.log(Math.max(CLAMP, p[i]));
                    }
                }
                return s / n;
            }
        }
    }

    /** Gradient of {@link #value} with respect to {@code yPred}, written into {@code grad}. */
    public void gradient(Tensor yPred, Tensor y, Tensor grad) {
        check(yPred, y);
        float[] p = yPred.data();
        float[] t = y.data();
        float[] g = grad.data();
        int n = yPred.dim(0);
        switch (this) {
            case BINARY_CROSS_ENTROPY -> {
                for (int i = 0; i < p.length; i++) {
                    double q = Math.min(1 - CLAMP, Math.max(CLAMP, p[i]));
                    g[i] = (float) ((q - t[i]) / (q * (1 - q)) / p.length);
                }
            }
            case MEAN_SQUARED_ERROR -> {
                for (int i = 0; i < p.length; i++) {
                    g[i] = (float) (2.0 * ((double) p[i] - t[i]) / p.length);
                }
            }
            default -> {
                for (int i = 0; i < p.length; i++) {
                    g[i] = t[i] == 0f ? 0f : (float) (-t[i] / Math.max(CLAMP, p[i]) / n);
                }
            }
        }
    }

    /** BCE from logits {@code z}: {@code max(z,0) - z·y + log(1 + e^-|z|)}, exact for any z. */
    static double binaryCrossEntropyFromLogits(Tensor z, Tensor y) {
        float[] a = z.data();
        float[] t = y.data();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double v = a[i];
            s += Math.max(v, 0) - v * t[i] + Math.log1p(Math.exp(-Math.abs(v)));
        }
        return s / a.length;
    }

    /** CCE from logits {@code z (batch, classes)} through a stable log-softmax. */
    static double categoricalCrossEntropyFromLogits(Tensor z, Tensor y) {
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
                    s -= t[r + j] * (a[r + j] - logSum);
                }
            }
        }
        return s / z.dim(0);
    }

    private static void check(Tensor yPred, Tensor y) {
        if (!yPred.sameShape(y)) {
            throw new IllegalArgumentException("predictions " + yPred.shapeString() + " and targets " + y.shapeString()
                    + " must have the same shape");
        }
    }
}
