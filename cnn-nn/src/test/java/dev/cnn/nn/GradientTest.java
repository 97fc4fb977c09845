package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.reference.GradientCheck;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.DepthwiseConv2D;
import dev.cnn.nn.layers.Dropout;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.GlobalAveragePooling2D;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.LeakyReLU;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.losses.WeightedCategoricalCrossEntropy;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Central-difference checks (loss in double, relative error ≤ 1e-3 with an absolute floor of 1e-4) for
 * every layer, activation and loss, and for two whole models.
 */
class GradientTest {
    private static final double EPS = 1e-2;
    /**
     * Whole models use a smaller step: a ±1e-2 change of a first-layer weight moves many units at once,
     * enough to push one across a ReLU kink or to change a max-pool winner.
     */
    private static final double MODEL_EPS = 1e-3;
    private static final double REL = 1e-3;
    private static final double FLOOR = 1e-4;

    private final NumpyRandom rng = new NumpyRandom(42);

    @Test
    void fullyConnectedOn2dAnd4dInput() {
        checkLayer("fc 2-D", new FullyConnected(5, 3, Init.XAVIER, rng), rng.randn(4, 5));
        checkLayer("fc 4-D", new FullyConnected(2 * 3 * 2, 4, Init.HE, rng), rng.randn(3, 2, 3, 2));
    }

    @Test
    void conv2d() {
        checkLayer("conv same", new Conv2D(2, 3, 3, 1, Padding.SAME, Init.HE, rng), rng.randn(2, 5, 4, 2));
        checkLayer("conv strided", new Conv2D(3, 2, 2, 3, 2, 1, 1, 0, Init.XAVIER, rng), rng.randn(2, 6, 5, 3));
    }

    @Test
    void groupedConv2d() {
        Conv2D grouped = new Conv2D(6, 3, 3, 1, 2, 1, 1, 3, Init.HE);
        grouped.build(new int[] {5, 6, 6}, rng);
        assertTrue(grouped.parameters().get(0).value().dim(2) == 2, "W (3, 3, 6/3, 6)");
        checkLayer("grouped conv, 3 groups", grouped, rng.randn(2, 5, 6, 6));
    }

    @Test
    void depthwiseConv2d() {
        DepthwiseConv2D same = new DepthwiseConv2D(3, 1, Padding.SAME);
        same.build(new int[] {5, 4, 3}, rng);
        checkLayer("depthwise same", same, rng.randn(2, 5, 4, 3));
        DepthwiseConv2D strided = new DepthwiseConv2D(2, 3, 2, 1, 1, 0, 2, Init.XAVIER);
        strided.build(new int[] {6, 5, 2}, rng);
        checkLayer("depthwise strided, multiplier 2", strided, rng.randn(2, 6, 5, 2));
    }

    @Test
    void pooling() {
        checkLayer("max pool", new Pool2D(2, 2, PoolMode.MAX), distinct(2, 6, 5, 3));
        checkLayer("avg pool", new Pool2D(3, 2, 1, 2, PoolMode.AVERAGE), rng.randn(2, 5, 6, 2));
        checkLayer("flatten", new Flatten(), rng.randn(2, 3, 2, 2));
        checkLayer("max pool padded, ceil", new Pool2D(3, 3, 2, 2, 1, 1, true, true, PoolMode.MAX), distinct(2, 7, 6, 2));
        checkLayer("avg pool padded, counting the padding", new Pool2D(3, 2, 2, 1, 1, 1, false, true, PoolMode.AVERAGE),
                rng.randn(2, 5, 6, 2));
        checkLayer("avg pool padded, ceil, not counting it", new Pool2D(2, 3, 2, 2, 1, 1, true, false, PoolMode.AVERAGE),
                rng.randn(2, 5, 7, 3));
    }

    @Test
    void activations() {
        for (Activation.Kind k : Activation.Kind.values()) {
            Tensor x = k == Activation.Kind.RELU || k == Activation.Kind.RELU6 ? awayFromZero(rng.randn(3, 7))
                    : rng.randn(3, 7);
            if (k == Activation.Kind.RELU6) {
                x.data()[0] = 6.5f; // above the clip: no gradient
                x.data()[1] = 5.5f;
            }
            checkLayer(k.typeName(), new Activation(k), x);
        }
        checkLayer("leaky relu", new LeakyReLU(0.1), awayFromZero(rng.randn(3, 7)));
        checkLayer("leaky relu default", new LeakyReLU(), awayFromZero(rng.randn(2, 3, 2, 2)));
    }

