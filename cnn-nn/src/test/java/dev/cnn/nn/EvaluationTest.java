package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.losses.Loss;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    @Test
    void precisionRecallAndErrorsFromTheConfusionMatrix() {
        // rows: actual, columns: predicted
        ClassificationEvaluation e = new ClassificationEvaluation(10, 0.5, new long[][] {{4, 1}, {2, 3}}, new long[] {7, 3});
        assertEquals(4.0 / 6, e.precision(0), 1e-12);
        assertEquals(3.0 / 4, e.precision(1), 1e-12);
        assertEquals(4.0 / 5, e.recall(0), 1e-12);
        assertEquals(3.0 / 5, e.recall(1), 1e-12);
        assertEquals(3, e.errors());
        ClassificationEvaluation none = new ClassificationEvaluation(2, 0, new long[][] {{0, 2}, {0, 0}}, new long[] {0, 2});
        assertTrue(Double.isNaN(none.precision(0)), "no predictions of class 0");
        assertTrue(Double.isNaN(none.recall(1)), "no samples of class 1");
    }

    @Test
    void modelEvaluateCountsThresholdedPredictionsAndRegressionErrors() {
        // a single linear unit with fixed weights: output = x, so the predictions are known exactly
        Model reg = Model.builder(1).add("fc", new FullyConnected(1, 1, Init.XAVIER, new dev.cnn.core.NumpyRandom(1)))
                .add("out", Activation.linear()).loss(Loss.MEAN_SQUARED_ERROR).build();
        reg.parameters().get("fc.W").value().fill(1f);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 4, 1);
        Tensor y = Tensor.of(new float[] {1, 2, 3, 8}, 4, 1);
        RegressionEvaluation r = reg.evaluate(Dataset.of(x, y), 3).regression();
        assertEquals(2.0, r.rmse(), 1e-6, "sqrt(16 / 4)");
        assertEquals(1.0, r.mae(), 1e-6, "4 / 4");
        assertEquals(4.0, r.loss(), 1e-6, "mean squared error");

        Model cls = Model.builder(1).add("fc", new FullyConnected(1, 1, Init.XAVIER, new dev.cnn.core.NumpyRandom(1)))
                .add("sigmoid", Activation.sigmoid()).loss(Loss.BINARY_CROSS_ENTROPY).build();
        cls.parameters().get("fc.W").value().fill(1f);
        Tensor xs = Tensor.of(new float[] {-2, -1, 1, 2, 3}, 5, 1);
        Tensor ys = Tensor.of(new float[] {0, 1, 1, 0, 1}, 5, 1);
        ClassificationEvaluation c = cls.evaluate(Dataset.of(xs, ys), 2).classification();
        assertEquals(0.6, c.accuracy(), 1e-12);
        assertEquals(1, c.confusion()[0][0]);
        assertEquals(1, c.confusion()[0][1]);
        assertEquals(1, c.confusion()[1][0]);
        assertEquals(2, c.confusion()[1][1]);
    }

    @Test
    void f1MacroAveragesAndTopKFromAThreeClassModel() {
        // an identity "network": the scores are the inputs, so ranks and the confusion matrix are known
        Model m = Model.builder(3).add("fc", new FullyConnected(eye(3), Tensor.zeros(3)))
                .add("softmax", Activation.softmax()).build();
        Tensor x = Tensor.of(new float[] {
            5, 1, 0, // actual 0, predicted 0
            1, 5, 0, // actual 0, predicted 1; true class second
            0, 1, 5, // actual 0, predicted 2; true class third
            0, 5, 1, // actual 1, predicted 1
            5, 0, 1, // actual 2, predicted 0; true class second
        }, 5, 3);
        Tensor y = Tensor.of(new float[] {1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, 5, 3);
        ClassificationEvaluation e = m.evaluate(Dataset.of(x, y), 2).classification();
        assertEquals(2.0 / 5, e.accuracy(), 1e-12);
        assertEquals(4.0 / 5, e.topKAccuracy(2), 1e-12);
        assertEquals(1.0, e.topKAccuracy(3), 1e-12);
        // class 0: TP 1, FP 1 (the class-2 sample), FN 2 -> F1 = 2 / (2 + 1 + 2); class 1: TP 1, FP 1, FN 0 -> 2/3;
        // class 2: TP 0, FP 1, FN 1 -> 0
        assertEquals(2.0 / 5, e.f1(0), 1e-12);
        assertEquals(2.0 / 3, e.f1(1), 1e-12);
        assertEquals(0.0, e.f1(2), 1e-12);
        assertEquals((2.0 / 5 + 2.0 / 3) / 3, e.macroF1(), 1e-12);
        assertEquals((1.0 / 2 + 1.0 / 2 + 0) / 3, e.macroPrecision(), 1e-12);
        assertEquals((1.0 / 3 + 1 + 0) / 3, e.macroRecall(), 1e-12);
        assertArrayEquals(new int[] {0, 1, 2, 1, 0}, m.predictClasses(x));

        // the evaluation of two halves merges into the evaluation of the whole
        Dataset all = Dataset.of(x, y);
        Evaluation merged = m.evaluate(Dataset.subset(all, new int[] {0, 1}), 8)
                .merge(m.evaluate(Dataset.subset(all, new int[] {2, 3, 4}), 8));
        assertEquals(5, merged.samples());
        assertEquals(e.topKAccuracy(2), merged.classification().topKAccuracy(2), 0.0);
        assertEquals(e.loss(), merged.loss(), 1e-12);
        assertArrayEquals(e.confusion(), merged.classification().confusion());
    }

    @Test
    void aRegressionResultHasNoClassificationMetrics() {
        Model reg = Model.builder(1).add("fc", new FullyConnected(eye(1), Tensor.zeros(1))).build();
        Evaluation r = reg.evaluate(Dataset.of(Tensor.of(new float[] {1, 2}, 2, 1), Tensor.of(new float[] {1, 4}, 2, 1)), 4);
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> r.classification().precision(0));
        assertTrue(ex.getMessage().contains("regression result"), ex.getMessage());
        assertEquals(Math.sqrt(2), r.metric(), 1e-6);
        assertThrows(IllegalStateException.class, () -> reg.predictClasses(Tensor.zeros(1, 1)));
    }

    private static Tensor eye(int n) {
        Tensor t = Tensor.zeros(n, n);
        for (int i = 0; i < n; i++) {
            t.set(1f, i, i);
        }
        return t;
    }
}
