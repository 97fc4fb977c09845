package dev.cnn.app;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Activation;
import dev.cnn.nn.Adam;
import dev.cnn.nn.Conv2D;
import dev.cnn.nn.FullyConnected;
import dev.cnn.nn.Init;
import dev.cnn.nn.Layer;
import dev.cnn.nn.Loss;
import dev.cnn.nn.Model;
import dev.cnn.nn.Parameter;
import dev.cnn.nn.Pool2D;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * Where the time of a lenet-2v5 training step goes: each layer is wrapped in a timer, so the time in
 * the kernel layers (convolution, pooling, fully connected) can be set against the whole step, and
 * the bytes the step allocates are counted.
 */
final class StepBreakdown {
    private StepBreakdown() {
    }

    /** A layer that adds its forward and backward time to a counter. */
    private static final class Timed implements Layer {
        private final Layer inner;
        long nanos;
        long backwardNanos;

        Timed(Layer inner) {
            this.inner = inner;
        }

        @Override
        public String type() {
            return inner.type();
        }

        @Override
        public int[] outputShape(int[] inputShape) {
            return inner.outputShape(inputShape);
        }

        @Override
        public Tensor forward(Tensor x) {
            long t = System.nanoTime();
            Tensor y = inner.forward(x);
            nanos += System.nanoTime() - t;
            return y;
        }

        @Override
        public Tensor backward(Tensor dy, boolean needInputGradient) {
            long t = System.nanoTime();
            Tensor dx = inner.backward(dy, needInputGradient);
            long d = System.nanoTime() - t;
            nanos += d;
            backwardNanos += d;
            return dx;
        }

        @Override
        public List<Parameter> parameters() {
            return inner.parameters();
        }

        @Override
        public Map<String, Tensor> state() {
            return inner.state();
        }

        @Override
        public void setTraining(boolean training, long seed) {
            inner.setTraining(training, seed);
        }

        @Override
        public Map<String, Object> config() {
            return inner.config();
        }

        boolean isKernel() {
            return inner instanceof Conv2D || inner instanceof Pool2D || inner instanceof FullyConnected;
        }
    }