    @Test
    void activationsAreStableForHugeInputs() {
        Tensor x = Tensor.of(new float[] {-1e4f, -50f, 0f, 50f, 1e4f, 3e38f}, 1, 6);
        for (Activation.Kind k : Activation.Kind.values()) {
            Tensor y = new Activation(k).forward(x);
            for (float v : y.data()) {
                assertTrue(Float.isFinite(v), k + " gave " + v);
            }
        }
        Tensor s = Activation.softmax().forward(x);
        assertTrue(s.get(0, 5) == 1f && s.get(0, 0) == 0f, "softmax of huge logits: " + s);
    }

    @Test
    void losses() {
        Tensor p = Tensor.of(new float[] {0.2f, 0.7f, 0.9f, 0.4f, 0.55f, 0.1f}, 3, 2);
        Tensor y = Tensor.of(new float[] {0, 1, 1, 0, 1, 0}, 3, 2);
        Tensor oneHot = Tensor.of(new float[] {0, 1, 1, 0, 0, 1}, 3, 2);
        for (Loss loss : new Loss[] {Loss.BINARY_CROSS_ENTROPY, Loss.MEAN_SQUARED_ERROR, Loss.CATEGORICAL_CROSS_ENTROPY,
                new WeightedCategoricalCrossEntropy(0.5f, 3f)}) {
            Tensor target = loss.task() == Loss.Task.CLASSIFICATION ? oneHot : y;
            Tensor grad = Tensor.zeros(3, 2);
            loss.gradient(p, target, grad);
            GradientCheck.Result r = GradientCheck.check(t -> loss.value(t, target), p, grad, 1e-3, REL, 1e-5);
            assertTrue(r.passed(), loss + ": " + r);
        }
    }

    @Test
    void wholeConvolutionalModelWithSigmoidAndBinaryCrossEntropy() {
        Model m = Model.builder(6, 6, 2)
                .add("conv", new Conv2D(2, 3, 3, 1, Padding.SAME, Init.HE, rng))
                .add("relu", Activation.relu())
                .add("pool", new Pool2D(2, 2, PoolMode.MAX))
                .add("fc", new FullyConnected(27, 1, Init.XAVIER, rng))
                .add("sigmoid", Activation.sigmoid())
                .loss(Loss.BINARY_CROSS_ENTROPY).build();
        Tensor x = rng.randn(4, 6, 6, 2);
        Tensor y = Tensor.of(new float[] {0, 1, 1, 0}, 4, 1);
        checkModel(m, x, y);
    }

