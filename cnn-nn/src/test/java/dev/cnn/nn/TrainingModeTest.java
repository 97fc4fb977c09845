package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Dropout;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.GlobalAveragePooling2D;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers that behave differently in training and inference: batch norm and dropout inside a model. */
class TrainingModeTest {
    @TempDir
    Path dir;

    private static Model net(long seed, boolean dropout) {
        Model.Builder b = Model.builder(6, 6, 1).seed(seed)
                .add("conv", new Conv2D(4, 3)).add("bn", new BatchNorm()).add("relu", Activation.relu());
        if (dropout) {
            b.add("drop", new Dropout(0.4));
        }
        return b.add("gap", new GlobalAveragePooling2D()).add("fc", new FullyConnected(2))
                .add("softmax", Activation.softmax()).build();
    }

    private static Dataset data() {
        NumpyRandom rng = new NumpyRandom(9);
        Tensor x = rng.randn(20, 6, 6, 1);
        Tensor y = Tensor.zeros(20, 2);
        for (int i = 0; i < 20; i++) {
            y.set(1f, i, x.get(i, 3, 3, 0) > 0 ? 1 : 0);
        }
        return Dataset.of(x, y);
    }

    @Test
    void dropoutIsTheIdentityInInferenceAndSeededInTraining() {
        Dataset d = data();
        Model with = net(3, true);
        Model without = net(3, false);
        Tensor x = d.inputs(0, 20);
        assertArrayEquals(without.predict(x).data(), with.predict(x).data(), "inference skips dropout");

        TrainOptions opts = TrainOptions.defaults().withEpochs(3).withBatchSize(5).withVerbose(false);
        Model a = net(3, true);
        Model b = net(3, true);
        a.train(d, opts);
        b.train(d, opts);
        assertArrayEquals(a.parameters().get("fc.W").value().data(), b.parameters().get("fc.W").value().data(),
                "same seed, same masks");
        Model c = net(3, true);
        c.train(d, opts.withShuffle(true, 5));
        assertFalse(java.util.Arrays.equals(a.parameters().get("fc.W").value().data(),
                c.parameters().get("fc.W").value().data()), "another seed draws other batches and masks");
    }

    @Test
    void dropoutDropsItsRateAndScalesTheRest() {
        Dropout drop = new Dropout(0.3);
        drop.setTraining(true, 77);
        Tensor y = drop.forward(Tensor.full(1f, 100, 100));
        int zeros = 0;
        for (float v : y.data()) {
            if (v == 0f) {
                zeros++;
            } else {
                assertEquals(1 / 0.7f, v, 1e-6f);
            }
        }
        assertEquals(0.3, zeros / 10000.0, 0.015, "share dropped");
    }

    @Test
    void slicesOfABatchGetTheWholeBatchsMasksAndGradients() {
        // a model without batch statistics: dropout is the only layer that sees the slicing
        java.util.function.Supplier<Model> make = () -> Model.builder(6).seed(2).add("fc1", new FullyConnected(12))
                .add("drop", new Dropout(0.5)).add("relu", Activation.relu()).add("fc2", new FullyConnected(2))
                .add("softmax", Activation.softmax()).build();
        NumpyRandom rng = new NumpyRandom(4);
        Tensor x = rng.randn(10, 6);
        Tensor y = Tensor.zeros(10, 2);
        for (int i = 0; i < 10; i++) {
            y.set(1f, i, i % 2);
        }
        Model whole = make.get();
        whole.setTrainingState(whole.trainingState().at(3, 7));
        whole.forward(x);
        whole.backward(y);
        float[] expected = new float[whole.flatSize()];
        whole.copyGradientsTo(expected);

        // rows 0-3 and 4-9 apart, each gradient weighted by its share of the rows
        Model shard = make.get();
        shard.setTrainingState(shard.trainingState().at(3, 7));
        float[] sum = new float[expected.length];
        float[] g = new float[expected.length];
        int[][] slices = {{0, 4}, {4, 10}};
        for (int[] s : slices) {
            int n = s[1] - s[0];
            shard.forward(Tensor.wrap(java.util.Arrays.copyOfRange(x.data(), s[0] * 6, s[1] * 6), n, 6), s[0]);
            shard.backward(Tensor.wrap(java.util.Arrays.copyOfRange(y.data(), s[0] * 2, s[1] * 2), n, 2));
            shard.copyGradientsTo(g);
            for (int i = 0; i < g.length; i++) {
                sum[i] += g[i] * n / 10f;
            }
        }
        assertArrayEquals(expected, sum, 1e-6f, "the slices' weighted gradients are the whole batch's");

        // another position draws other masks: the gradient changes
        Model elsewhere = make.get();
        elsewhere.setTrainingState(elsewhere.trainingState().at(3, 8));
        elsewhere.forward(x);
        elsewhere.backward(y);
        float[] other = new float[expected.length];
        elsewhere.copyGradientsTo(other);
        assertFalse(java.util.Arrays.equals(expected, other), "batch 8's masks are not batch 7's");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> shard.forward(x, -1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> shard.setTrainingState(shard.trainingState().at(-1, 0)));
    }

    @Test
    void batchNormMovingStatisticsFollowKerasMomentum() {
        BatchNorm bn = new BatchNorm();
        bn.build(new int[] {2}, null);
        bn.setTraining(true, 0);
        // channel 0: 1, 3 (mean 2, variance 1); channel 1: 10, 10 (mean 10, variance 0)
        Tensor y = bn.forward(Tensor.of(new float[] {1, 10, 3, 10}, 2, 2));
        assertEquals(0.01 * 2, bn.state().get("movingMean").data()[0], 1e-7);
        assertEquals(0.01 * 10, bn.state().get("movingMean").data()[1], 1e-6);
        assertEquals(0.99 + 0.01 * 1, bn.state().get("movingVariance").data()[0], 1e-7);
        assertEquals(0.99, bn.state().get("movingVariance").data()[1], 1e-7);
        assertEquals(-1 / Math.sqrt(1 + 1e-3), y.data()[0], 1e-6, "(1 - 2) / sqrt(1 + eps)");
        assertEquals(0f, y.data()[1], "a constant channel normalises to beta");
        bn.setTraining(false, 0);
        Tensor z = bn.forward(Tensor.of(new float[] {1, 10}, 1, 2));
        assertEquals((1 - 0.02) / Math.sqrt(1.0 + 1e-3), z.data()[0], 1e-6, "inference uses the moving statistics");
    }

    @Test
    void aRunResumedFromItsFileEqualsTheUninterruptedOne() throws Exception {
        Dataset d = data();
        TrainOptions opts = TrainOptions.defaults().withEpochs(2).withBatchSize(6).withVerbose(false);
        Model straight = net(4, true);
        straight.train(d, opts.withEpochs(4));
        Model first = net(4, true);
        first.train(d, opts);
        Path file = dir.resolve("bn.cnn");
        first.save(file);
        Model back = Model.load(file);
        assertArrayEquals(first.layer("bn").state().get("movingVariance").data(),
                back.layer("bn").state().get("movingVariance").data(), "moving statistics are saved");
        back.train(d, opts);
        for (String p : straight.parameters().keySet()) {
            assertArrayEquals(straight.parameters().get(p).value().data(), back.parameters().get(p).value().data(), p);
        }
        assertArrayEquals(straight.layer("bn").state().get("movingMean").data(),
                back.layer("bn").state().get("movingMean").data());
        assertArrayEquals(straight.predict(d.inputs(0, 20)).data(), back.predict(d.inputs(0, 20)).data());
    }
}
