package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.core.internal.Parallel;
import dev.cnn.core.reference.StepByStep.ConvGradients;
import dev.cnn.core.reference.StepByStep.ConvResult;
import dev.cnn.core.reference.StepByStep;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The depthwise kernel against its reference loops on random shapes (batch 1–5, H and W 1–16, channels
 * 1–12, multiplier 1–3, kernels 1–5, strides 1–3, pads 0–2) on 1–3 threads, and the reference against a
 * full {@link StepByStep} convolution whose weights are zero between different channels.
 */
class DepthwiseConvTest {
    @AfterEach
    void restore() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static ConvGeometry randomGeometry(Random r) {
        while (true) {
            int kh = 1 + r.nextInt(5);
            int kw = 1 + r.nextInt(5);
            int ph = r.nextInt(3);
            int pw = r.nextInt(3);
            int h = 1 + r.nextInt(16);
            int w = 1 + r.nextInt(16);
            if (kh > h + 2 * ph || kw > w + 2 * pw) {
                continue;
            }
            int c = 1 + r.nextInt(12);
            int m = r.nextInt(3) == 0 ? 1 + r.nextInt(3) : 1;
            return new ConvGeometry(1 + r.nextInt(5), h, w, c, kh, kw, c * m, 1 + r.nextInt(3), 1 + r.nextInt(3), ph, pw);
        }
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void theKernelMatchesTheReferenceLoops(int threads) {
        Parallel.setThreads(threads);
        Random r = new Random(40 + threads);
        NumpyRandom nr = new NumpyRandom(40 + threads);
        for (int trial = 0; trial < 60; trial++) {
            ConvGeometry g = randomGeometry(r);
            int m = DepthwiseConv.multiplier(g);
            Tensor x = nr.randn(g.inputShape());
            Tensor w = nr.randn(g.kh(), g.kw(), g.cIn(), m);
            Tensor b = nr.randn(g.cOut());
            Tensor ref = Tensor.zeros(g.outputShape());
            Tensor y = Tensor.full(Float.NaN, g.outputShape());
            DepthwiseConv.forwardReference(g, x.data(), w.data(), b.data(), ref.data());
            DepthwiseConv.forward(g, x.data(), w.data(), b.data(), y.data());
            String what = g + " threads " + threads;
            KernelsVsReferenceTest.assertClose(what + " forward", ref, y);

            Tensor dy = nr.randn(g.outputShape());
            Tensor[] expected = {Tensor.zeros(g.inputShape()), Tensor.zeros(w.shape()), Tensor.zeros(g.cOut())};
            Tensor[] got = {Tensor.full(Float.NaN, g.inputShape()), Tensor.full(Float.NaN, w.shape()),
                Tensor.full(Float.NaN, g.cOut())};
            DepthwiseConv.backwardReference(g, x.data(), w.data(), dy.data(), expected[0].data(), expected[1].data(),
                    expected[2].data());
            DepthwiseConv.backward(g, x.data(), w.data(), dy.data(), got[0].data(), got[1].data(), got[2].data());
            KernelsVsReferenceTest.assertClose(what + " dx", expected[0], got[0]);
            KernelsVsReferenceTest.assertClose(what + " dW", expected[1], got[1]);
            KernelsVsReferenceTest.assertClose(what + " db", expected[2], got[2]);

            // the same thread count gives the same bits
            Tensor again = Tensor.zeros(w.shape());
            DepthwiseConv.backward(g, x.data(), w.data(), dy.data(), null, again.data(), Tensor.zeros(g.cOut()).data());
            assertArrayEquals(got[1].data(), again.data(), what + " dW again");
        }
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void aGroupedConvolutionIsTheFullOneWithoutCrossGroupWeights(int threads) {
        Parallel.setThreads(threads);
        Random r = new Random(70 + threads);
        NumpyRandom nr = new NumpyRandom(70 + threads);
        for (int trial = 0; trial < 30; trial++) {
            int groups = 1 + r.nextInt(4);
            int inG = 1 + r.nextInt(4);
            int outG = 1 + r.nextInt(5);
            ConvGeometry shape = randomGeometry(r);
            ConvGeometry g = new ConvGeometry(shape.n(), shape.h(), shape.w(), groups * inG, shape.kh(), shape.kw(),
                    groups * outG, shape.strideH(), shape.strideW(), shape.padH(), shape.padW());
            Tensor x = nr.randn(g.inputShape());
            Tensor w = nr.randn(g.kh(), g.kw(), inG, g.cOut());
            Tensor b = nr.randn(1, 1, 1, g.cOut());
            Tensor full = Tensor.zeros(g.kh(), g.kw(), g.cIn(), g.cOut());
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++) {
                    for (int o = 0; o < g.cOut(); o++) {
                        int k = o / outG;
                        for (int i = 0; i < inG; i++) {
                            full.set(w.get(ky, kx, i, o), ky, kx, k * inG + i, o);
                        }
                    }
                }
            }
            ConvResult ref = StepByStep.convForward(x, full, b, g.strideH(), g.strideW(), g.padH(), g.padW());
            GroupedConv conv = new GroupedConv(groups);
            Tensor y = Tensor.full(Float.NaN, g.outputShape());
            conv.forward(g, x.data(), w.data(), b.data(), y.data());
            String what = g + " groups " + groups + " threads " + threads;
            KernelsVsReferenceTest.assertClose(what + " forward", ref.z(), y);
            Tensor dy = nr.randn(g.outputShape());
            ConvGradients cg = StepByStep.convBackward(dy, ref.cache());
            Tensor dx = Tensor.full(1f, g.inputShape());
            Tensor dw = Tensor.zeros(w.shape());
            Tensor db = Tensor.zeros(1, 1, 1, g.cOut());
            conv.backward(g, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
            Tensor dwFromFull = Tensor.zeros(w.shape());
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++) {
                    for (int o = 0; o < g.cOut(); o++) {
                        for (int i = 0; i < inG; i++) {
                            dwFromFull.set(cg.dW().get(ky, kx, o / outG * inG + i, o), ky, kx, i, o);
                        }
                    }
                }
            }
            Tensor dxPlusOne = cg.dAPrev().copy();
            for (int i = 0; i < dxPlusOne.size(); i++) {
                dxPlusOne.data()[i] += 1f;
            }
            KernelsVsReferenceTest.assertClose(what + " dx added to ones", dxPlusOne, dx);
            KernelsVsReferenceTest.assertClose(what + " dW", dwFromFull, dw);
            KernelsVsReferenceTest.assertClose(what + " db", cg.db(), db);
        }
    }

    @Test
    void theReferenceIsAConvolutionWithoutCrossChannelWeights() {
        Random r = new Random(5);
        NumpyRandom nr = new NumpyRandom(5);
        for (int trial = 0; trial < 25; trial++) {
            ConvGeometry g = randomGeometry(r);
            int m = DepthwiseConv.multiplier(g);
            int c = g.cIn();
            Tensor x = nr.randn(g.inputShape());
            Tensor w = nr.randn(g.kh(), g.kw(), c, m);
            Tensor b = nr.randn(g.cOut());
            Tensor full = Tensor.zeros(g.kh(), g.kw(), c, g.cOut());
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int j = 0; j < m; j++) {
                            full.set(w.get(ky, kx, ci, j), ky, kx, ci, ci * m + j);
                        }
                    }
                }
            }
            Tensor bias = Tensor.of(b.data().clone(), 1, 1, 1, g.cOut());
            ConvResult conv = StepByStep.convForward(x, full, bias, g.strideH(), g.strideW(), g.padH(), g.padW());
            Tensor y = Tensor.zeros(g.outputShape());
            DepthwiseConv.forwardReference(g, x.data(), w.data(), b.data(), y.data());
            KernelsVsReferenceTest.assertClose(g + " forward", conv.z(), y);

            Tensor dy = nr.randn(g.outputShape());
            ConvGradients cg = StepByStep.convBackward(dy, conv.cache());
            Tensor dx = Tensor.zeros(g.inputShape());
            Tensor dw = Tensor.zeros(w.shape());
            Tensor db = Tensor.zeros(g.cOut());
            DepthwiseConv.backwardReference(g, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
            KernelsVsReferenceTest.assertClose(g + " dx", cg.dAPrev(), dx);
            Tensor dwFromFull = Tensor.zeros(w.shape());
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int j = 0; j < m; j++) {
                            dwFromFull.set(cg.dW().get(ky, kx, ci, ci * m + j), ky, kx, ci, j);
                        }
                    }
                }
            }
            KernelsVsReferenceTest.assertClose(g + " dW", dwFromFull, dw);
            KernelsVsReferenceTest.assertClose(g + " db", Tensor.of(cg.db().data().clone(), g.cOut()), db);
        }
    }
}