    @Test
    void wholeDenseModelWithSoftmaxAndClassWeightedCrossEntropy() {
        Model m = Model.builder(5)
                .add("fc1", new FullyConnected(5, 6, Init.HE, rng))
                .add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(6, 3, Init.XAVIER, rng))
                .add("softmax", Activation.softmax())
                .loss(new WeightedCategoricalCrossEntropy(0.25f, 1f, 4f)).build();
        Tensor x = rng.randn(4, 5);
        Tensor y = Tensor.of(new float[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1}, 4, 3);
        checkModel(m, x, y);
    }

    @Test
    void wholeDenseModelWithSoftmaxAndCategoricalCrossEntropy() {
        Model m = Model.builder(5)
                .add("fc1", new FullyConnected(5, 6, Init.HE, rng))
                .add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(6, 3, Init.XAVIER, rng))
                .add("softmax", Activation.softmax())
                .loss(Loss.CATEGORICAL_CROSS_ENTROPY).build();
        Tensor x = rng.randn(4, 5);
        Tensor y = Tensor.of(new float[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1}, 4, 3);
        checkModel(m, x, y);
    }

    @Test
    void wholeRegressionModelWithMeanSquaredError() {
        Model m = Model.builder(4)
                .add("fc1", new FullyConnected(4, 5, Init.HE, rng))
                .add("sig", Activation.sigmoid())
                .add("fc2", new FullyConnected(5, 2, Init.XAVIER, rng))
                .add("out", Activation.linear())
                .loss(Loss.MEAN_SQUARED_ERROR).build();
        checkModel(m, rng.randn(3, 4), rng.randn(3, 2));
    }

    @Test
    void batchNormInBothModesDropoutAndGlobalAveragePooling() {
        for (int[] shape : new int[][] {{3, 4, 3, 2}, {5, 6}}) {
            for (boolean training : new boolean[] {true, false}) {
                BatchNorm bn = new BatchNorm();
                int[] sample = java.util.Arrays.copyOfRange(shape, 1, shape.length);
                bn.build(sample, rng);
                // non-trivial scale, shift and moving statistics
                bn.parameters().get(0).value().data()[0] = 1.7f;
                bn.parameters().get(1).value().data()[1] = -0.4f;
                bn.state().get("movingMean").data()[0] = 0.3f;
                bn.state().get("movingVariance").data()[1] = 2.5f;
                checkLayer("batch norm " + (training ? "training " : "inference ") + java.util.Arrays.toString(shape), bn,
                        rng.randn(shape), training);
            }
        }
        checkLayer("dropout 0.3", new Dropout(0.3), rng.randn(4, 10), true);
        checkLayer("dropout inference", new Dropout(0.3), rng.randn(4, 10), false);
        checkLayer("global average pooling", new GlobalAveragePooling2D(), rng.randn(2, 3, 4, 5));
    }

    private void checkModel(Model m, Tensor x, Tensor y) {
        m.forward(x);
        m.backward(y);
        for (var e : m.parameters().entrySet()) {
            Tensor analytic = e.getValue().grad().copy();
            GradientCheck.Result r = GradientCheck.check(t -> m.evaluate(Dataset.of(x, y), x.dim(0)).loss(),
                    e.getValue().value(), analytic, MODEL_EPS, REL, FLOOR);
            assertTrue(r.passed(), e.getKey() + ": " + r);
        }
    }

    private void checkLayer(String what, Layer layer, Tensor x) {
        checkLayer(what, layer, x, true);
    }

    /** As above with the layer (and its rebuilt twin) in training or inference mode. */
    private void checkLayer(String what, Layer layer, Tensor x, boolean training) {
        // the saved form: config through JSON and the parameters rebuild the same layer
        Layer back;
        try {
            back = ModelIO.throughSavedForm(layer);
        } catch (IOException e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
        layer.setTraining(training, 42);
        back.setTraining(training, 42);
        org.junit.jupiter.api.Assertions.assertEquals(layer.type(), back.type(), what);
        org.junit.jupiter.api.Assertions.assertEquals(layer.config(), back.config(), what);
        org.junit.jupiter.api.Assertions.assertArrayEquals(layer.forward(x).copy().data(), back.forward(x).data(),
                what + ": the rebuilt layer computes the same");
        Tensor y = layer.forward(x);
        Tensor r = rng.randn(y.shape());
        Tensor dx = layer.backward(r, true).copy();
        GradientCheck.Result rx = GradientCheck.check(t -> GradientCheck.dot(layer.forward(t), r), x, dx, EPS, REL, FLOOR);
        assertTrue(rx.passed(), what + " input gradient: " + rx);
        for (Parameter p : layer.parameters()) {
            layer.forward(x);
            layer.backward(r, true);
            Tensor analytic = p.grad().copy();
            GradientCheck.Result rp = GradientCheck.check(t -> GradientCheck.dot(layer.forward(x), r), p.value(), analytic,
                    EPS, REL, FLOOR);
            assertTrue(rp.passed(), what + " " + p.name() + " gradient: " + rp);
        }
    }

    /** Values at least 0.1 apart, so a ±eps step never changes a max-pool window's winner. */
    private Tensor distinct(int... shape) {
        Tensor t = Tensor.zeros(shape);
        int[] p = rng.permutation(t.size());
        for (int i = 0; i < p.length; i++) {
            t.data()[i] = (p[i] - p.length / 2f) * 0.1f;
        }
        return t;
    }

    /** Moves values off ReLU's kink at 0 by more than eps. */
    private static Tensor awayFromZero(Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            float v = t.data()[i];
            t.data()[i] = v >= 0 ? v + 0.05f : v - 0.05f;
        }
        return t;
    }
}
