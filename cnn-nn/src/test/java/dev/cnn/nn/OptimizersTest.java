package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.AdamW;
import dev.cnn.nn.optimizers.GradientDescent;
import dev.cnn.nn.optimizers.Optimizer;
import dev.cnn.nn.optimizers.RMSprop;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three steps of each optimizer on one parameter [1, -2] with the gradients [0.5, -1], [0.25, 0.5], [-1, 2],
 * against values worked out by hand (first element, written out in the comments) and the update rule in
 * double (both elements); then exact resumption through a model file.
 */
class OptimizersTest {
    private static final float[][] GRADS = {{0.5f, -1f}, {0.25f, 0.5f}, {-1f, 2f}};
    @TempDir
    Path dir;

    /** The parameter after each of the three steps. */
    private static float[][] run(Optimizer o) {
        Parameter p = new Parameter("W", Tensor.of(new float[] {1f, -2f}, 2));
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("fc.W", p);
        float[][] after = new float[3][];
        for (int t = 0; t < 3; t++) {
            System.arraycopy(GRADS[t], 0, p.grad().data(), 0, 2);
            o.step(params);
            after[t] = p.value().data().clone();
        }
        return after;
    }

    @Test
    void sgdWithMomentum() {
        float[][] p = run(new GradientDescent(0.1, 0.9, false));
        // u1 = -0.1·0.5 = -0.05, p1 = 0.95; u2 = 0.9·-0.05 - 0.025 = -0.07, p2 = 0.88; u3 = -0.063 + 0.1 = 0.037, p3 = 0.917
        assertEquals(0.95f, p[0][0], 1e-6f);
        assertEquals(0.88f, p[1][0], 1e-6f);
        assertEquals(0.917f, p[2][0], 1e-6f);
        // second element: u = 0.1, 0.04, -0.164 -> p = -1.9, -1.86, -2.024
        assertArrayEquals(new float[] {-1.9f, -1.86f, -2.024f}, new float[] {p[0][1], p[1][1], p[2][1]}, 1e-6f);
    }

    @Test
    void sgdWithNesterovMomentum() {
        float[][] p = run(new GradientDescent(0.1, 0.9, true));
        // p1 = 1 + 0.9·-0.05 - 0.05 = 0.905; p2 = 0.905 + 0.9·-0.07 - 0.025 = 0.817; p3 = 0.817 + 0.9·0.037 + 0.1 = 0.9503
        assertEquals(0.905f, p[0][0], 1e-6f);
        assertEquals(0.817f, p[1][0], 1e-6f);
        assertEquals(0.9503f, p[2][0], 1e-6f);
    }

