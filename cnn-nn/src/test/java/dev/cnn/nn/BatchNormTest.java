package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.BatchNorm;
import org.junit.jupiter.api.Test;

/**
 * Batch norm's forward and backward in training mode against the formulas in double precision, for 1 to 70
 * channels and row counts with partial 32-row blocks, on inputs offset far from zero.
 */
class BatchNormTest {
    @Test
    void trainingForwardAndBackwardEqualTheFormulasInDouble() {
        NumpyRandom rng = new NumpyRandom(12);
        int[][] cases = {{1, 70}, {3, 100}, {16, 1568}, {16, 5}, {32, 393}, {48, 7}, {70, 33}};
        for (int[] cs : cases) {
            int c = cs[0];
            int rows = cs[1];
            BatchNorm bn = new BatchNorm();
            bn.build(new int[] {c}, rng);
            float[] gamma = bn.parameters().get(0).value().data();
            float[] beta = bn.parameters().get(1).value().data();
            for (int j = 0; j < c; j++) {
                gamma[j] = (float) (0.5 + rng.nextDouble());
                beta[j] = (float) rng.nextGaussian();
            }
            Tensor x = rng.randn(rows, c);
            for (int i = 0; i < x.size(); i++) {
                x.data()[i] = x.data()[i] * 3 + 5; // an offset the one-pass statistics must not lose
            }
            Tensor dy = rng.randn(rows, c);
            bn.setTraining(true, 0);
            float[] y = bn.forward(x).data().clone();
            float[] dx = bn.backward(dy, true).data();
            float[] dGamma = bn.parameters().get(0).grad().data();
            float[] dBeta = bn.parameters().get(1).grad().data();
            String what = c + " channels, " + rows + " rows";
            for (int j = 0; j < c; j++) {
                double mean = 0;
                for (int r = 0; r < rows; r++) {
                    mean += x.data()[r * c + j];
                }
                mean /= rows;
                double var = 0;
                for (int r = 0; r < rows; r++) {
                    double d = x.data()[r * c + j] - mean;
                    var += d * d;
                }
                var /= rows;
                double inv = 1 / Math.sqrt(var + BatchNorm.DEFAULT_EPSILON);
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int r = 0; r < rows; r++) {
                    double xhat = (x.data()[r * c + j] - mean) * inv;
                    double g = dy.data()[r * c + j];
                    sumDy += g;
                    sumDyXhat += g * xhat;
                    assertEquals(gamma[j] * xhat + beta[j], y[r * c + j], 2e-5, what + ": y at row " + r + ", channel " + j);
                }
                assertEquals(sumDy, dBeta[j], 1e-4 * Math.max(1, Math.abs(sumDy)), what + ": dBeta " + j);
                assertEquals(sumDyXhat, dGamma[j], 1e-4 * Math.max(1, Math.abs(sumDyXhat)), what + ": dGamma " + j);
                for (int r = 0; r < rows; r++) {
                    double xhat = (x.data()[r * c + j] - mean) * inv;
                    double expected = gamma[j] * inv * (dy.data()[r * c + j] - sumDy / rows - xhat * sumDyXhat / rows);
                    assertEquals(expected, dx[r * c + j], 2e-5 * Math.max(1, gamma[j] * inv),
                            what + ": dx at row " + r + ", channel " + j);
                }
                assertEquals(0.01 * mean, bn.state().get("movingMean").data()[j], 1e-6 * Math.max(1, Math.abs(mean)),
                        what + ": moving mean " + j);
            }
        }
    }
}
