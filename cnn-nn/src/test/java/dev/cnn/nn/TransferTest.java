package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import org.junit.jupiter.api.Test;

/** A model's feature extractor under a new head: copied, wired, frozen; only the head (and what is unfrozen) trains. */
class TransferTest {
    @Test
    void theFeaturesAreCopiedFrozenAndOnlyTheNewHeadLearns() {
        Model base = GraphTest.standardBlocks(8);
        assertEquals("gap", Transfer.featureEnd(base));
        Model tuned = Transfer.features(base, "gap").seed(2)
                .add("head", new FullyConnected(4)).add("softmax", Activation.softmax()).build();
        assertEquals(base.layerNames().subList(0, base.layerNames().indexOf("gap") + 1),
                tuned.layerNames().subList(0, tuned.layerNames().size() - 2));
        assertEquals(base.inputsOf("fire_cat"), tuned.inputsOf("fire_cat"));
        assertFalse(tuned.isTrainable("res_conv1"));
        assertTrue(tuned.isTrainable("head"));
        Tensor x = new NumpyRandom(3).randn(16, 8, 8, 3);
        Tensor y = Tensor.zeros(16, 4);
        for (int i = 0; i < 16; i++) {
            y.set(1f, i, i % 4);
        }
        float[] convBefore = tuned.parameters().get("res_conv1.W").value().data().clone();
        float[] headBefore = tuned.parameters().get("head.W").value().data().clone();
        float[] meanBefore = tuned.layer("stem_bn").state().get("movingMean").data().clone();
        float[] varBefore = tuned.layer("res_bn2").state().get("movingVariance").data().clone();
        tuned.train(Dataset.of(x, y), TrainOptions.defaults().withEpochs(2).withBatchSize(8).withVerbose(false));
        assertArrayEquals(convBefore, tuned.parameters().get("res_conv1.W").value().data());
        assertNotEquals(headBefore[0], tuned.parameters().get("head.W").value().data()[0]);
        // frozen batch norm normalises with its moving statistics and keeps them
        assertArrayEquals(meanBefore, tuned.layer("stem_bn").state().get("movingMean").data());
        assertArrayEquals(varBefore, tuned.layer("res_bn2").state().get("movingVariance").data());
        // copies, not shared: the base keeps its weights
        assertArrayEquals(base.parameters().get("res_conv1.W").value().data(), convBefore);
        assertFalse(base.parameters().get("res_conv1.W").value() == tuned.parameters().get("res_conv1.W").value());
        tuned.setTrainable("fire_e3", true);
        float[] e3 = tuned.parameters().get("fire_e3.W").value().data().clone();
        tuned.train(Dataset.of(x, y), TrainOptions.defaults().withEpochs(1).withBatchSize(8).withVerbose(false));
        assertNotEquals(e3[0], tuned.parameters().get("fire_e3.W").value().data()[0]);
        tuned.setTrainable("stem_bn", true);
        tuned.train(Dataset.of(x, y), TrainOptions.defaults().withEpochs(1).withBatchSize(8).withVerbose(false));
        assertNotEquals(meanBefore[0], tuned.layer("stem_bn").state().get("movingMean").data()[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.featureEnd(
                Model.builder(3).add("fc", new FullyConnected(2)).build()));
        assertTrue(e.getMessage().contains("no flatten or pooling layer"), e.getMessage());
    }

    @Test
    void backwardStopsAtTheFrozenBaseAndTheHeadGetsTheSameGradient() {
        Model tuned = Transfer.features(GraphTest.standardBlocks(5), "gap").seed(3)
                .add("head", new FullyConnected(3)).add("softmax", Activation.softmax()).build();
        Tensor x = new NumpyRandom(4).randn(6, 8, 8, 3);
        Tensor y = Tensor.zeros(6, 3);
        for (int i = 0; i < 6; i++) {
            y.set(1f, i, i % 3);
        }
        tuned.forward(x);
        tuned.backward(y);
        float[] headOnly = tuned.parameters().get("head.W").grad().data().clone();
        float[] conv = tuned.parameters().get("fire_e3.W").grad().data();
        assertEquals(0f, (float) java.util.stream.IntStream.range(0, conv.length).mapToDouble(i -> Math.abs(conv[i])).sum(),
                "a frozen layer with nothing learning before it is not back-propagated");
        tuned.setTrainable("stem", true); // now every layer lies after one that learns
        tuned.forward(x);
        tuned.backward(y);
        assertArrayEquals(headOnly, tuned.parameters().get("head.W").grad().data());
        float[] conv2 = tuned.parameters().get("fire_e3.W").grad().data();
        assertTrue(java.util.stream.IntStream.range(0, conv2.length).anyMatch(i -> conv2[i] != 0));
    }
}
