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
import dev.cnn.nn.schedules.StepDecay;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop over its seam, and the training state as a value saved with the model. */
class TrainerTest {
    private static Model model() {
        NumpyRandom r = new NumpyRandom(2);
        return Model.builder(4).add("fc1", new FullyConnected(4, 6, Init.HE, r)).add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(6, 3, Init.XAVIER, r)).add("softmax", Activation.softmax())
                .l2(1e-3).clipGlobalNorm(0.5).build();
    }

    private static Dataset data() {
        NumpyRandom r = new NumpyRandom(3);
        Tensor x = r.randn(40, 4);
        Tensor y = Tensor.zeros(40, 3);
        for (int i = 0; i < 40; i++) {
            y.set(1f, i, x.get(i, 0) > 0.5f ? 0 : x.get(i, 1) > 0 ? 1 : 2);
        }
        return Dataset.of(x, y);
    }

    @Test
    void anyGradientSourceDrivesTheSameLoop() {
        Dataset d = data();
        TrainOptions options = TrainOptions.defaults().withEpochs(3).withBatchSize(10).withShuffle(false, 1)
                .withVerbose(false).withSchedule(new StepDecay(0.01, 1, 0.5));
        Model local = model();
        new Trainer(local, options).fit(d);
        Model seam = model();
        GradientSource source = new GradientSource() {
            @Override
            public int batches() {
                return 4;
            }

            @Override
            public Step gradient(int epoch, int batch) {
                Tensor x = Tensor.zeros(10, 4);
                Tensor y = Tensor.zeros(10, 3);
                int[] order = Dataset.epochOrder(40, false, 0, 0);
                d.fill(order, batch * 10, batch * 10 + 10, x.data(), y.data());
                seam.forward(x);
                return new Step(seam.backward(y), 10);
            }
        };
        History h = new Trainer(seam, options).fit(source, m -> m.evaluate(d, 40));
        float[] a = new float[local.flatSize()];
        float[] b = new float[seam.flatSize()];
        local.copyParametersTo(a);
        seam.copyParametersTo(b);
        assertArrayEquals(a, b, "L2, clipping, the schedule and Adam applied alike");
        assertEquals(local.history().trainLoss(), h.trainLoss());
        assertEquals(3, h.validationLoss().size());
        assertEquals(0.0025, seam.optimizer().learningRate(), 1e-12);
        assertEquals(12, seam.optimizer().steps());
    }

    @Test
    void theTrainingStateIsAValueSavedWithTheModel(@TempDir Path dir) throws Exception {
        Model m = model();
        StepDecay decay = new StepDecay(0.02, 2, 0.1);
        m.train(data(), TrainOptions.defaults().withEpochs(2).withBatchSize(8).withShuffle(true, 77)
                .withVerbose(false).withSchedule(decay));
        TrainingState s = m.trainingState();
        assertEquals(2, s.epochsDone());
        assertEquals(0, s.batchesDoneInEpoch());
        assertEquals(77, s.seed());
        assertEquals(decay, s.schedule());
        assertTrue(Double.isFinite(s.referenceLoss()) && s.referenceLoss() > 0, "the first batch's loss: " + s);
        Path file = dir.resolve("m.cnn");
        m.save(file);
        TrainingState back = Model.load(file).trainingState();
        assertEquals(s.epochsDone(), back.epochsDone());
        assertEquals(s.seed(), back.seed());
        assertEquals(s.schedule(), back.schedule());
        assertEquals(s.referenceLoss(), back.referenceLoss());
        assertEquals(s.history().trainLoss(), back.history().trainLoss());
        assertThrows(IllegalArgumentException.class, () -> s.at(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(1, 0, 0, s.history(), null, Double.NaN),
                "a history longer than the epochs done");
    }
}
