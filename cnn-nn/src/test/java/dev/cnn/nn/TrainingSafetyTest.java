package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.GradientDescent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Training never applies a bad update; inference on a shared model is right from any number of threads. */
class TrainingSafetyTest {

    private static Model regression(long seed, double lr) {
        NumpyRandom rng = new NumpyRandom(seed);
        return Model.builder(4)
                .add("fc1", new FullyConnected(4, 16, Init.HE, rng))
                .add("relu", Activation.relu())
                .add("fc2", new FullyConnected(16, 1, Init.XAVIER, rng))
                .loss(Loss.MEAN_SQUARED_ERROR).optimizer(new GradientDescent(lr)).build();
    }

    private static Dataset table(int n, long seed, float targetScale) {
        NumpyRandom r = new NumpyRandom(seed);
        Tensor x = r.randn(n, 4);
        Tensor y = Tensor.zeros(n, 1);
        for (int i = 0; i < n; i++) {
            y.set(targetScale * (x.get(i, 0) - 0.5f * x.get(i, 2)), i, 0);
        }
        return Dataset.of(x, y);
    }

    @Test
    void aHugeLearningRateStopsBeforeTheFirstNonFiniteUpdate() {
        Model m = regression(1, 1e6);
        List<float[]> afterBatch = new ArrayList<>();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> m.train(table(64, 2, 1),
                TrainOptions.defaults().withEpochs(5).withBatchSize(8).withVerbose(false).withListener(new TrainingListener() {
                    @Override
                    public void onBatchEnd(int epoch, int batch, int batches, int size, double loss) {
                        afterBatch.add(ModelTest.flatWeights(m));
                    }
                })));
        float[] now = ModelTest.flatWeights(m);
        for (float v : now) {
            assertTrue(Float.isFinite(v), "every weight is finite after the refused update");
        }
        assertArrayEquals(afterBatch.get(afterBatch.size() - 1), now, "the weights are those before the refused batch");
        assertEquals(afterBatch.size(), m.optimizer().steps(), "no step was taken for the refused batch");
        assertEquals(e.batch(), m.batchesDoneInEpoch(), "the position stays at the refused batch");
        assertTrue(e.getMessage().contains("training diverged at epoch " + (e.epoch() + 1) + ", batch " + (e.batch() + 1)),
                e.getMessage());
    }

    @Test
    void aFiniteBlowUpIsCaughtAgainstTheFirstBatchLoss() {
        Model m = regression(3, 0.01);
        // batches of 8 in order: the fifth (and last) batch's targets are ten thousand times larger
        Dataset d = table(40, 4, 1);
        Tensor x = Tensor.zeros(40, 4);
        Tensor y = Tensor.zeros(40, 1);
        d.fill(Dataset.epochOrder(40, false, 0, 0), 0, 40, x.data(), y.data());
        for (int i = 32; i < 40; i++) {
            y.data()[i] *= 1e4f;
        }
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> m.train(Dataset.of(x, y),
                TrainOptions.defaults().withEpochs(1).withBatchSize(8).withShuffle(false, 0).withVerbose(false)));
        assertEquals(4, e.batch());
        assertTrue(e.loss() > 1e6 && Double.isFinite(e.loss()), "loss " + e.loss());
        assertTrue(e.getMessage().contains("times the first batch's"), e.getMessage());
        assertEquals(4, m.optimizer().steps());

        Model off = regression(3, 0.01);
        off.train(Dataset.of(x, y), TrainOptions.defaults().withEpochs(1).withBatchSize(8).withShuffle(false, 0)
                .withVerbose(false).withDivergenceFactor(Double.POSITIVE_INFINITY));
        assertEquals(5, off.optimizer().steps(), "an infinite factor turns the check off");
    }

    @Test
    void aNaNPixelIsReportedAsDataNamingTheSampleAndChangesNothing() {
        Model m = ModelTest.smallCnn(2);
        Dataset d = ModelTest.halves(24, 5);
        Tensor x = Tensor.zeros(24, 8, 8, 1);
        Tensor y = Tensor.zeros(24, 1);
        d.fill(Dataset.epochOrder(24, false, 0, 0), 0, 24, x.data(), y.data());
        x.set(Float.NaN, 17, 3, 4, 0);
        float[] before = ModelTest.flatWeights(m);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.train(Dataset.of(x, y),
                TrainOptions.defaults().withEpochs(1).withBatchSize(24).withVerbose(false)));
        assertTrue(e.getMessage().contains("training sample 17 has a non-finite input value (NaN at element 28 of 64)"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("smaller learning rate"), e.getMessage());
        assertArrayEquals(before, ModelTest.flatWeights(m));
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class, () -> m.predict(x));
        assertTrue(p.getMessage().contains("input sample 17"), p.getMessage());
    }

    @Test
    void hugeBatchSizesAndEpochCountsDoNotOverflow() {
        Model m = regression(5, 0.01);
        m.train(table(40, 6, 1), TrainOptions.defaults().withEpochs(3).withBatchSize(Integer.MAX_VALUE).withVerbose(false));
        assertEquals(3, m.optimizer().steps(), "one batch of all 40 samples per epoch");
        assertEquals(3, m.epochsDone());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.train(table(40, 6, 1),
                TrainOptions.defaults().withEpochs(Integer.MAX_VALUE).withVerbose(false)));
        assertTrue(e.getMessage().contains("would overflow"), e.getMessage());
    }

    @Test
    void theBuilderInfersTheLossFromTheOutputAndRefusesASharedLayer() {
        NumpyRandom rng = new NumpyRandom(1);
        Model softmax = Model.builder(3).add("fc", new FullyConnected(3, 4, Init.HE, rng)).add("sm", Activation.softmax())
                .build();
        assertEquals(Loss.CATEGORICAL_CROSS_ENTROPY, softmax.loss());
        Model sigmoid = Model.builder(3).add("fc", new FullyConnected(3, 1, Init.HE, rng)).add("s", Activation.sigmoid())
                .build();
        assertEquals(Loss.BINARY_CROSS_ENTROPY, sigmoid.loss());
        assertEquals(Loss.MEAN_SQUARED_ERROR, regression(1, 0.1).loss());
        Activation relu = Activation.relu();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.builder(3)
                .add("fc1", new FullyConnected(3, 3, Init.HE, rng)).add("r1", relu)
                .add("fc2", new FullyConnected(3, 3, Init.HE, rng)).add("r2", relu).build());
        assertTrue(e.getMessage().contains("'r1' and 'r2' are the same instance"), e.getMessage());
    }

    @Test
    void oneSampleWithoutABatchAxisIsNamedAsSuch() {
        Model m = regression(5, 0.01);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.predict(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("single sample") && e.getMessage().contains("(1, 4)"), e.getMessage());
    }

    @Test
    void manyThreadsPredictingOnOneModelGetTheSequentialAnswers() throws Exception {
        Model m = ModelTest.smallCnn(7);
        m.train(ModelTest.halves(32, 8), TrainOptions.defaults().withEpochs(2).withBatchSize(8).withVerbose(false));
        int inputs = 12;
        Tensor[] x = new Tensor[inputs];
        float[][] expected = new float[inputs][];
        for (int i = 0; i < inputs; i++) {
            Dataset d = ModelTest.halves(5 + i * 7, 100 + i); // batch sizes differ from call to call
            x[i] = Tensor.zeros(d.size(), 8, 8, 1);
            d.fill(Dataset.epochOrder(d.size(), false, 0, 0), 0, d.size(), x[i].data(), null);
            expected[i] = m.predict(x[i]).data();
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int wrong = 0;
                    for (int k = 0; k < 250; k++) {
                        int i = (seed * 31 + k * 7) % inputs;
                        if (!Arrays.equals(expected[i], m.predict(x[i]).data())) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            start.countDown();
            int wrong = 0;
            for (Future<Integer> f : results) {
                wrong += f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(0, wrong, "of 4000 concurrent predictions");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void trainingWhileAnotherThreadUsesTheModelFailsLoudly() throws Exception {
        Model m = ModelTest.smallCnn(9);
        Dataset d = ModelTest.halves(64, 10);
        CountDownLatch inTraining = new CountDownLatch(1);
        CountDownLatch checked = new CountDownLatch(1);
        AtomicReference<Throwable> fromOther = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                inTraining.await();
                fromOther.set(assertThrows(IllegalStateException.class, () -> m.predict(d, 8)));
                assertThrows(IllegalStateException.class, () -> m.trainBatch(Tensor.zeros(1, 8, 8, 1), Tensor.zeros(1, 1)));
            } catch (Throwable t) {
                fromOther.set(t);
            } finally {
                checked.countDown();
            }
        });
        other.start();
        m.train(d, TrainOptions.defaults().withEpochs(1).withBatchSize(8).withVerbose(false).withListener(new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, int batches, int size, double loss) {
                if (batch == 0) {
                    inTraining.countDown();
                    try {
                        checked.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }));
        other.join();
        assertTrue(fromOther.get() instanceof IllegalStateException, String.valueOf(fromOther.get()));
        assertTrue(fromOther.get().getMessage().contains("while another thread trains"), fromOther.get().getMessage());
    }
}
