package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.reference.GradientCheck;
import dev.cnn.nn.io.NetworkFile;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Add;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Concatenate;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.DepthwiseConv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.GlobalAveragePooling2D;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.LeakyReLU;
import dev.cnn.nn.layers.MultiInputLayer;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.Adam;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graph networks: wiring, the gradient summed at forks, Add and Concatenate, files and ONNX. */
class GraphTest {
    private final NumpyRandom rng = new NumpyRandom(7);

    /** A ResNet basic block with a projection shortcut and a concatenated side branch. */
    static Model residual(long seed) {
        NumpyRandom r = new NumpyRandom(seed);
        return Model.builder(6, 6, 2)
                .add("stem", new Conv2D(2, 4, 3, 1, Padding.SAME, Init.HE, r))
                .add("stem_relu", Activation.tanh())
                .add("conv1", new Conv2D(4, 4, 3, 1, Padding.SAME, Init.HE, r))
                .add("bn1", new BatchNorm())
                .add("relu1", Activation.tanh())
                .add("conv2", new Conv2D(4, 4, 3, 1, Padding.SAME, Init.HE, r))
                .add("add", new Add(), "conv2", "stem_relu")
                .add("side", new Conv2D(2, 3, 1, 1, Padding.VALID, Init.HE, r), "input")
                .add("cat", new Concatenate(), "add", "side")
                .add("gap", new GlobalAveragePooling2D())
                .add("fc", new FullyConnected(7, 3, Init.XAVIER, r))
                .add("softmax", Activation.softmax())
                .optimizer(new Adam(0.01)).seed(seed).build();
    }

    /** A ResNet basic block, a MobileNetV2 inverted residual and a SqueezeNet fire module, in one network. */
    static Model standardBlocks(long seed) {
        Model.Builder b = Model.builder(8, 8, 3).seed(seed).optimizer(new Adam(0.01));
        b.add("stem", new Conv2D(8, 3, 1, Padding.SAME, Init.HE)).add("stem_bn", new BatchNorm())
                .add("stem_relu", Activation.relu());
        // ResNet basic block: conv-bn-relu-conv-bn, plus the block's input, then relu
        b.add("res_conv1", new Conv2D(8, 3, 1, Padding.SAME, Init.HE)).add("res_bn1", new BatchNorm())
                .add("res_relu1", Activation.relu())
                .add("res_conv2", new Conv2D(8, 3, 1, Padding.SAME, Init.HE)).add("res_bn2", new BatchNorm())
                .add("res_add", new Add(), "res_bn2", "stem_relu").add("res_out", Activation.relu());
        // MobileNetV2 inverted residual: expand 1x1, depthwise 3x3, project 1x1 (linear), plus the input
        b.add("mb_expand", new Conv2D(24, 1)).add("mb_bn1", new BatchNorm()).add("mb_relu1", Activation.relu6())
                .add("mb_dw", new DepthwiseConv2D(3, 1, Padding.SAME)).add("mb_bn2", new BatchNorm())
                .add("mb_relu2", Activation.relu6())
                .add("mb_project", new Conv2D(8, 1)).add("mb_bn3", new BatchNorm())
                .add("mb_add", new Add(), "mb_bn3", "res_out");
        // SqueezeNet fire module: squeeze 1x1, then 1x1 and 3x3 expansions side by side, concatenated
        b.add("fire_squeeze", new Conv2D(4, 1)).add("fire_relu", Activation.relu())
                .add("fire_e1", new Conv2D(6, 1)).add("fire_e1_relu", Activation.relu())
                .add("fire_e3", new Conv2D(6, 3, 1, Padding.SAME, Init.HE), "fire_relu")
                .add("fire_e3_relu", new LeakyReLU(0.1))
                .add("fire_cat", new Concatenate(), "fire_e1_relu", "fire_e3_relu");
        b.add("pool", new Pool2D(2, 2, PoolMode.MAX)).add("gap", new GlobalAveragePooling2D())
                .add("fc", new FullyConnected(3)).add("softmax", Activation.softmax());
        return b.build();
    }

    @Test
    void resNetMobileNetAndSqueezeNetBlocksTrainSaveLoadAndExport(@TempDir Path dir) throws Exception {
        Model m = standardBlocks(4);
        assertArrayEquals(new int[] {8, 8, 12}, m.outputShape("fire_cat"));
        Tensor x = rng.randn(24, 8, 8, 3);
        Tensor y = Tensor.zeros(24, 3);
        for (int i = 0; i < 24; i++) {
            int c = x.data()[i * 192] > 0.5 ? 0 : x.data()[i * 192] < -0.5 ? 1 : 2;
            y.data()[i * 3 + c] = 1;
        }
        Dataset data = Dataset.of(x, y);
        double before = m.evaluate(data, 24).loss();
        m.train(data, TrainOptions.defaults().withEpochs(25).withBatchSize(8).withVerbose(false));
        double after = m.evaluate(data, 24).loss();
        assertTrue(after < 0.7 * before, "loss " + before + " -> " + after);
        Path file = dir.resolve("blocks.cnn");
        m.save(file);
        Model back = Model.load(file);
        assertArrayEquals(m.predict(x).data(), back.predict(x).data());
        assertEquals(m.summary(), back.summary());
        String summary = back.summary();
        assertTrue(summary.contains("fire_cat") && summary.contains("fire_e1_relu, fire_e3_relu")
                && summary.contains("DepthwiseConv2D"), summary);
        OnnxExportTest.compare(back, x, "ResNet, MobileNetV2 and SqueezeNet blocks");
    }

