package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
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
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.onnx.OnnxExport;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exported models run in ONNX Runtime and give cnn's own predictions. */
class OnnxExportTest {
    /** Largest |ONNX Runtime - cnn| allowed on any output value (outputs here are O(1)). */
    static final double TOLERANCE = 1e-5;
    @TempDir
    Path dir;

    @Test
    void everyLayerTypeMatchesOnnxRuntimeOnRandomShapes() throws Exception {
        NumpyRandom rng = new NumpyRandom(11);
        double worst = 0;
        for (int trial = 0; trial < 12; trial++) {
            int h = 5 + (int) (rng.nextDouble() * 8);
            int w = 5 + (int) (rng.nextDouble() * 8);
            int c = 1 + (int) (rng.nextDouble() * 3);
            int filters = 1 + (int) (rng.nextDouble() * 6);
            int k = 1 + 2 * (int) (rng.nextDouble() * 2);
            int stride = 1 + (int) (rng.nextDouble() * 2);
            Padding padding = rng.nextDouble() < 0.5 ? Padding.SAME : Padding.VALID;
            PoolMode mode = trial % 2 == 0 ? PoolMode.MAX : PoolMode.AVERAGE;
            Activation.Kind[] kinds = {Activation.Kind.RELU, Activation.Kind.TANH, Activation.Kind.SIGMOID,
                Activation.Kind.LINEAR};
            Model.Builder b = Model.builder(h, w, c).seed(trial)
                    .add("conv", new Conv2D(filters, k, stride, padding, Init.HE))
                    .add("act", new Activation(kinds[trial % 4]))
                    .add("pool", new Pool2D(2, 2, 1, 2, mode));
            if (trial % 3 == 0) {
                b.add("conv2", new Conv2D(3, 1)).add("flat", new Flatten());
            }
            int classes = 2 + trial % 3;
            b.add("fc", new FullyConnected(6)).add("tanh", Activation.tanh());
            if (trial % 2 == 0) {
                b.add("out", new FullyConnected(classes)).add("softmax", Activation.softmax());
            } else {
                b.add("out", new FullyConnected(1)).add("sigmoid", Activation.sigmoid());
            }
            Model m = b.build();
            Tensor x = rng.randn(3, h, w, c);
            worst = Math.max(worst, compare(m, x, "trial " + trial));
        }
        assertTrue(worst <= TOLERANCE, "worst difference " + worst);
    }

    @Test
    void batchNormDropoutAndGlobalAveragePoolingMatchOnnxRuntime() throws Exception {
        NumpyRandom rng = new NumpyRandom(12);
        Model m = Model.builder(9, 9, 2).seed(5)
                .add("conv", new Conv2D(6, 3)).add("bn", new BatchNorm()).add("relu", Activation.relu())
                .add("drop", new Dropout(0.5)).add("gap", new GlobalAveragePooling2D())
                .add("bn2", new BatchNorm()).add("fc", new FullyConnected(3)).add("softmax", Activation.softmax()).build();
        // train a little so the moving statistics are not the initial 0 and 1
        Tensor x = rng.randn(16, 9, 9, 2);
        Tensor y = Tensor.zeros(16, 3);
        for (int i = 0; i < 16; i++) {
            y.set(1f, i, i % 3);
        }
        m.train(dev.cnn.core.Dataset.of(x, y), TrainOptions.defaults().withEpochs(3).withBatchSize(4).withVerbose(false));
        assertTrue(m.layer("bn").state().get("movingMean").data()[0] != 0f);
        compare(m, x, "batch norm model");
    }