    @Test
    void rmsprop() {
        float[][] p = run(new RMSprop(0.01, 0.9, 1e-7));
        // s1 = 0.1·0.25 = 0.025, p1 = 1 - 0.01·0.5/sqrt(0.0250001) = 0.96837728
        assertEquals(0.96837728f, p[0][0], 1e-6f);
        double[] w = {1, -2};
        double[] s = {0, 0};
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 2; i++) {
                double g = GRADS[t][i];
                s[i] = 0.9 * s[i] + 0.1 * g * g;
                w[i] -= 0.01 * g / Math.sqrt(s[i] + 1e-7);
                assertEquals(w[i], p[t][i], 1e-6, "step " + (t + 1) + " element " + i);
            }
        }
    }

    @Test
    void adamWDecaysBeforeTheAdamStep() {
        float[][] p = run(new AdamW(0.01, 0.9, 0.999, 1e-8, 0.1));
        // step 1: decay 1 - 0.01·0.1·1 = 0.999; Adam's first step moves by lr·sign(g) (m̂/sqrt(v̂) = ±1): 0.989
        assertEquals(0.989f, p[0][0], 1e-6f);
        double[] w = {1, -2};
        double[] m = {0, 0};
        double[] v = {0, 0};
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < 2; i++) {
                double g = GRADS[t - 1][i];
                w[i] -= 0.01 * 0.1 * w[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                w[i] -= 0.01 * (m[i] / (1 - Math.pow(0.9, t))) / (Math.sqrt(v[i] / (1 - Math.pow(0.999, t))) + 1e-8);
                assertEquals(w[i], p[t - 1][i], 1e-6, "step " + t + " element " + i);
            }
        }
    }

    @Test
    void l2AndGlobalNormClippingApplyToAnyOptimizer() {
        // one linear unit, x = 1, target 0: the loss gradient w.r.t. W is 2·(W·1 + b - 0) / 1
        Model m = Model.builder(1).add("fc", new FullyConnected(Tensor.of(new float[] {3f}, 1, 1), Tensor.zeros(1)))
                .loss(Loss.MEAN_SQUARED_ERROR).optimizer(new GradientDescent(0.1)).l2(0.5).build();
        double loss = m.trainBatch(Tensor.of(new float[] {1f}, 1, 1), Tensor.zeros(1, 1));
        assertEquals(9 + 0.5 * 9, loss, 1e-6, "MSE 9 plus λ·W² = 4.5");
        // dW = 6 + 2·0.5·3 = 9 -> W = 3 - 0.9 = 2.1
        assertEquals(2.1f, m.parameters().get("fc.W").value().data()[0], 1e-6f);

        Model c = Model.builder(2).add("fc", new FullyConnected(Tensor.of(new float[] {1.5f, 2f}, 2, 1), Tensor.zeros(1)))
                .loss(Loss.MEAN_SQUARED_ERROR).optimizer(new GradientDescent(1)).clipGlobalNorm(1).build();
        // output 1.5 + 2 = 3.5 for x = [1, 1] and target 1: dW = 2·2.5·[1, 1] = [5, 5], db = 5; norm sqrt(75)
        c.trainBatch(Tensor.of(new float[] {1f, 1f}, 1, 2), Tensor.of(new float[] {1f}, 1, 1));
        double scale = 1 / Math.sqrt(75);
        assertEquals(1.5 - 5 * scale, c.parameters().get("fc.W").value().data()[0], 1e-6);
        assertEquals(-5 * scale, c.parameters().get("fc.b").value().data()[0], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> c.setL2(-1));
    }

    @Test
    void everyOptimizerResumesExactlyFromTheModelFile() throws Exception {
        NumpyRandom rng = new NumpyRandom(6);
        Dataset d = Dataset.of(rng.randn(24, 5), rng.randn(24, 1));
        TrainOptions opts = TrainOptions.defaults().withEpochs(2).withBatchSize(5).withVerbose(false);
        for (String name : new String[] {"sgd", "nesterov", "rmsprop", "adamw", "gd"}) {
            Model straight = model(name);
            straight.train(d, opts.withEpochs(4));
            Model first = model(name);
            first.train(d, opts);
            Path file = dir.resolve(name + ".cnn");
            first.save(file);
            Model back = Model.load(file);
            assertEquals(first.optimizer().config(), back.optimizer().config(), name);
            assertEquals(0.01, back.l2(), name);
            back.train(d, opts);
            for (String p : straight.parameters().keySet()) {
                assertArrayEquals(straight.parameters().get(p).value().data(), back.parameters().get(p).value().data(),
                        name + " " + p);
            }
        }
    }

    private static Model model(String optimizer) {
        return Model.builder(5).seed(2).add("fc1", new FullyConnected(8)).add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(1)).optimizer(Optimizer.named(optimizer, 0.01)).l2(0.01)
                .clipGlobalNorm(5).build();
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndRestoresTheBestEpoch() {
        NumpyRandom rng = new NumpyRandom(7);
        Dataset d = Dataset.of(rng.randn(20, 3), rng.randn(20, 1));
        TrainOptions opts = TrainOptions.defaults().withBatchSize(5).withVerbose(false).withShuffle(false, 0);
        Model oneEpoch = Model.builder(3).seed(1).add("fc", new FullyConnected(1)).build();
        oneEpoch.train(d, opts.withEpochs(1));
        // an improvement must beat the best by 1e9: only the first epoch counts, so patience 2 stops after epoch 3
        Model m = Model.builder(3).seed(1).add("fc", new FullyConnected(1)).build();
        History h = m.train(d, opts.withEpochs(50)
                .withEarlyStopping(new EarlyStopping(EarlyStopping.Monitor.TRAINING_LOSS, 2, 1e9, true)));
        assertEquals(3, h.epochs());
        assertEquals(3, m.epochsDone());
        assertArrayEquals(oneEpoch.parameters().get("fc.W").value().data(), m.parameters().get("fc.W").value().data(),
                "the first epoch's weights are restored");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.train(d, opts.withEarlyStopping(EarlyStopping.onValidationLoss(3))));
        assertEquals("early stopping on VALIDATION_LOSS needs validation data (TrainOptions.withValidation)",
                e.getMessage());
    }
}
