package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.internal.Parallel;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.reference.StepByStep.ConvGradients;
import dev.cnn.core.reference.StepByStep.ConvResult;
import dev.cnn.core.reference.StepByStep.PoolResult;
import dev.cnn.core.reference.StepByStep;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast kernels against {@link StepByStep} on many random shapes: batch 1–8, H and W 1–20
 * (non-square), channels 1–20, kernels 1–7 (non-square), strides 1–3, pads 0–3, both pooling modes,
 * on the Vector API and the plain-Java backend and on 1–3 threads. Max relative error 1e-4 with an
 * absolute floor of 1e-4 times the tensor's largest magnitude.
 */
class KernelsVsReferenceTest {
    private static final double REL = 1e-4;

    @AfterEach
    void restore() {
        Gemm.useVector(Gemm.vectorAvailable());
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void convolutionForwardAndEveryGradient(boolean vector) {
        Gemm.useVector(vector && Gemm.vectorAvailable());
        Random r = new Random(vector ? 11 : 12);
        NumpyRandom nr = new NumpyRandom(vector ? 11 : 12);
        int cases = 0;
        while (cases < 70) {
            int kh = 1 + r.nextInt(7);
            int kw = 1 + r.nextInt(7);
            int ph = r.nextInt(4);
            int pw = r.nextInt(4);
            int h = 1 + r.nextInt(20);
            int w = 1 + r.nextInt(20);
            if (kh > h + 2 * ph || kw > w + 2 * pw) {
                continue;
            }
            int n = 1 + r.nextInt(8);
            int cIn = 1 + r.nextInt(20);
            int cOut = 1 + r.nextInt(20);
            if ((long) n * h * w * cIn * kh * kw * cOut > 3_000_000) {
                continue;
            }
            // half the cases at stride 1 (the implicit im2col path), the rest at random strides (gathered im2col)
            int sh = cases % 2 == 0 ? 1 : 1 + r.nextInt(3);
            int sw = cases % 2 == 0 ? 1 : 1 + r.nextInt(3);
            Parallel.setThreads(1 + cases % 3);
            cases++;
            Tensor x = nr.randn(n, h, w, cIn);
            Tensor wt = nr.randn(kh, kw, cIn, cOut);
            Tensor b = nr.randn(1, 1, 1, cOut);
            ConvResult ref = StepByStep.convForward(x, wt, b, sh, sw, ph, pw);
            ConvGeometry g = ref.cache().geometry();
            ConvKernel kernel = new ConvKernel();
            Tensor y = Tensor.full(Float.NaN, g.outputShape());
            kernel.forward(g, x.data(), wt.data(), b.data(), y.data());
            String what = g + " threads " + Parallel.threads();
            assertClose(what + " forward", ref.z(), y);

            Tensor dy = nr.randn(g.outputShape());
            ConvGradients refG = StepByStep.convBackward(dy, ref.cache());
            Tensor dx = Tensor.zeros(g.inputShape());
            Tensor dw = Tensor.zeros(g.weightShape());
            Tensor db = Tensor.zeros(g.biasShape());
            kernel.backward(g, x.data(), wt.data(), dy.data(), dx.data(), dw.data(), db.data());
            assertClose(what + " dA_prev", refG.dAPrev(), dx);
            assertClose(what + " dW", refG.dW(), dw);
            assertClose(what + " db", refG.db(), db);

            // gradients accumulate (+=): a second backward doubles them
            kernel.backward(g, x.data(), wt.data(), dy.data(), dx.data(), dw.data(), db.data());
            assertClose(what + " dW accumulated", scaled(refG.dW(), 2), dw);
        }
    }

    /**
     * Every algorithm run directly, not only the one {@link ConvKernel#choose} picks: 25 random shapes each
     * (stride 1 for half of them, so the stride-1 algorithms get theirs), forward and every gradient, on
     * both GEMM backends and 1-3 threads.
     */
    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void everyAlgorithmAgainstTheReference(boolean vector) {
        Gemm.useVector(vector && Gemm.vectorAvailable());
        for (ConvAlgorithm algorithm : ConvKernel.algorithms()) {
            Random r = new Random(algorithm.name().hashCode());
            NumpyRandom nr = new NumpyRandom(algorithm.name().length());
            int cases = 0;
            int tries = 0;
            while (cases < 25 && tries++ < 10_000) {
                int kh = 1 + r.nextInt(6);
                int kw = 1 + r.nextInt(6);
                int ph = r.nextInt(Math.min(kh, 3));
                int pw = r.nextInt(Math.min(kw, 3));
                int h = 1 + r.nextInt(16);
                int w = 1 + r.nextInt(33);
                int sh = tries % 2 == 0 ? 1 : 1 + r.nextInt(3);
                int sw = tries % 2 == 0 ? 1 : 1 + r.nextInt(3);
                int n = 1 + r.nextInt(4);
                int cIn = 1 + r.nextInt(12);
                int cOut = 1 + r.nextInt(34);
                if (kh > h + 2 * ph || kw > w + 2 * pw || (long) n * h * w * cIn * kh * kw * cOut > 1_500_000
                        || !algorithm.supports(new ConvGeometry(n, h, w, cIn, kh, kw, cOut, sh, sw, ph, pw))) {
                    continue;
                }
                Tensor x = nr.randn(n, h, w, cIn);
                Tensor wt = nr.randn(kh, kw, cIn, cOut);
                Tensor b = nr.randn(1, 1, 1, cOut);
                ConvResult ref = StepByStep.convForward(x, wt, b, sh, sw, ph, pw);
                ConvGeometry g = ref.cache().geometry();
                Parallel.setThreads(1 + cases % 3);
                cases++;
                String what = algorithm.name() + " " + g + " threads " + Parallel.threads();
                Tensor y = Tensor.full(Float.NaN, g.outputShape());
                algorithm.forward(g, x.data(), wt.data(), b.data(), y.data());
                assertClose(what + " forward", ref.z(), y);
                Tensor dy = nr.randn(g.outputShape());
                ConvGradients refG = StepByStep.convBackward(dy, ref.cache());
                Tensor dx = Tensor.full(1f, g.inputShape());
                Tensor dw = Tensor.zeros(g.weightShape());
                Tensor db = Tensor.zeros(g.biasShape());
                algorithm.backward(g, x.data(), wt.data(), dy.data(), dx.data(), dw.data(), db.data());
                assertClose(what + " dA_prev added to ones", shifted(refG.dAPrev(), 1f), dx);
                assertClose(what + " dW", refG.dW(), dw);
                assertClose(what + " db", refG.db(), db);
            }
            assertTrue(cases == 25 || (algorithm.name().equals("direct") && !Backend.current().vectorApi()),
                    algorithm.name() + " ran " + cases + " cases");
        }
    }

    /**
     * Stride-1 shapes chosen to reach every branch of the direct kernel: rows narrower than, equal to
     * and wider than a register tile (with an overlapping last tile), kernels 3 and 5 wide (their own
     * kernels) and others, output channels that fill half a vector (paired positions), one vector,
     * part of a second and two, with the input gradient accumulated (+=) into a non-zero array.
     */
    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void stride1AtEveryTileWidth(boolean vector) {
        Gemm.useVector(vector && Gemm.vectorAvailable());
        NumpyRandom nr = new NumpyRandom(vector ? 31 : 32);
        int cases = 0;
        for (int w : new int[] {1, 5, 13, 14, 15, 27, 28, 29, 33}) {
            for (int kw : new int[] {1, 3, 5, 6}) {
                for (int cOut : new int[] {3, 8, 16, 20, 32}) {
                    int pw = kw / 2;
                    if (kw > w + 2 * pw) {
                        continue;
                    }
                    int cIn = 1 + cases % 9;
                    int kh = 1 + cases % 3;
                    Parallel.setThreads(1 + cases % 2);
                    cases++;
                    Tensor x = nr.randn(2, 4, w, cIn);
                    Tensor wt = nr.randn(kh, kw, cIn, cOut);
                    Tensor b = nr.randn(1, 1, 1, cOut);
                    ConvResult ref = StepByStep.convForward(x, wt, b, 1, 1, kh / 2, pw);
                    ConvGeometry g = ref.cache().geometry();
                    ConvKernel kernel = new ConvKernel();
                    Tensor y = Tensor.full(Float.NaN, g.outputShape());
                    kernel.forward(g, x.data(), wt.data(), b.data(), y.data());
                    assertClose(g + " forward", ref.z(), y);

                    Tensor dy = nr.randn(g.outputShape());
                    ConvGradients refG = StepByStep.convBackward(dy, ref.cache());
                    Tensor dx = Tensor.full(1f, g.inputShape());
                    Tensor dw = Tensor.zeros(g.weightShape());
                    kernel.backward(g, x.data(), wt.data(), dy.data(), dx.data(), dw.data(), null);
                    assertClose(g + " dA_prev added to ones", shifted(refG.dAPrev(), 1f), dx);
                    assertClose(g + " dW", refG.dW(), dw);
                }
            }
        }
        assertTrue(cases > 150, "cases run: " + cases);
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void poolingForwardAndGradientBothModes(int threads) {
        Parallel.setThreads(threads);
        Random r = new Random(20 + threads);
        NumpyRandom nr = new NumpyRandom(20 + threads);
        for (int trial = 0; trial < 80; trial++) {
            int fh = 1 + r.nextInt(4);
            int fw = 1 + r.nextInt(4);
            int h = fh + r.nextInt(17);
            int w = fw + r.nextInt(17);
            int n = 1 + r.nextInt(8);
            int c = 1 + r.nextInt(20);
            int sh = 1 + r.nextInt(3);
            int sw = 1 + r.nextInt(3);
            PoolMode mode = trial % 2 == 0 ? PoolMode.MAX : PoolMode.AVERAGE;
            Tensor x = nr.randn(n, h, w, c);
            if (trial % 8 == 0) {
                // coarse values make ties, which must follow the reference: every maximum gets the gradient
                for (int i = 0; i < x.size(); i++) {
                    x.data()[i] = Math.round(x.data()[i]);
                }
            }
            PoolResult ref = StepByStep.poolForward(x, fh, fw, sh, sw, mode);
            PoolGeometry g = ref.cache().geometry();
            Tensor y = Tensor.zeros(g.outputShape());
            PoolKernel.forward(g, mode, x.data(), y.data());
            String what = mode + " pool " + x.shapeString() + " window " + fh + "x" + fw + " stride " + sh + "x" + sw;
            assertClose(what + " forward", ref.a(), y);
            Tensor dy = nr.randn(g.outputShape());
            Tensor dx = Tensor.zeros(g.inputShape());
            PoolKernel.backward(g, mode, x.data(), y.data(), dy.data(), dx.data());
            assertClose(what + " backward", StepByStep.poolBackward(dy, ref.cache()), dx);
            // written instead of added: stale contents (NaN, also where no window reaches) are replaced
            Tensor written = Tensor.full(Float.NaN, g.inputShape());
            PoolKernel.backward(Backend.current(), g, mode, x.data(), y.data(), dy.data(), written.data(), false);
            assertArrayEquals(dx.data(), written.data(), what + " backward written");
        }
    }

    /**
     * The 2×2 max window at every row width from 2 to 33, strides 1–3, channels below, at and above one
     * vector and whole multiples of it (on AVX-512: 32, 48), on values drawn from {0, 1, 2} so windows hold ties (each tied maximum gets the gradient),
     * with the gradient added to a non-zero array.
     */
    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void maxPool2x2AtEveryWidthWithTies(boolean vector) {
        Gemm.useVector(vector && Gemm.vectorAvailable());
        Random r = new Random(40);
        NumpyRandom nr = new NumpyRandom(41);
        for (int w = 2; w <= 33; w++) {
            for (int c : new int[] {1, 3, 8, 16, 17, 32, 48}) {
                int s = 1 + r.nextInt(3);
                Parallel.setThreads(1 + w % 3);
                Tensor x = nr.rand(3, 2 + r.nextInt(4), w, c);
                for (int i = 0; i < x.size(); i++) {
                    x.data()[i] = (float) Math.floor(x.data()[i] * 3);
                }
                PoolResult ref = StepByStep.poolForward(x, 2, 2, s, s, PoolMode.MAX);
                PoolGeometry g = PoolGeometry.of(x, 2, 2, s, s);
                Tensor y = Tensor.full(Float.NaN, g.outputShape());
                PoolKernel.forward(g, PoolMode.MAX, x.data(), y.data());
                assertClose(g + " forward", ref.a(), y);
                Tensor dy = nr.randn(g.outputShape());
                Tensor dx = Tensor.full(1f, g.inputShape());
                PoolKernel.backward(g, PoolMode.MAX, x.data(), y.data(), dy.data(), dx.data());
                assertClose(g + " backward added to ones", shifted(StepByStep.poolBackward(dy, ref.cache()), 1f), dx);
                Tensor written = Tensor.full(Float.NaN, g.inputShape());
                PoolKernel.backward(Backend.current(), g, PoolMode.MAX, x.data(), y.data(), dy.data(), written.data(), false);
                assertClose(g + " backward written", StepByStep.poolBackward(dy, ref.cache()), written);
            }
        }
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void convolutionIsDeterministicForAThreadCount(int threads) {
        Parallel.setThreads(threads);
        NumpyRandom nr = new NumpyRandom(5);
        Tensor x = nr.randn(16, 12, 12, 6);
        Tensor w = nr.randn(3, 3, 6, 10);
        Tensor dy = nr.randn(16, 12, 12, 10);
        ConvGeometry g = ConvGeometry.of(x, w, 1, 1, 1, 1);
        float[][] runs = new float[2][];
        for (int run = 0; run < 2; run++) {
            ConvKernel k = new ConvKernel();
            float[] y = new float[16 * 12 * 12 * 10];
            k.forward(g, x.data(), w.data(), null, y);
            float[] dx = new float[x.size()];
            float[] dw = new float[w.size()];
            k.backward(g, x.data(), w.data(), dy.data(), dx, dw, null);
            float[] all = new float[y.length + dx.length + dw.length];
            System.arraycopy(y, 0, all, 0, y.length);
            System.arraycopy(dx, 0, all, y.length, dx.length);
            System.arraycopy(dw, 0, all, y.length + dx.length, dw.length);
            runs[run] = all;
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    private static Tensor shifted(Tensor t, float s) {
        Tensor c = t.copy();
        for (int i = 0; i < c.size(); i++) {
            c.data()[i] += s;
        }
        return c;
    }

    private static Tensor scaled(Tensor t, float s) {
        Tensor c = t.copy();
        for (int i = 0; i < c.size(); i++) {
            c.data()[i] *= s;
        }
        return c;
    }

    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double maxAbs = 0;
        for (float v : expected.data()) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        double floor = 1e-4 * Math.max(maxAbs, 1e-3);
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.data()[i];
            double a = actual.data()[i];
            double err = Math.abs(e - a);
            assertTrue(err <= floor || err <= REL * Math.abs(e), what + ": element " + i + " expected " + e
                    + " got " + a + " (abs floor " + floor + ")");
        }
    }
}
