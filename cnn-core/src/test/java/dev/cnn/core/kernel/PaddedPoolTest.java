package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.internal.Parallel;
import dev.cnn.core.reference.StepByStep;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Padded and ceil-mode pooling: output sizes and divisors as PyTorch computes them, the kernel bit-identical
 * to its reference loops on random shapes and 1–3 threads, and unpadded floor mode equal to {@link StepByStep}.
 */
class PaddedPoolTest {
    @AfterEach
    void restore() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void outputSizesFollowPyTorch() {
        // torch.nn.MaxPool2d(3, 2, padding=1, ceil_mode=...) on 112x112 and 7x7; (2, 2, ceil) on 5 and 6
        assertEquals(56, new PaddedPoolGeometry(1, 112, 112, 1, 3, 3, 2, 2, 1, 1, false, true).outH());
        assertEquals(4, new PaddedPoolGeometry(1, 7, 7, 1, 3, 3, 2, 2, 1, 1, false, true).outH());
        assertEquals(4, new PaddedPoolGeometry(1, 7, 7, 1, 3, 3, 2, 2, 1, 1, true, true).outH());
        assertEquals(3, new PaddedPoolGeometry(1, 5, 5, 1, 2, 2, 2, 2, 0, 0, true, true).outH());
        assertEquals(3, new PaddedPoolGeometry(1, 6, 6, 1, 2, 2, 2, 2, 0, 0, true, true).outH());
        // SqueezeNet: MaxPool2d(3, 2, ceil_mode=True) on 111 gives 55, on 55 gives 27
        assertEquals(55, new PaddedPoolGeometry(1, 111, 111, 1, 3, 3, 2, 2, 0, 0, true, true).outH());
        assertEquals(27, new PaddedPoolGeometry(1, 55, 55, 1, 3, 3, 2, 2, 0, 0, true, true).outH());
        // ceil mode drops a window that would start in the padding: 5 wide, window 2, stride 2, pad 1 gives 3, not 4
        assertEquals(3, new PaddedPoolGeometry(1, 5, 5, 1, 2, 2, 2, 2, 1, 1, true, true).outH());
        assertEquals(3, new PaddedPoolGeometry(1, 5, 5, 1, 2, 2, 2, 2, 1, 1, false, true).outH());
    }

    @Test
    void averagesDivideByTheCellsTheyCount() {
        // AvgPool2d(3, 2, padding=1) on a 4x4 of ones: corner windows hold 4 real cells of 9
        Tensor x = Tensor.full(1f, 1, 4, 4, 1);
        PaddedPoolGeometry include = new PaddedPoolGeometry(1, 4, 4, 1, 3, 3, 2, 2, 1, 1, false, true);
        PaddedPoolGeometry exclude = new PaddedPoolGeometry(1, 4, 4, 1, 3, 3, 2, 2, 1, 1, false, false);
        float[] y = new float[4];
        PaddedPool.forward(include, PoolMode.AVERAGE, x.data(), y);
        assertArrayEquals(new float[] {4f / 9, 6f / 9, 6f / 9, 1f}, y, 1e-7f);
        PaddedPool.forward(exclude, PoolMode.AVERAGE, x.data(), y);
        assertArrayEquals(new float[] {1, 1, 1, 1}, y, 0f);
        // ceil mode: a window past the padded input is cut there (PyTorch's divisor), 5 wide, window 2, stride 2
        PaddedPoolGeometry ceil = new PaddedPoolGeometry(1, 5, 1, 1, 2, 1, 2, 1, 0, 0, true, true);
        assertEquals(1, ceil.divisor(2, 0));
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void theKernelIsTheReferenceBitForBit(int threads) {
        Parallel.setThreads(threads);
        Random r = new Random(60 + threads);
        NumpyRandom nr = new NumpyRandom(60 + threads);
        int cases = 0;
        while (cases < 80) {
            int fh = 1 + r.nextInt(4);
            int fw = 1 + r.nextInt(4);
            int ph = r.nextInt(fh / 2 + 1);
            int pw = r.nextInt(fw / 2 + 1);
            int h = 1 + r.nextInt(12);
            int w = 1 + r.nextInt(12);
            if (fh > h + 2 * ph || fw > w + 2 * pw) {
                continue;
            }
            cases++;
            PaddedPoolGeometry g = new PaddedPoolGeometry(1 + r.nextInt(4), h, w, 1 + r.nextInt(9), fh, fw,
                    1 + r.nextInt(3), 1 + r.nextInt(3), ph, pw, r.nextBoolean(), r.nextBoolean());
            for (PoolMode mode : PoolMode.values()) {
                Tensor x = nr.randn(g.inputShape());
                if (cases % 4 == 0) { // ties: the first largest value wins in both
                    for (int i = 0; i < x.size(); i++) {
                        x.data()[i] = Math.round(x.data()[i]);
                    }
                }
                float[] ref = new float[Tensor.checkedSize(g.outputShape())];
                float[] y = new float[ref.length];
                PaddedPool.forwardReference(g, mode, x.data(), ref);
                PaddedPool.forward(g, mode, x.data(), y);
                assertArrayEquals(ref, y, g + " " + mode + " forward");
                float[] dy = nr.randn(g.outputShape()).data();
                float[] dref = new float[x.size()];
                float[] dx = new float[x.size()];
                java.util.Arrays.fill(dx, Float.NaN);
                PaddedPool.backwardReference(g, mode, x.data(), dy, dref);
                PaddedPool.backward(g, mode, x.data(), dy, dx);
                assertArrayEquals(dref, dx, g + " " + mode + " backward");
            }
        }
    }

    @Test
    void withoutPaddingItIsTheStepByStepPooling() {
        Random r = new Random(3);
        NumpyRandom nr = new NumpyRandom(3);
        for (int trial = 0; trial < 30; trial++) {
            int f = 1 + r.nextInt(3);
            int s = 1 + r.nextInt(3);
            int h = f + r.nextInt(8);
            int w = f + r.nextInt(8);
            Tensor x = nr.randn(2, h, w, 3);
            for (PoolMode mode : PoolMode.values()) {
                StepByStep.PoolResult ref = StepByStep.poolForward(x, f, s, mode);
                PaddedPoolGeometry g = new PaddedPoolGeometry(2, h, w, 3, f, f, s, s, 0, 0, false, true);
                Tensor y = Tensor.zeros(g.outputShape());
                PaddedPool.forward(g, mode, x.data(), y.data());
                KernelsVsReferenceTest.assertClose(g + " " + mode, ref.a(), y);
                Tensor dy = nr.randn(g.outputShape());
                Tensor dx = Tensor.zeros(x.shape());
                PaddedPool.backward(g, mode, x.data(), dy.data(), dx.data());
                KernelsVsReferenceTest.assertClose(g + " " + mode + " backward", StepByStep.poolBackward(dy, ref.cache()), dx);
            }
        }
    }
}
