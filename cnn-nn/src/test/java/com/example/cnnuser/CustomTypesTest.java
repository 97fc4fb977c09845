package com.example.cnnuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.TrainOptions;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.io.ModelTypes;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's own layer, optimizer and loss, outside the library's packages, save and load like built-ins. */
class CustomTypesTest {
    @TempDir
    Path dir;

    /** y = x · s, a learnable scale per feature. */
    static class Scale implements Layer {
        private final Parameter s;
        private Tensor x;
        private Tensor y;

        Scale(Tensor scale) {
            this.s = new Parameter("s", scale);
        }

        @Override
        public String type() {
            return "example.Scale";
        }

        @Override
        public int[] outputShape(int[] in) {
            return in.clone();
        }

        @Override
        public Tensor forward(Tensor input) {
            x = input;
            y = Tensor.zeros(input.shape());
            int k = s.value().size();
            for (int i = 0; i < input.size(); i++) {
                y.data()[i] = input.data()[i] * s.value().data()[i % k];
            }
            return y;
        }

        @Override
        public Tensor backward(Tensor dy, boolean needInputGradient) {
            int k = s.value().size();
            float[] g = s.grad().fill(0f).data();
            Tensor dx = Tensor.zeros(x.shape());
            for (int i = 0; i < x.size(); i++) {
                g[i % k] += dy.data()[i] * x.data()[i];
                dx.data()[i] = dy.data()[i] * s.value().data()[i % k];
            }
            return needInputGradient ? dx : null;
        }

        @Override
        public List<Parameter> parameters() {
            return List.of(s);
        }

        @Override
        public Map<String, Object> config() {
            return Map.of("features", s.value().size());
        }
    }

    /** p ← p − lr·sign(v) with v ← 0.5·v + g: a stateful optimizer the library does not know. */
    static final class SignMomentum implements Optimizer {
        private final double lr;
        /** How state() shapes each velocity: "flat", "parameter" (the parameter's own shape) or "scalar" (wrong). */
        private final String stateShape;
        private final Map<String, float[]> velocity = new LinkedHashMap<>();
        private final Map<String, int[]> shapes = new LinkedHashMap<>();
        private long steps;

        SignMomentum(double lr) {
            this(lr, "flat");
        }

        SignMomentum(double lr, String stateShape) {
            this.lr = lr;
            this.stateShape = stateShape;
        }

        @Override
        public String type() {
            return "example.SignMomentum";
        }

        @Override
        public void step(Map<String, Parameter> parameters) {
            for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
                float[] p = e.getValue().value().data();
                float[] g = e.getValue().grad().data();
                float[] v = velocity.computeIfAbsent(e.getKey(), k -> new float[p.length]);
                shapes.put(e.getKey(), e.getValue().value().shape());
                for (int i = 0; i < p.length; i++) {
                    v[i] = 0.5f * v[i] + g[i];
                    p[i] -= (float) lr * Math.signum(v[i]);
                }
            }
            steps++;
        }

        @Override
        public double learningRate() {
            return lr;
        }

        @Override
        public void setLearningRate(double learningRate) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long steps() {
            return steps;
        }

        @Override
        public Map<String, Object> config() {
            return Map.of("learningRate", lr, "stateShape", stateShape);
        }

        @Override
        public Map<String, Tensor> state() {
            Map<String, Tensor> s = new LinkedHashMap<>();
            velocity.forEach((k, v) -> s.put(k + ".velocity", switch (stateShape) {
                case "parameter" -> Tensor.wrap(v, shapes.get(k));
                case "scalar" -> Tensor.full(v[0], 1);
                default -> Tensor.wrap(v, v.length);
            }));
            return s;
        }

