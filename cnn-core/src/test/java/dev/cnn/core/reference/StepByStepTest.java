package dev.cnn.core.reference;

import static dev.cnn.core.Assertions2.assertShape;
import static dev.cnn.core.Assertions2.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.reference.StepByStep.ConvGradients;
import dev.cnn.core.reference.StepByStep.ConvResult;
import dev.cnn.core.reference.StepByStep.PoolResult;
import org.junit.jupiter.api.Test;

/** The assignment's published outputs for {@code np.random.seed(1)}, reproduced through {@link NumpyRandom}. */
class StepByStepTest {
    private static final double TOL = 1e-5;

    @Test
    void zeroPad() {
        NumpyRandom r = new NumpyRandom(1);
        Tensor x = r.randn(4, 3, 3, 2);
        Tensor xPad = StepByStep.zeroPad(x, 2);
        assertShape(xPad, 4, 7, 7, 2);
        double[] x11 = {0.90085595, -0.68372786, -0.12289023, -0.93576943, -0.26788808, 0.53035547};
        for (int w = 0; w < 3; w++) {
            for (int c = 0; c < 2; c++) {
                assertEquals(x11[w * 2 + c], x.get(1, 1, w, c), TOL);
                assertEquals(x11[w * 2 + c], xPad.get(1, 3, w + 2, c), TOL, "the data moves by the padding");
            }
        }
        for (int w = 0; w < 7; w++) {
            for (int c = 0; c < 2; c++) {
                assertEquals(0f, xPad.get(1, 1, w, c));
            }
        }
    }

    @Test
    void convSingleStep() {
        NumpyRandom r = new NumpyRandom(1);
        Tensor a = r.randn(4, 4, 3);
        Tensor w = r.randn(4, 4, 3);
        Tensor b = r.randn(1, 1, 1);
        assertEquals(-6.999089450680221, StepByStep.convSingleStep(a, w, b), TOL);
    }

    @Test
    void convForward() {
        NumpyRandom r = new NumpyRandom(1);
        Tensor aPrev = r.randn(10, 4, 4, 3);
        Tensor w = r.randn(2, 2, 3, 8);
        Tensor b = r.randn(1, 1, 1, 8);
        Tensor z = StepByStep.convForward(aPrev, w, b, 2, 2).z();
        assertShape(z, 10, 4, 4, 8);
        assertEquals(0.048995203528855794, z.mean(), TOL);
        double[] z321 = {-0.61490741, -6.7439236, -2.55153897, 1.75698377, 3.56208902, 0.53036437, 5.18531798,
                8.75898442};
        for (int c = 0; c < 8; c++) {
            assertEquals(z321[c], z.get(3, 2, 1, c), TOL);
        }
    }

    @Test
    void poolForwardBothModes() {
        NumpyRandom r = new NumpyRandom(1);
        Tensor aPrev = r.randn(2, 4, 4, 3);
        Tensor max = StepByStep.poolForward(aPrev, 3, 2, PoolMode.MAX).a();
        assertShape(max, 2, 1, 1, 3);
        assertValues(new double[] {1.74481176, 0.86540763, 1.13376944, 1.13162939, 1.51981682, 2.18557541}, max, TOL);
        Tensor avg = StepByStep.poolForward(aPrev, 3, 2, PoolMode.AVERAGE).a();
        assertValues(new double[] {0.02105773, -0.20328806, -0.40389855, -0.22154621, 0.51716526, 0.48155844}, avg,
                TOL);
    }

    @Test
    void maskAndDistribute() {
        Tensor x = new NumpyRandom(1).randn(2, 3);
        boolean[][] mask = StepByStep.createMaskFromWindow(x);
        assertArrayEquals(new boolean[] {true, false, false}, mask[0]);
        assertArrayEquals(new boolean[] {false, false, false}, mask[1]);
        assertValues(new double[] {0.5, 0.5, 0.5, 0.5}, StepByStep.distributeValue(2, 2, 2), 0);
        boolean[][] ties = StepByStep.createMaskFromWindow(Tensor.of(new float[] {3, 1, 3, 2}, 2, 2));
        assertArrayEquals(new boolean[] {true, false}, ties[0], "every tie gets the gradient");
        assertArrayEquals(new boolean[] {true, false}, ties[1]);
    }