    /**
     * The share of a training step of the default {@code cnn train images} network on 28x28x1 images (two
     * conv → batch norm → ReLU → pool blocks, then 64 → 1), by layer type, in layer-type order of first
     * appearance, plus {@code "other"} (loss, optimizer, batch handling); and the step in ms under {@code "stepMs"}.
     */
    static Map<String, Double> imagesNetShares(int steps) {
        Model plain = Task.imageNet(new int[] {28, 28, 1}, 2, Init.HE, 1).build();
        Model.Builder b = Model.builder(28, 28, 1);
        Timed[] timed = new Timed[plain.layers().size()];
        for (int i = 0; i < timed.length; i++) {
            timed[i] = new Timed(plain.layers().get(i));
            b.add(plain.layerNames().get(i), timed[i]);
        }
        Model m = b.loss(Loss.BINARY_CROSS_ENTROPY).optimizer(new Adam()).build();
        NumpyRandom rng = new NumpyRandom(1);
        Tensor x = rng.rand(64, 28, 28, 1);
        Tensor y = Tensor.zeros(64, 1);
        for (int i = 0; i < 64; i++) {
            y.set(i % 2, i, 0);
        }
        for (int i = 0; i < Math.max(50, steps / 2); i++) {
            m.trainBatch(x, y);
        }
        for (Timed t : timed) {
            t.nanos = 0;
        }
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            m.trainBatch(x, y);
        }
        long total = System.nanoTime() - start;
        Map<String, Double> shares = new java.util.LinkedHashMap<>();
        double inLayers = 0;
        for (Timed t : timed) {
            shares.merge(t.type(), (double) t.nanos / total, Double::sum);
            inLayers += (double) t.nanos / total;
        }
        shares.put("other", 1 - inLayers);
        shares.put("stepMs", total / 1e6 / steps);
        return shares;
    }

    /**
     * Per-layer profile of a training step of the {@code cnn train mnist} network (lenet 32-64-256-10, softmax,
     * batch 64, Adam): for each layer in order, {@code [forward share, backward share]} of the whole step; the
     * entry {@code "other"} holds the rest (loss, optimizer, batch handling) and {@code "stepMs"} the step in ms,
     * each as a one-element array.
     */
    static Map<String, double[]> mnistLayerProfile(int steps) {
        NumpyRandom rng = new NumpyRandom(1);
        Model plain = Task.lenet(rng, Init.HE, 32, 64, 256, 10).add("softmax", Activation.softmax())
                .loss(Loss.CATEGORICAL_CROSS_ENTROPY).build();
        Model.Builder b = Model.builder(28, 28, 1);
        Timed[] timed = new Timed[plain.layers().size()];
        for (int i = 0; i < timed.length; i++) {
            timed[i] = new Timed(plain.layers().get(i));
            b.add(plain.layerNames().get(i), timed[i]);
        }
        Model m = b.loss(Loss.CATEGORICAL_CROSS_ENTROPY).optimizer(new Adam()).build();
        Tensor x = rng.rand(64, 28, 28, 1);
        Tensor y = Tensor.zeros(64, 10);
        for (int i = 0; i < 64; i++) {
            y.set(1, i, i % 10);
        }
        for (int i = 0; i < Math.max(30, steps / 2); i++) {
            m.trainBatch(x, y);
        }
        for (Timed t : timed) {
            t.nanos = 0;
            t.backwardNanos = 0;
        }
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            m.trainBatch(x, y);
        }
        long total = System.nanoTime() - start;
        Map<String, double[]> profile = new java.util.LinkedHashMap<>();
        double inLayers = 0;
        for (int i = 0; i < timed.length; i++) {
            Timed t = timed[i];
            double fwd = (double) (t.nanos - t.backwardNanos) / total;
            double bwd = (double) t.backwardNanos / total;
            profile.put(plain.layerNames().get(i), new double[] {fwd, bwd});
            inLayers += fwd + bwd;
        }
        profile.put("other", new double[] {1 - inLayers});
        profile.put("stepMs", new double[] {total / 1e6 / steps});
        return profile;
    }

    /** {@code [step ms, kernel share of the step, bytes allocated per step]} over {@code steps} steps after warm-up. */
    static double[] measure(int steps) {
        NumpyRandom rng = new NumpyRandom(1);
        Model.Builder b = Model.builder(28, 28, 1);
        Model plain = Task.lenet(rng, Init.HE, 8, 16, 64, 1).add("sigmoid", Activation.sigmoid())
                .loss(Loss.BINARY_CROSS_ENTROPY).build();
        Timed[] timed = new Timed[plain.layers().size()];
        for (int i = 0; i < timed.length; i++) {
            timed[i] = new Timed(plain.layers().get(i));
            b.add(plain.layerNames().get(i), timed[i]);
        }
        Model m = b.loss(Loss.BINARY_CROSS_ENTROPY).optimizer(new Adam()).build();
        Tensor x = rng.rand(64, 28, 28, 1);
        Tensor y = Tensor.zeros(64, 1);
        for (int i = 0; i < 64; i++) {
            y.set(i % 2, i, 0);
        }
        for (int i = 0; i < Math.max(50, steps / 2); i++) {
            m.trainBatch(x, y);
        }
        for (Timed t : timed) {
            t.nanos = 0;
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long bytes = mx.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            m.trainBatch(x, y);
        }
        long total = System.nanoTime() - start;
        bytes = mx.getCurrentThreadAllocatedBytes() - bytes;
        long kernel = 0;
        for (Timed t : timed) {
            kernel += t.isKernel() ? t.nanos : 0;
        }
        return new double[] {total / 1e6 / steps, (double) kernel / total, (double) bytes / steps};
    }
}
