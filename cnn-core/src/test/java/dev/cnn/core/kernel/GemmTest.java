package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.internal.Parallel;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both backends against a double-precision triple loop, on random sizes, transposes, bias and accumulate. */
class GemmTest {

    @AfterEach
    void restore() {
        Gemm.useVector(Gemm.vectorAvailable());
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void matchesReferenceOnRandomShapes(boolean vector) {
        Gemm.useVector(vector && Gemm.vectorAvailable());
        Random r = new Random(vector ? 1 : 2);
        for (int trial = 0; trial < 150; trial++) {
            int m = 1 + r.nextInt(trial % 10 == 0 ? 300 : 40);
            int n = 1 + r.nextInt(trial % 7 == 0 ? 120 : 40);
            int k = r.nextInt(trial % 5 == 0 ? 700 : 50);
            boolean ta = r.nextBoolean();
            boolean tb = r.nextBoolean();
            boolean acc = r.nextInt(3) == 0;
            boolean withBias = !acc && r.nextBoolean();
            Parallel.setThreads(1 + r.nextInt(3));
            float[] a = random(r, m * k + 3);
            float[] b = random(r, k * n + 5);
            float[] c = random(r, m * n + 2);
            float[] bias = withBias ? random(r, n) : null;
            double[] expected = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = acc ? c[1 + i * n + j] : withBias ? bias[j] : 0;
                    for (int p = 0; p < k; p++) {
                        float av = ta ? a[3 + p * m + i] : a[3 + i * k + p];
                        float bv = tb ? b[5 + j * k + p] : b[5 + p * n + j];
                        s += (double) av * bv;
                    }
                    expected[i * n + j] = s;
                }
            }
            Gemm.gemm(m, n, k, a, 3, ta ? 1 : k, ta ? m : 1, b, 5, tb ? 1 : n, tb ? k : 1, c, 1, n, bias, acc);
            for (int i = 0; i < m * n; i++) {
                double err = Math.abs(expected[i] - c[1 + i]);
                assertTrue(err <= 1e-4 * Math.max(1, Math.sqrt(k)) * 4, "trial " + trial + " m=" + m + " n=" + n
                        + " k=" + k + " ta=" + ta + " tb=" + tb + " acc=" + acc + " at " + i + ": expected "
                        + expected[i] + " got " + c[1 + i]);
            }
        }
    }

    /**
     * A transposed A with room after it is read in place (no packing), partial 12-row tiles included; a
     * row-major A is packed. Both must equal the same product computed from a copy laid out the other way.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void transposedAInPlaceEqualsPackedRowMajor(int threads) {
        Gemm.useVector(Gemm.vectorAvailable());
        Parallel.setThreads(threads);
        Random r = new Random(4);
        for (int[] s : new int[][] {{37, 45, 300}, {12, 32, 5}, {130, 70, 257}, {1, 17, 9}}) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] at = random(r, k * m + 40); // A(i, p) = at[p·m + i], 40 floats of slack after it
            float[] a = new float[m * k];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    a[i * k + p] = at[p * m + i];
                }
            }
            float[] b = random(r, k * n);
            float[] c1 = new float[m * n];
            float[] c2 = new float[m * n];
            Gemm.gemm(m, n, k, at, 0, 1, m, b, 0, n, 1, c1, 0, n, null, false);
            Gemm.gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c2, 0, n, null, false);
            assertArrayEquals(c2, c1, "m=" + m + " n=" + n + " k=" + k);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void sameInputsAndThreadsGiveBitIdenticalResults(int threads) {
        Parallel.setThreads(threads);
        Random r = new Random(3);
        float[] a = random(r, 257 * 300);
        float[] b = random(r, 300 * 70);
        float[] c1 = new float[257 * 70];
        float[] c2 = new float[257 * 70];
        Gemm.matmul(a, b, c1, 257, 70, 300);
        Gemm.matmul(a, b, c2, 257, 70, 300);
        assertArrayEquals(c1, c2);
    }

    /**
     * A batch of rows against many columns (as a fully connected layer's products), where threads split the
     * columns and each packs the panels it multiplies: the same bits as one thread, B row-major or transposed,
     * with bias or accumulating, and the reference within tolerance.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void batchRowsSplitByColumnPanelsEqualOneThread(int threads) {
        Random r = new Random(4 + threads);
        for (int trial = 0; trial < 8; trial++) {
            int m = 1 + r.nextInt(4 * 12 * threads - 1);
            int n = 4 * threads * 32 + 1 + r.nextInt(300);
            int k = 1 + r.nextInt(300);
            boolean tb = trial % 2 == 1;
            boolean acc = trial % 4 >= 2;
            float[] a = random(r, m * k);
            float[] b = random(r, k * n);
            float[] bias = acc ? null : random(r, n);
            float[] start = random(r, m * n);
            float[][] c = {start.clone(), start.clone()};
            for (int t = 0; t < 2; t++) {
                Parallel.setThreads(t == 0 ? 1 : threads);
                Gemm.gemm(m, n, k, a, 0, k, 1, b, 0, tb ? 1 : n, tb ? k : 1, c[t], 0, n, bias, acc);
            }
            String what = "m=" + m + " n=" + n + " k=" + k + " tb=" + tb + " acc=" + acc;
            assertArrayEquals(c[0], c[1], what);
            for (int i = 0; i < m; i += 7) {
                for (int j = 0; j < n; j += 5) {
                    double s = acc ? start[i * n + j] : bias[j];
                    for (int p = 0; p < k; p++) {
                        s += (double) a[i * k + p] * (tb ? b[j * k + p] : b[p * n + j]);
                    }
                    assertTrue(Math.abs(s - c[1][i * n + j]) <= 4e-4 * Math.sqrt(k), what + " at " + i + "," + j);
                }
            }
        }
    }

    static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }
}