    @Test
    void poolBackwardBothModes() {
        NumpyRandom r = new NumpyRandom(1);
        Tensor aPrev = r.randn(5, 5, 3, 2);
        PoolResult max = StepByStep.poolForward(aPrev, 2, 1, PoolMode.MAX);
        Tensor dA = r.randn(5, 4, 2, 2);
        Tensor dMax = StepByStep.poolBackward(dA, max.cache());
        assertShape(dMax, 5, 5, 3, 2);
        assertValues(new double[] {0, 0, 5.05844394, -1.68282702, 0, 0}, row11(dMax), TOL);
        PoolResult avg = StepByStep.poolForward(aPrev, 2, 1, PoolMode.AVERAGE);
        Tensor dAvg = StepByStep.poolBackward(dA, avg.cache());
        assertValues(new double[] {0.08485462, 0.2787552, 1.26461098, -0.25749373, 1.17975636, -0.53624893},
                row11(dAvg), TOL);
    }

    @Test
    void convBackwardIsConsistentWithTheAssignmentExample() {
        // The assignment's check: after convForward above, convBackward's means.
        NumpyRandom r = new NumpyRandom(1);
        Tensor aPrev = r.randn(10, 4, 4, 3);
        Tensor w = r.randn(2, 2, 3, 8);
        Tensor b = r.randn(1, 1, 1, 8);
        ConvResult fwd = StepByStep.convForward(aPrev, w, b, 2, 2);
        ConvGradients g = StepByStep.convBackward(fwd.z(), fwd.cache());
        assertShape(g.dAPrev(), 10, 4, 4, 3);
        assertShape(g.dW(), 2, 2, 3, 8);
        assertShape(g.db(), 1, 1, 1, 8);
        double dbSum = 0;
        for (float v : fwd.z().data()) {
            dbSum += v;
        }
        double db = 0;
        for (float v : g.db().data()) {
            db += v;
        }
        assertEquals(dbSum, db, 1e-3, "db sums dZ over examples and positions");
    }

    @Test
    void badArgumentsNameTheShapes() {
        Tensor x = Tensor.zeros(2, 4, 4, 3);
        IllegalArgumentException ch = assertThrows(IllegalArgumentException.class,
                () -> StepByStep.convForward(x, Tensor.zeros(2, 2, 2, 5), Tensor.zeros(1, 1, 1, 5), 1, 0));
        assertTrue(ch.getMessage().contains("(2, 4, 4, 3)") && ch.getMessage().contains("(2, 2, 2, 5)"), ch.getMessage());
        IllegalArgumentException bias = assertThrows(IllegalArgumentException.class,
                () -> StepByStep.convForward(x, Tensor.zeros(2, 2, 3, 5), Tensor.zeros(1, 1, 1, 4), 1, 0));
        assertTrue(bias.getMessage().contains("[1, 1, 1, 5]"), bias.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> StepByStep.convForward(x, Tensor.zeros(2, 2, 3, 5), Tensor.zeros(1, 1, 1, 5), 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> StepByStep.convForward(x, Tensor.zeros(2, 2, 3, 5), Tensor.zeros(1, 1, 1, 5), 1, -1));
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> StepByStep.convForward(x, Tensor.zeros(7, 7, 3, 5), Tensor.zeros(1, 1, 1, 5), 1, 1));
        assertTrue(big.getMessage().contains("larger than the padded input 6x6"), big.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StepByStep.poolForward(x, 5, 1, PoolMode.MAX));
        assertThrows(IllegalArgumentException.class, () -> StepByStep.poolForward(Tensor.zeros(4, 4), 2, 1, PoolMode.MAX));
        StepByStep.PoolCache cache = StepByStep.poolForward(x, 2, 2, PoolMode.MAX).cache();
        IllegalArgumentException dA = assertThrows(IllegalArgumentException.class,
                () -> StepByStep.poolBackward(Tensor.zeros(2, 3, 3, 3), cache));
        assertTrue(dA.getMessage().contains("(2, 3, 3, 3)"), dA.getMessage());
    }

    /** {@code t[1, 1]} of an NHWC tensor with W=3, C=2. */
    private static Tensor row11(Tensor t) {
        float[] v = new float[t.dim(2) * t.dim(3)];
        System.arraycopy(t.data(), t.offset(1, 1, 0, 0), v, 0, v.length);
        return Tensor.wrap(v, v.length);
    }
}
