package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.losses.WeightedCategoricalCrossEntropy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Losses as objects, frozen layers, layer reuse, inferred input sizes and single samples. */
class LibraryApiTest {
    @TempDir
    Path dir;

    @Test
    void classWeightedCrossEntropyWeighsEachSampleByItsClass() {
        Tensor p = Tensor.of(new float[] {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f}, 2, 3);
        Tensor y = Tensor.of(new float[] {1, 0, 0, 0, 0, 1}, 2, 3);
        double expected = -(2 * Math.log(0.7) + 5 * Math.log(0.6)) / 2;
        assertEquals(expected, new WeightedCategoricalCrossEntropy(2, 1, 5).value(p, y), 1e-6);
        assertEquals(Loss.CATEGORICAL_CROSS_ENTROPY.value(p, y), new WeightedCategoricalCrossEntropy(1, 1, 1).value(p, y),
                1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WeightedCategoricalCrossEntropy(1, 1).value(p, y));
        assertTrue(e.getMessage().contains("2 class weights") && e.getMessage().contains("(2, 3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WeightedCategoricalCrossEntropy(1, -1));
    }

    @Test
    void aClassWeightedModelSavesAndLoadsItsWeights() throws Exception {
        Model m = Model.builder(4).add("fc", new FullyConnected(3)).add("softmax", Activation.softmax())
                .loss(new WeightedCategoricalCrossEntropy(0.5f, 2f, 1f)).build();
        Tensor x = new NumpyRandom(3).randn(6, 4);
        Tensor y = oneHot(new int[] {0, 1, 2, 1, 1, 0}, 3);
        m.train(Dataset.of(x, y), TrainOptions.defaults().withEpochs(2).withBatchSize(3).withVerbose(false));
        Path file = dir.resolve("weighted.cnn");
        m.save(file);
        Model back = Model.load(file);
        assertArrayEquals(new float[] {0.5f, 2f, 1f}, ((WeightedCategoricalCrossEntropy) back.loss()).classWeights());
        assertEquals(m.evaluate(Dataset.of(x, y), 6).loss(), back.evaluate(Dataset.of(x, y), 6).loss(), 0.0);
    }

    @Test
    void frozenLayersKeepTheirWeightsThroughTrainingAndSaving() throws Exception {
        NumpyRandom rng = new NumpyRandom(5);
        Model m = Model.builder(6, 6, 1)
                .add("conv", new Conv2D(1, 2, 3, 1, Padding.VALID, Init.HE, rng), false)
                .add("relu", Activation.relu())
                .add("flat", new Flatten())
                .add("fc", new FullyConnected(32, 1, Init.XAVIER, rng))
                .add("sigmoid", Activation.sigmoid()).build();
        assertFalse(m.isTrainable("conv"));
        assertEquals(2, m.trainableParameters().size(), "fc.W and fc.b only");
        float[] convBefore = m.parameters().get("conv.W").value().data().clone();
        float[] fcBefore = m.parameters().get("fc.W").value().data().clone();
        Dataset d = Dataset.of(rng.randn(8, 6, 6, 1), Tensor.of(new float[] {0, 1, 1, 0, 1, 0, 0, 1}, 8, 1));
        m.train(d, TrainOptions.defaults().withEpochs(3).withBatchSize(4).withVerbose(false));
        assertArrayEquals(convBefore, m.parameters().get("conv.W").value().data(), "the frozen layer did not move");
        assertFalse(java.util.Arrays.equals(fcBefore, m.parameters().get("fc.W").value().data()), "the head trained");

        Path file = dir.resolve("frozen.cnn");
        m.save(file);
        Model back = Model.load(file);
        assertFalse(back.isTrainable("conv"), "the flag is saved");
        assertTrue(back.isTrainable("fc"));
        back.train(d, TrainOptions.defaults().withEpochs(1).withBatchSize(4).withVerbose(false));
        assertArrayEquals(convBefore, back.parameters().get("conv.W").value().data());
        back.setTrainable("conv", true);
        back.train(d, TrainOptions.defaults().withEpochs(1).withBatchSize(4).withVerbose(false));
        assertFalse(java.util.Arrays.equals(convBefore, back.parameters().get("conv.W").value().data()),
                "unfrozen, it trains again");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> back.setTrainable("conv2", false));
        assertTrue(e.getMessage().contains("no layer 'conv2'"), e.getMessage());
    }

    @Test
    void aCopiedLayerCarriesItsWeightsIntoANewModelWithoutSharingThem() {
        NumpyRandom rng = new NumpyRandom(2);
        Model base = Model.builder(5, 5, 1).add("conv", new Conv2D(1, 3, 3, 1, Padding.SAME, Init.HE, rng))
                .add("flat", new Flatten()).add("fc", new FullyConnected(75, 2, Init.XAVIER, rng))
                .add("softmax", Activation.softmax()).build();
        Model transfer = Model.builder(5, 5, 1).add("conv", base.copyOfLayer("conv"), false)
                .add("pool", new Pool2D(5, 5, PoolMode.AVERAGE)).add("flat", new Flatten())
                .add("head", new FullyConnected(4)).add("softmax", Activation.softmax()).build();
        Tensor w = transfer.parameters().get("conv.W").value();
        assertArrayEquals(base.parameters().get("conv.W").value().data(), w.data());
        assertNotEquals(base.parameters().get("conv.W").value(), w, "a copy, not the same tensor");
        w.data()[0] += 1;
        assertNotEquals(base.parameters().get("conv.W").value().data()[0], w.data()[0]);
        assertArrayEquals(new int[] {4}, transfer.outputShape());
    }

    @Test
    void inputSizesAreInferredFromThePreviousLayerAndSeeded() {
        Model inferred = Model.builder(8, 8, 2).seed(7)
                .add("conv", new Conv2D(4, 3)).add("relu", Activation.relu())
                .add("flat", new Flatten()).add("fc", new FullyConnected(3, Init.XAVIER)).build();
        NumpyRandom rng = new NumpyRandom(7);
        Conv2D conv = new Conv2D(2, 4, 3, 1, Padding.VALID, Init.HE, rng);
        FullyConnected fc = new FullyConnected(6 * 6 * 4, 3, Init.XAVIER, rng);
        assertArrayEquals(conv.parameters().get(0).value().data(), inferred.parameters().get("conv.W").value().data(),
                "the same draws as the explicit form on one generator");
        assertArrayEquals(fc.parameters().get(0).value().data(), inferred.parameters().get("fc.W").value().data());
        assertEquals(conv.config(), inferred.layer("conv").config());
        assertEquals(inferred.parameterCount(), 2 * 3 * 3 * 4 + 4 + 144 * 3 + 3);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new FullyConnected(3).forward(Tensor.zeros(1, 2)));
        assertTrue(e.getMessage().contains("Model.Builder"), e.getMessage());
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
                () -> Model.builder(10).add("conv", new Conv2D(2, 3)).build());
        assertTrue(flat.getMessage().contains("layer 'conv'") && flat.getMessage().contains("(h, w, channels)"),
                flat.getMessage());
    }

    @Test
    void oneSampleOfADatasetIsABatchOfOne() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor y = Tensor.of(new float[] {7, 8, 9}, 3, 1);
        Dataset d = Dataset.of(x, y);
        assertArrayEquals(new int[] {1, 2}, d.sample(1).shape());
        assertArrayEquals(new float[] {3, 4}, d.sample(1).data());
        assertArrayEquals(new float[] {9}, d.target(2).data());
        assertArrayEquals(new float[] {3, 4, 5, 6}, d.inputs(1, 3).data());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.sample(3));
        assertTrue(e.getMessage().contains("sample 3") && e.getMessage().contains("3 samples"), e.getMessage());

        Model m = Model.builder(2).add("fc", new FullyConnected(1)).build();
        IllegalArgumentException single = assertThrows(IllegalArgumentException.class,
                () -> m.predict(Tensor.of(new float[] {1, 2}, 2)));
        assertTrue(single.getMessage().contains("single sample") && single.getMessage().contains("(1, 2)"),
                single.getMessage());
        assertEquals(1, m.predict(d.sample(0)).dim(0));
    }

    private static Tensor oneHot(int[] labels, int classes) {
        Tensor t = Tensor.zeros(labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            t.set(1f, i, labels[i]);
        }
        return t;
    }
}