        @Override
        public void restore(long steps, Map<String, Tensor> state) {
            this.steps = steps;
            velocity.clear();
            state.forEach((k, v) -> {
                if (!k.endsWith(".velocity")) {
                    throw new IllegalArgumentException("unexpected state " + k);
                }
                velocity.put(k.substring(0, k.length() - ".velocity".length()), v.data().clone());
                shapes.put(k.substring(0, k.length() - ".velocity".length()), v.shape());
            });
        }
    }

    private static Model model(long seed) {
        return model(seed, "flat");
    }

    private static Model model(long seed, String stateShape) {
        NumpyRandom rng = new NumpyRandom(seed);
        return Model.builder(3)
                .add("scale", new Scale(Tensor.full(1f, 3)))
                .add("fc", new FullyConnected(3, 1, Init.XAVIER, rng))
                .add("linear", Activation.linear())
                .loss(new Huber(0.5)).optimizer(new SignMomentum(0.01, stateShape)).build();
    }

    /** The user's types, registered as a program using them would at start-up. */
    private static void registerTypes() {
        ModelTypes.registerLoss("example.Huber", c -> new Huber(c.number("delta")));
        ModelTypes.registerLayer("example.Scale", (c, w) -> new Scale(w.get("s", c.integer("features", 1, 1 << 20))));
        ModelTypes.registerOptimizer("example.SignMomentum",
                c -> new SignMomentum(c.number("learningRate"), c.string("stateShape")));
    }

    /** 16 samples of 3 features and one target. */
    private static Dataset data() {
        NumpyRandom d = new NumpyRandom(8);
        return Dataset.of(d.randn(16, 3), d.randn(16, 1));
    }

    @Test
    void optimizerStateShapedAsItsParameterLoadsBackAndAnyOtherShapeIsRefusedWhenSaving() throws IOException {
        registerTypes();
        Dataset data = data();
        TrainOptions opts = TrainOptions.defaults().withEpochs(2).withBatchSize(4).withVerbose(false);
        Model straight = model(1, "parameter");
        straight.train(data, opts.withEpochs(4));
        Model first = model(1, "parameter");
        first.train(data, opts);
        Path p = dir.resolve("shaped.cnn");
        first.save(p);
        Model back = Model.load(p);
        assertArrayEquals(new int[] {3, 1}, back.optimizer().state().get("fc.W.velocity").shape(),
                "the state comes back in the shape the optimizer wrote");
        back.train(data, opts);
        assertArrayEquals(straight.parameters().get("fc.W").value().data(), back.parameters().get("fc.W").value().data());

        Model wrong = model(1, "scalar");
        wrong.train(data, opts);
        Path q = dir.resolve("scalar.cnn");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrong.save(q));
        assertTrue(e.getMessage().contains("optimizer state 'scale.s.velocity' has shape (1,), which a model file "
                + "cannot keep: optimizer state is saved as one value per element of its parameter, shaped (3,)"),
                e.getMessage());
        assertTrue(!java.nio.file.Files.exists(q), "nothing written");
    }

    /** Huber loss: {@code d²/2} for |d| <= delta, {@code delta·(|d| - delta/2)} beyond, mean over elements. */
    record Huber(double delta) implements Loss {
        @Override
        public String typeName() {
            return "example.Huber";
        }

        @Override
        public Map<String, Object> config() {
            return Map.of("delta", delta);
        }

        @Override
        public Task task() {
            return Task.REGRESSION;
        }

        @Override
        public double value(Tensor p, Tensor y) {
            double s = 0;
            for (int i = 0; i < p.size(); i++) {
                double d = Math.abs((double) p.data()[i] - y.data()[i]);
                s += d <= delta ? d * d / 2 : delta * (d - delta / 2);
            }
            return s / p.size();
        }

        @Override
        public void gradient(Tensor p, Tensor y, Tensor grad) {
            for (int i = 0; i < p.size(); i++) {
                double d = (double) p.data()[i] - y.data()[i];
                grad.data()[i] = (float) (Math.max(-delta, Math.min(delta, d)) / p.size());
            }
        }
    }

    @Test
    void aModelWithAUserLayerOptimizerAndLossSavesLoadsAndResumesExactly() throws IOException {
        registerTypes();
        Dataset data = data();
        TrainOptions opts = TrainOptions.defaults().withEpochs(2).withBatchSize(4).withVerbose(false);
        Model straight = model(1);
        straight.train(data, opts.withEpochs(4));

        Model first = model(1);
        first.train(data, opts);
        Path p = dir.resolve("custom.cnn");
        first.save(p);
        Model back = Model.load(p);
        assertEquals("example.Scale", back.layers().get(0).type());
        assertEquals(new Huber(0.5), back.loss());
        assertEquals(8, back.optimizer().steps());
        back.train(data, opts);
        assertArrayEquals(straight.parameters().get("scale.s").value().data(), back.parameters().get("scale.s").value().data());
        assertArrayEquals(straight.parameters().get("fc.W").value().data(), back.parameters().get("fc.W").value().data());
    }

    @Test
    void anUnregisteredTypeIsNamedWithTheWayToRegisterIt() throws IOException {
        Path p = dir.resolve("unknown.cnn");
        Model withUnknown = Model.builder(3)
                .add("mystery", new Scale(Tensor.full(2f, 3)) {
                    @Override
                    public String type() {
                        return "example.Unregistered";
                    }
                })
                .add("linear", Activation.linear()).build();
        withUnknown.save(p);
        IOException e = assertThrows(ModelIO.ModelFormatException.class, () -> Model.load(p));
        assertTrue(e.getMessage().contains("unknown layer type 'example.Unregistered'")
                && e.getMessage().contains("ModelTypes.registerLayer"), e.getMessage());
    }
}