    @Test
    void gradientsOfAGraphAreSummedAtEveryFork() {
        Model m = residual(3);
        assertFalse(m.isChain());
        Tensor x = rng.randn(4, 6, 6, 2);
        Tensor y = Tensor.zeros(4, 3);
        for (int i = 0; i < 4; i++) {
            y.data()[i * 3 + i % 3] = 1;
        }
        m.forward(x);
        m.backward(y);
        for (var e : m.parameters().entrySet()) {
            Tensor analytic = e.getValue().grad().copy();
            GradientCheck.Result r = GradientCheck.check(t -> Loss.CATEGORICAL_CROSS_ENTROPY.value(m.forward(x), y),
                    e.getValue().value(), analytic, 1e-3, 1e-3, 1e-4);
            assertTrue(r.passed(), e.getKey() + ": " + r);
        }
    }

    @Test
    void addAndConcatenateInputGradientsMatchFiniteDifferences() {
        Tensor a = rng.randn(2, 3, 2, 4);
        Tensor b = rng.randn(2, 3, 2, 4);
        Tensor c = rng.randn(2, 3, 2, 1);
        checkMulti(new Add(), List.of(a, b, a.copy()));
        checkMulti(new Concatenate(), List.of(a, c, b));
        checkMulti(new Concatenate(), List.of(rng.randn(3, 5), rng.randn(3, 2)));
    }

    private void checkMulti(MultiInputLayer layer, List<Tensor> xs) {
        Tensor y = layer.forward(xs);
        Tensor r = rng.randn(y.shape());
        List<Tensor> grads = layer.backwardAll(r);
        for (int k = 0; k < xs.size(); k++) {
            Tensor analytic = grads.get(k).copy();
            GradientCheck.Result res = GradientCheck.check(t -> GradientCheck.dot(layer.forward(xs), r), xs.get(k),
                    analytic, 1e-2, 1e-3, 1e-4);
            assertTrue(res.passed(), layer.type() + " input " + k + ": " + res);
        }
    }

