package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cnn.core.NumpyRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batch-norm passes on the Vector API equal the plain-Java loops bit for bit, for channel counts below,
 * at and between whole vectors and row ranges that start and end anywhere; and the plain-Java sums equal
 * the sums in double to float accuracy.
 */
class BatchNormKernelTest {
    @AfterEach
    void restore() {
        Gemm.useVector(Gemm.vectorAvailable());
    }

    private static Backend backend(boolean vector) {
        Gemm.useVector(vector);
        return Backend.current();
    }

    private static float[] random(NumpyRandom rng, int n, double offset) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (offset + rng.nextGaussian());
        }
        return v;
    }

    @Test
    void vectorPassesEqualThePlainJavaLoopsBitForBit() {
        assumeTrue(Gemm.vectorAvailable(), "needs --add-modules jdk.incubator.vector");
        Backend scalar = backend(false);
        Backend vector = backend(true);
        NumpyRandom rng = new NumpyRandom(21);
        int[] channelCounts = {1, 3, 7, 8, 15, 16, 17, 24, 31, 32, 33, 48, 64, 70};
        for (int c : channelCounts) {
            for (int trial = 0; trial < 3; trial++) {
                int rows = 1 + (int) (rng.nextDouble() * 150);
                int lo = (int) (rng.nextDouble() * rows);
                int hi = lo + (int) (rng.nextDouble() * (rows - lo + 1));
                float[] a = random(rng, rows * c, 3);
                float[] w = random(rng, rows * c, 0);
                float[] shift = random(rng, c, 3);
                float[] scale = random(rng, c, 1);
                float[] gamma = random(rng, c, 1);
                float[] beta = random(rng, c, 0);
                String what = c + " channels, rows " + lo + " to " + hi + " of " + rows;
                for (float[] weights : new float[][] {null, w}) {
                    double[][] sums = new double[4][c];
                    BatchNormKernel.sums(scalar, a, shift, weights, lo, hi, c, sums[0], sums[1]);
                    BatchNormKernel.sums(vector, a, shift, weights, lo, hi, c, sums[2], sums[3]);
                    assertArrayEquals(sums[0], sums[2], 0, what + ": first sums");
                    assertArrayEquals(sums[1], sums[3], 0, what + ": second sums");
                }
                float[][] out = new float[4][rows * c];
                BatchNormKernel.normalize(scalar, a, lo, hi, c, shift, scale, gamma, beta, out[0], out[1]);
                BatchNormKernel.normalize(vector, a, lo, hi, c, shift, scale, gamma, beta, out[2], out[3]);
                assertArrayEquals(out[0], out[2], 0f, what + ": xhat");
                assertArrayEquals(out[1], out[3], 0f, what + ": y");
                float[][] dx = new float[2][rows * c];
                BatchNormKernel.inputGradient(scalar, w, a, lo, hi, c, gamma, beta, scale, dx[0]);
                BatchNormKernel.inputGradient(vector, w, a, lo, hi, c, gamma, beta, scale, dx[1]);
                assertArrayEquals(dx[0], dx[1], 0f, what + ": dx");
                for (Backend b : new Backend[] {scalar, vector}) {
                    // what a backward pass recomputes from the input is what the forward pass would have kept
                    float[] again = new float[rows * c];
                    BatchNormKernel.standardize(b, a, lo, hi, c, shift, scale, again);
                    assertArrayEquals(out[0], again, 0f, what + ", " + b + ": standardize = normalize's xhat");
                    float[] yOnly = new float[rows * c];
                    BatchNormKernel.normalize(b, a, lo, hi, c, shift, scale, gamma, beta, null, yOnly);
                    assertArrayEquals(out[1], yOnly, 0f, what + ", " + b + ": y without xhat");
                    // the input gradient written over xhat itself equals the one written apart
                    float[] apart = new float[rows * c];
                    BatchNormKernel.inputGradient(b, w, out[0], lo, hi, c, gamma, beta, scale, apart);
                    BatchNormKernel.inputGradient(b, w, again, lo, hi, c, gamma, beta, scale, again);
                    assertArrayEquals(java.util.Arrays.copyOfRange(apart, lo * c, hi * c),
                            java.util.Arrays.copyOfRange(again, lo * c, hi * c), 0f, what + ", " + b + ": dx in place");
                }
                for (int i = 0; i < rows * c; i++) {
                    if (i < lo * c || i >= hi * c) {
                        assertEquals(0f, out[3][i], what + ": nothing written outside the rows, at " + i);
                        assertEquals(0f, dx[1][i], what + ": nothing written outside the rows, at " + i);
                    }
                }
            }
        }
    }

    @Test
    void sumsEqualTheSumsInDouble() {
        NumpyRandom rng = new NumpyRandom(22);
        for (boolean vector : new boolean[] {false, true}) {
            Backend b = backend(vector && Gemm.vectorAvailable());
            int c = 20;
            int rows = 1000;
            float[] a = random(rng, rows * c, 0);
            float[] w = random(rng, rows * c, 0);
            float[] shift = random(rng, c, 0);
            double[] s1 = new double[c];
            double[] s2 = new double[c];
            BatchNormKernel.sums(b, a, shift, w, 0, rows, c, s1, s2);
            for (int j = 0; j < c; j++) {
                double e1 = 0;
                double e2 = 0;
                for (int r = 0; r < rows; r++) {
                    double v = (double) a[r * c + j] - shift[j];
                    e1 += v;
                    e2 += v * w[r * c + j];
                }
                assertEquals(e1, s1[j], 1e-4 * Math.sqrt(rows), b + ": sum of channel " + j);
                assertEquals(e2, s2[j], 1e-4 * Math.sqrt(rows), b + ": weighted sum of channel " + j);
            }
        }
    }
}
