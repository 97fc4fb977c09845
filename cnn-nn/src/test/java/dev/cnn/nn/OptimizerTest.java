package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.ConfigView;
import dev.cnn.core.Tensor;
import dev.cnn.nn.io.ModelTypes;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.optimizers.Adam;
import dev.cnn.nn.optimizers.GradientDescent;
import dev.cnn.nn.optimizers.Optimizer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    private static Parameter param(float... v) {
        return new Parameter("p", Tensor.of(v, v.length));
    }

    @Test
    void gradientDescentOnASquareShrinksGeometrically() {
        // L = p², g = 2p, p ← p − lr·2p = p(1 − 2lr): after 3 steps p0·(1 − 2·0.1)³ = p0·0.512
        Parameter p = param(1.5f, -2f);
        GradientDescent gd = new GradientDescent(0.1);
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 2; i++) {
                p.grad().data()[i] = 2 * p.value().data()[i];
            }
            gd.step(Map.of("x.p", p));
        }
        assertEquals(1.5 * 0.512, p.value().get(0), 1e-6);
        assertEquals(-2 * 0.512, p.value().get(1), 1e-6);
        assertEquals(3, gd.steps());
    }

    @Test
    void adamThreeStepsByHand() {
        // With bias correction and g = 2p (L = p²), lr 0.1, β1 .9, β2 .999, ε 1e-8, p0 = 1:
        // t=1: g=2, m=.2, v=.004, m̂=2, v̂=4, p = 1 − .1·2/(2+ε) = 0.9
        // t=2: g=1.8, m=.9·.2+.1·1.8=.36, v=.999·.004+.001·3.24=.007236, m̂=.36/.19=1.894737,
        //      v̂=.007236/.001999=3.619810, p = .9 − .1·1.894737/1.902580 = 0.800412
        // t=3: g=1.600824, m=.9·.36+.1·1.600824=.4840824, v=.999·.007236+.001·2.562637=.009791401,
        //      m̂=.4840824/.271=1.786282, v̂=.009791401/.002997001=3.267067, p = .800412 − .1·1.786282/1.807503 = 0.701586
        Parameter p = param(1f);
        Adam adam = new Adam(0.1);
        double[] expected = {0.9, 0.800412, 0.701586};
        for (int t = 0; t < 3; t++) {
            p.grad().data()[0] = 2 * p.value().data()[0];
            adam.step(Map.of("x.p", p));
            assertEquals(expected[t], p.value().get(0), 2e-6, "after step " + (t + 1));
        }
        assertEquals(3, adam.steps());
    }

    /**
     * 40 Adam steps on fixed gradients against the same update in double precision: the float run must
     * stay within float rounding of it. Computing 1 − β2 in float from a float β2 (1.3e-5 relatively off)
     * made the run drift 6.4e-6 of the distance moved; with the constants from double it is 2.6e-7.
     */
    @Test
    void adamStaysWithinFloatRoundingOfADoublePrecisionAdam() {
        int n = 64;
        dev.cnn.core.NumpyRandom r = new dev.cnn.core.NumpyRandom(5);
        float[][] grads = new float[40][];
        for (int t = 0; t < 40; t++) {
            grads[t] = r.randn(n).data();
        }
        Parameter p = param(new float[n]);
        Adam adam = new Adam(0.01);
        double[] ref = new double[n];
        double[] m = new double[n];
        double[] v = new double[n];
        for (int t = 1; t <= 40; t++) {
            System.arraycopy(grads[t - 1], 0, p.grad().data(), 0, n);
            adam.step(Map.of("x.p", p));
            for (int i = 0; i < n; i++) {
                double g = grads[t - 1][i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                ref[i] -= 0.01 * (m[i] / (1 - Math.pow(0.9, t))) / (Math.sqrt(v[i] / (1 - Math.pow(0.999, t))) + 1e-8);
            }
        }
        double diff = 0;
        double moved = 0;
        for (int i = 0; i < n; i++) {
            diff = Math.max(diff, Math.abs(p.value().data()[i] - ref[i]));
            moved = Math.max(moved, Math.abs(ref[i]));
        }
        double worst = diff / moved;
        System.out.printf("Adam float vs double after 40 steps: max relative difference %.3g%n", worst);
        assertTrue(worst < 1e-6, "relative drift " + worst);
    }

    @Test
    void everyOptimizerRebuildsFromItsSavedConfig() {
        for (Optimizer o : new Optimizer[] {new Adam(0.003, 0.8, 0.99, 1e-7), new GradientDescent(0.25)}) {
            Optimizer back = ModelTypes.optimizerFactory(o.type()).create(new ConfigView(o.config(), o.type()));
            assertEquals(o.type(), back.type());
            assertEquals(o.config(), back.config());
        }
    }

    @Test
    void adamStateRoundTripsAndIsChecked() {
        Parameter p = param(1f, 2f);
        Adam a = new Adam();
        p.grad().fill(0.5f);
        a.step(Map.of("x.p", p));
        Adam b = new Adam();
        b.restore(a.steps(), a.state());
        Parameter q = param(p.value().data().clone());
        p.grad().fill(-0.25f);
        q.grad().fill(-0.25f);
        a.step(Map.of("x.p", p));
        b.step(Map.of("x.p", q));
        assertEquals(p.value().get(0), q.value().get(0));
        assertEquals(p.value().get(1), q.value().get(1));
        assertThrows(IllegalArgumentException.class, () -> new Adam(-1));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 1.0, 0.999, 1e-8));
    }
}