    @Test
    void clippedAndLeakyActivationsMatchOnnxRuntime() throws Exception {
        NumpyRandom rng = new NumpyRandom(13);
        Model m = Model.builder(6, 6, 3).seed(2)
                .add("conv", new Conv2D(4, 3)).add("relu6", Activation.relu6()).add("conv2", new Conv2D(4, 1))
                .add("leaky", new LeakyReLU(0.2)).add("flat", new Flatten()).add("fc", new FullyConnected(5))
                .add("relu6b", Activation.relu6()).build();
        Tensor x = rng.randn(4, 6, 6, 3);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] *= 6; // enough to reach both ends of ReLU6
        }
        float[] h = m.predict(x).data();
        int clipped = 0;
        for (float v : h) {
            clipped += v == 6f || v == 0f ? 1 : 0;
        }
        assertTrue(clipped > 0 && clipped < h.length, clipped + " of " + h.length + " outputs at 0 or 6");
        compare(m, x, "relu6 and leaky relu");
    }

    @Test
    void depthwiseConvolutionsMatchOnnxRuntime() throws Exception {
        NumpyRandom rng = new NumpyRandom(14);
        for (int trial = 0; trial < 6; trial++) {
            int stride = 1 + trial % 2;
            int multiplier = 1 + trial % 3;
            Model m = Model.builder(7 + trial, 6, 3).seed(trial)
                    .add("dw", new DepthwiseConv2D(3, 3, stride, stride, 1, 1, multiplier, Init.HE))
                    .add("relu6", Activation.relu6())
                    .add("pw", new Conv2D(4, 1))
                    .add("dw2", new DepthwiseConv2D(1 + 2 * (trial % 2), 1, Padding.SAME))
                    .add("grouped", new Conv2D(6, 3, 3, 1, 1, 1, 1, 2, Init.HE))
                    .add("gap", new GlobalAveragePooling2D()).build();
            compare(m, rng.randn(2, 7 + trial, 6, 3), "depthwise trial " + trial);
        }
    }

    @Test
    void paddedAndCeilModePoolingMatchOnnxRuntime() throws Exception {
        NumpyRandom rng = new NumpyRandom(15);
        int trial = 0;
        for (PoolMode mode : PoolMode.values()) {
            for (boolean ceil : new boolean[] {false, true}) {
                for (boolean include : new boolean[] {false, true}) {
                    int h = 5 + trial;
                    Model m = Model.builder(h, 6, 2).seed(trial)
                            .add("pool", new Pool2D(3, 2, 2, 2, 1, 1, ceil, include, mode))
                            .add("conv", new Conv2D(3, 1))
                            .add("pool2", new Pool2D(2, 2, 2, 1, 0, 1, ceil, include, mode)).build();
                    compare(m, rng.randn(2, h, 6, 2), mode + " ceil " + ceil + " count pad " + include);
                    trial++;
                }
            }
        }
    }

    @Test
    void aDenseRegressionModelAndAFileOnDisk() throws Exception {
        NumpyRandom rng = new NumpyRandom(4);
        Model m = Model.builder(8).add("fc1", new FullyConnected(8, 16, Init.HE, rng)).add("relu", Activation.relu())
                .add("fc2", new FullyConnected(16, 1, Init.XAVIER, rng)).add("linear", Activation.linear()).build();
        Path file = dir.resolve("housing.onnx");
        m.exportOnnx(file);
        Tensor x = rng.randn(50, 8);
        float[] onnx = run(Files.readAllBytes(file), x);
        assertArrayEquals(m.predict(x).data(), onnx, 1e-5f);
    }

    @Test
    void aLayerWithoutAnOnnxFormIsRefusedByName() {
        Layer custom = new Layer() {
            @Override
            public String type() {
                return "Mystery";
            }

            @Override
            public int[] outputShape(int[] inputShape) {
                return inputShape;
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }

            @Override
            public Tensor backward(Tensor dy, boolean needInputGradient) {
                return dy;
            }

            @Override
            public Map<String, Object> config() {
                return Map.of();
            }
        };
        Model m = Model.builder(3).add("odd", custom).add("fc", new FullyConnected(2)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(m));
        assertTrue(e.getMessage().startsWith("layer 'odd' (Mystery) has no ONNX form"), e.getMessage());
    }

    /** Runs {@code m} on {@code x} in cnn and ONNX Runtime; returns the largest difference. */
    static double compare(Model m, Tensor x, String what) throws OrtException {
        float[] expected = m.predict(x).data();
        float[] got = run(OnnxExport.toBytes(m), x);
        assertEquals(expected.length, got.length, what);
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - got[i]));
        }
        assertTrue(worst <= TOLERANCE, what + ": difference " + worst);
        return worst;
    }

    /** ONNX Runtime's output for input {@code x} (NHWC, as cnn takes it). */
    static float[] run(byte[] model, Tensor x) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = new long[x.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = x.dim(i);
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), shape);
                 OrtSession.Result result = session.run(Map.of("input", input))) {
                assertEquals(List.of("input"), List.copyOf(session.getInputNames()));
                FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] f = new float[out.remaining()];
                out.get(f);
                return f;
            }
        }
    }
}
