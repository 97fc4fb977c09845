package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    @Test
    void precisionRecallAndErrorsFromTheConfusionMatrix() {
        // rows: actual, columns: predicted
        Evaluation e = new Evaluation(10, 0.5, 0.7, new long[][] {{4, 1}, {2, 3}}, Double.NaN, Double.NaN);
        assertEquals(4.0 / 6, e.precision(0), 1e-12);
        assertEquals(3.0 / 4, e.precision(1), 1e-12);
        assertEquals(4.0 / 5, e.recall(0), 1e-12);
        assertEquals(3.0 / 5, e.recall(1), 1e-12);
        assertEquals(3, e.errors());
        Evaluation none = new Evaluation(2, 0, 0, new long[][] {{0, 2}, {0, 0}}, Double.NaN, Double.NaN);
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
        Evaluation r = reg.evaluate(Dataset.of(x, y), 3);
        assertEquals(2.0, r.rmse(), 1e-6, "sqrt(16 / 4)");
        assertEquals(1.0, r.mae(), 1e-6, "4 / 4");
        assertEquals(4.0, r.loss(), 1e-6, "mean squared error");

        Model cls = Model.builder(1).add("fc", new FullyConnected(1, 1, Init.XAVIER, new dev.cnn.core.NumpyRandom(1)))
                .add("sigmoid", Activation.sigmoid()).loss(Loss.BINARY_CROSS_ENTROPY).build();
        cls.parameters().get("fc.W").value().fill(1f);
        Tensor xs = Tensor.of(new float[] {-2, -1, 1, 2, 3}, 5, 1);
        Tensor ys = Tensor.of(new float[] {0, 1, 1, 0, 1}, 5, 1);
        Evaluation c = cls.evaluate(Dataset.of(xs, ys), 2);
        assertEquals(0.6, c.accuracy(), 1e-12);
        assertEquals(1, c.confusion()[0][0]);
        assertEquals(1, c.confusion()[0][1]);
        assertEquals(1, c.confusion()[1][0]);
        assertEquals(2, c.confusion()[1][1]);
    }
}
