package dev.cnn.core.reference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.reference.StepByStep.ConvGradients;
import dev.cnn.core.reference.StepByStep.ConvResult;
import dev.cnn.core.reference.StepByStep.PoolResult;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of the step-by-step backward passes on random shapes, strides 1–3, pads
 * 0–2, non-square inputs and several channel counts. The loss is {@code sum(out * R)} in double for a
 * random {@code R}, whose gradient with respect to the output is exactly {@code R}.
 */
class GradientCheckTest {
    static final double EPS = 1e-2;
    static final double REL_TOL = 1e-3;
    static final double ABS_FLOOR = 1e-4;

    @Test
    void convBackwardMatchesFiniteDifferences() {
        Random shapes = new Random(7);
        NumpyRandom r = new NumpyRandom(3);
        for (int trial = 0; trial < 24; trial++) {
            int stride = 1 + trial % 3;
            int pad = trial % 3;
            int k = 1 + shapes.nextInt(3);
            int h = Math.max(1, k - 2 * pad) + shapes.nextInt(4);
            int w = Math.max(1, k - 2 * pad) + shapes.nextInt(5);
            int cIn = 1 + shapes.nextInt(3);
            int cOut = 1 + shapes.nextInt(3);
            int n = 1 + shapes.nextInt(2);
            Tensor x = r.randn(n, h, w, cIn);
            Tensor wt = r.randn(k, k, cIn, cOut);
            Tensor b = r.randn(1, 1, 1, cOut);
            ConvResult fwd = StepByStep.convForward(x, wt, b, stride, pad);
            Tensor dZ = r.randn(fwd.z().shape());
            ConvGradients g = StepByStep.convBackward(dZ, fwd.cache());
            String what = "conv x" + x.shapeString() + " w" + wt.shapeString() + " stride " + stride + " pad " + pad;
            assertPasses(what + " dA", GradientCheck.check(
                    t -> GradientCheck.dot(StepByStep.convForward(t, wt, b, stride, pad).z(), dZ), x, g.dAPrev(),
                    EPS, REL_TOL, ABS_FLOOR));
            assertPasses(what + " dW", GradientCheck.check(
                    t -> GradientCheck.dot(StepByStep.convForward(x, t, b, stride, pad).z(), dZ), wt, g.dW(),
                    EPS, REL_TOL, ABS_FLOOR));
            assertPasses(what + " db", GradientCheck.check(
                    t -> GradientCheck.dot(StepByStep.convForward(x, wt, t, stride, pad).z(), dZ), b, g.db(),
                    EPS, REL_TOL, ABS_FLOOR));
        }
    }

    @Test
    void convBackwardWithPerAxisStrideAndPadding() {
        NumpyRandom r = new NumpyRandom(11);
        Tensor x = r.randn(2, 5, 7, 2);
        Tensor wt = r.randn(3, 2, 2, 3);
        Tensor b = r.randn(1, 1, 1, 3);
        ConvResult fwd = StepByStep.convForward(x, wt, b, 2, 1, 1, 2);
        Tensor dZ = r.randn(fwd.z().shape());
        ConvGradients g = StepByStep.convBackward(dZ, fwd.cache());
        assertPasses("per-axis dA", GradientCheck.check(
                t -> GradientCheck.dot(StepByStep.convForward(t, wt, b, 2, 1, 1, 2).z(), dZ), x, g.dAPrev(),
                EPS, REL_TOL, ABS_FLOOR));
        assertPasses("per-axis dW", GradientCheck.check(
                t -> GradientCheck.dot(StepByStep.convForward(x, t, b, 2, 1, 1, 2).z(), dZ), wt, g.dW(),
                EPS, REL_TOL, ABS_FLOOR));
    }

    @Test
    void poolBackwardMatchesFiniteDifferencesInBothModes() {
        Random shapes = new Random(5);
        NumpyRandom r = new NumpyRandom(4);
        for (int trial = 0; trial < 30; trial++) {
            PoolMode mode = trial % 2 == 0 ? PoolMode.MAX : PoolMode.AVERAGE;
            int stride = 1 + (trial / 2) % 3;
            int fh = 1 + shapes.nextInt(3);
            int fw = 1 + shapes.nextInt(3);
            int h = fh + shapes.nextInt(4);
            int w = fw + shapes.nextInt(5);
            int c = 1 + shapes.nextInt(3);
            Tensor x = distinctValues(r, 1 + shapes.nextInt(2), h, w, c);
            PoolResult fwd = StepByStep.poolForward(x, fh, fw, stride, stride, mode);
            Tensor dA = r.randn(fwd.a().shape());
            Tensor dX = StepByStep.poolBackward(dA, fwd.cache());
            assertPasses(mode + " pool x" + x.shapeString() + " window " + fh + "x" + fw + " stride " + stride,
                    GradientCheck.check(t -> GradientCheck.dot(
                            StepByStep.poolForward(t, fh, fw, stride, stride, mode).a(), dA), x, dX,
                            EPS, REL_TOL, ABS_FLOOR));
        }
    }

    @Test
    void theCheckCatchesAWrongGradient() {
        NumpyRandom r = new NumpyRandom(2);
        Tensor x = r.randn(1, 4, 4, 2);
        Tensor wt = r.randn(2, 2, 2, 2);
        Tensor b = r.randn(1, 1, 1, 2);
        ConvResult fwd = StepByStep.convForward(x, wt, b, 1, 0);
        Tensor dZ = r.randn(fwd.z().shape());
        Tensor dW = StepByStep.convBackward(dZ, fwd.cache()).dW();
        dW.data()[3] *= 1.01f;
        assertFalse(GradientCheck.check(t -> GradientCheck.dot(StepByStep.convForward(x, t, b, 1, 0).z(), dZ),
                wt, dW, EPS, REL_TOL, ABS_FLOOR).passed());
    }

    /**
     * Inputs whose values are at least 0.1 apart, so that a ±eps step never changes which element of a
     * max-pool window is largest (max pooling is not differentiable at ties).
     */
    static Tensor distinctValues(NumpyRandom r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        int[] p = r.permutation(t.size());
        for (int i = 0; i < p.length; i++) {
            t.data()[i] = (p[i] - p.length / 2f) * 0.1f;
        }
        return t;
    }

    static void assertPasses(String what, GradientCheck.Result result) {
        assertTrue(result.passed(), what + ": " + result);
    }
}