    @Test
    void concatenateKeepsTheFirstInputsChannelsFirst() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Tensor b = Tensor.of(new float[] {9, 8}, 1, 1, 2, 1);
        assertArrayEquals(new float[] {1, 2, 9, 3, 4, 8}, new Concatenate().forward(List.of(a, b)).data());
        assertArrayEquals(new float[] {10, 10, 12, 12}, new Add().forward(List.of(a, Tensor.of(new float[] {9, 8, 9, 8},
                1, 1, 2, 2))).data());
    }

    @Test
    void aChainWrittenWithInputsIsTheSameChain() {
        Model implicit = Model.builder(3).add("fc1", new FullyConnected(3, 4, Init.HE, new NumpyRandom(1)))
                .add("relu", Activation.relu()).add("fc2", new FullyConnected(4, 2, Init.HE, new NumpyRandom(2))).build();
        Model named = Model.builder(3).add("fc1", new FullyConnected(3, 4, Init.HE, new NumpyRandom(1)), "input")
                .add("relu", Activation.relu(), "fc1").add("fc2", new FullyConnected(4, 2, Init.HE, new NumpyRandom(2)),
                        "relu").build();
        assertTrue(implicit.isChain() && named.isChain());
        Tensor x = rng.randn(5, 3);
        assertArrayEquals(implicit.predict(x).data(), named.predict(x).data());
        assertEquals(List.of("fc1"), named.inputsOf("relu"));
        assertEquals(List.of("input"), named.inputsOf("fc1"));
    }

    @Test
    void wiringMistakesAreNamed() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Model.builder(3)
                .add("fc", new FullyConnected(2)).add("add", new Add(), "fc", "nope"));
        assertTrue(unknown.getMessage().contains("'add' reads 'nope'"), unknown.getMessage());
        IllegalArgumentException dangling = assertThrows(IllegalArgumentException.class, () -> Model.builder(3)
                .add("a", new FullyConnected(2)).add("b", new FullyConnected(2), "input").build());
        assertTrue(dangling.getMessage().contains("node 'a' feeds no later node"), dangling.getMessage());
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class, () -> Model.builder(3)
                .add("a", new FullyConnected(3)).add("b", new FullyConnected(2), "a", "input").build());
        assertTrue(two.getMessage().contains("layer 'b' (FullyConnected): takes one input, got 2"), two.getMessage());
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class, () -> Model.builder(3)
                .add("a", new FullyConnected(2)).add("sum", new Add(), "a", "input").build());
        assertTrue(shapes.getMessage().contains("layer 'sum' (Add): Add needs inputs of one shape, got (2,) and (3,)"),
                shapes.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Model.builder(3).add("input", new FullyConnected(2)));
    }

    @Test
    void aGraphTrainsSavesAndLoadsWithItsWiring(@TempDir Path dir) throws Exception {
        Model m = residual(5);
        Tensor x = rng.randn(16, 6, 6, 2);
        Tensor y = Tensor.zeros(16, 3);
        for (int i = 0; i < 16; i++) {
            y.data()[i * 3 + i % 3] = 1;
        }
        Dataset data = Dataset.of(x, y);
        double before = m.evaluate(data, 16).loss();
        m.train(data, TrainOptions.defaults().withEpochs(40).withBatchSize(8));
        double after = m.evaluate(data, 16).loss();
        assertTrue(after < 0.8 * before, "loss " + before + " -> " + after);
        Path file = dir.resolve("graph.cnn");
        m.save(file);
        Model back = Model.load(file);
        assertEquals(List.of("conv2", "stem_relu"), back.inputsOf("add"));
        assertEquals(List.of("input"), back.inputsOf("side"));
        assertArrayEquals(m.predict(x).data(), back.predict(x).data());
        assertEquals(m.summary(), back.summary());
        assertTrue(m.summary().contains("add, side"), m.summary());
        String config = new String(ModelIOTest.entry(file, "config.json"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(config.contains("\"formatVersion\": 2"), config);
    }

    @Test
    void aNetworkFileDescribesAGraph(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("net.json");
        Files.writeString(f, """
                [{"name": "c1", "type": "Conv2D", "config": {"inChannels": 1, "filters": 3, "kernel": [3, 3],
                  "stride": [1, 1], "padding": [1, 1]}},
                 {"name": "c2", "type": "Conv2D", "config": {"inChannels": 3, "filters": 3, "kernel": [3, 3],
                  "stride": [1, 1], "padding": [1, 1]}},
                 {"name": "sum", "type": "Add", "inputs": ["c2", "c1"]},
                 {"name": "pool", "type": "MaxPool2D", "config": {"kernel": [2, 2], "stride": [2, 2]}},
                 {"name": "flat", "type": "Flatten"},
                 {"name": "fc", "type": "FullyConnected", "config": {"inputSize": 12, "outputSize": 2}},
                 {"name": "out", "type": "Softmax"}]
                """);
        Model m = NetworkFile.read(f, new int[] {4, 4, 1}, Init.HE, 1).build();
        assertEquals(List.of("c2", "c1"), m.inputsOf("sum"));
        // a grouped convolution draws Xavier weights for its fans: 3x3x2 inputs and 3x3x6/2 outputs a weight
        Files.writeString(f, "[{\"name\": \"g\", \"type\": \"Conv2D\", \"config\": {\"inChannels\": 4, \"filters\": 6, "
                + "\"kernel\": [3, 3], \"stride\": [1, 1], \"padding\": [1, 1], \"groups\": 2}}]");
        Model grouped = NetworkFile.read(f, new int[] {5, 5, 4}, Init.XAVIER, 3).build();
        assertArrayEquals(Init.XAVIER.create(new NumpyRandom(3), 18, 27, 3, 3, 2, 6).data(),
                grouped.parameters().get("g.W").value().data());
        assertArrayEquals(new int[] {2}, m.outputShape());
        Files.writeString(f, "[{\"name\": \"a\", \"type\": \"Flatten\"}, {\"name\": \"b\", \"type\": \"Add\", "
                + "\"inputs\": [\"a\", \"z\"]}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkFile.read(f, new int[] {4}, Init.HE, 1));
        assertTrue(e.getMessage().contains("layer 'b' (Add)") && e.getMessage().contains("reads 'z'"), e.getMessage());
    }

    @Test
    void aGraphExportsToOnnxAndRunsThere() throws Exception {
        Model m = residual(9);
        OnnxExportTest.compare(m, rng.randn(3, 6, 6, 2), "residual graph");
        // a fork of the input into a dense branch and a convolutional branch, joined as flat features
        Model dense = Model.builder(4, 4, 2)
                .add("conv", new Conv2D(2, 2, 3, 1, Padding.SAME, Init.HE, rng))
                .add("pool", new Pool2D(2, 2, PoolMode.AVERAGE))
                .add("flat_conv", new Flatten())
                .add("flat_in", new Flatten(), "input")
                .add("cat", new Concatenate(), "flat_conv", "flat_in")
                .add("fc", new FullyConnected(40, 2, Init.XAVIER, rng))
                .build();
        OnnxExportTest.compare(dense, rng.randn(2, 4, 4, 2), "dense fork");
    }
}
