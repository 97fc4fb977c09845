package dev.cnn.nn.losses;

import dev.cnn.core.Tensor;

/** Mean squared error {@code mean((p - y)²)} over every element. Use {@link Loss#MEAN_SQUARED_ERROR}. */
public final class MeanSquaredError implements Loss {
    MeanSquaredError() {
    }

    @Override
    public String typeName() {
        return "MeanSquaredError";
    }

    @Override
    public Task task() {
        return Task.REGRESSION;
    }

    @Override
    public double value(Tensor yPred, Tensor y) {
        Loss.checkShapes(yPred, y);
        float[] p = yPred.data();
        float[] t = y.data();
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            s += d * d;
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
            g[i] = (float) (2.0 * ((double) p[i] - t[i]) / p.length);
        }
    }

    @Override
    public String toString() {
        return typeName();
    }
}
