package dev.cnn.app;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.Adam;
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

    /** A copy of a network with every layer wrapped in a timer, trained with Adam on one fixed batch. */
    private static final class TimedModel {
        final Timed[] timed;
        final List<String> names;
        final Model model;

        TimedModel(Model plain, Loss loss) {
            Model.Builder b = Model.builder(28, 28, 1);
            names = plain.layerNames();
            timed = new Timed[plain.layers().size()];
            for (int i = 0; i < timed.length; i++) {
                timed[i] = new Timed(plain.layers().get(i));
                b.add(names.get(i), timed[i]);
            }
            model = b.loss(loss).optimizer(new Adam()).build();
        }

        /**
         * {@code warmUp} steps, then the timers cleared and {@code steps} steps timed: returns {@code [nanoseconds,
         * bytes allocated by the calling thread]} of the timed steps.
         */
        long[] run(Tensor x, Tensor y, int warmUp, int steps) {
            for (int i = 0; i < warmUp; i++) {
                model.trainBatch(x, y);
            }
            for (Timed t : timed) {
                t.nanos = 0;
                t.backwardNanos = 0;
            }
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long bytes = mx.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                model.trainBatch(x, y);
            }
            long total = System.nanoTime() - start;
            return new long[] {total, mx.getCurrentThreadAllocatedBytes() - bytes};
        }
    }

    /** {@code batch} one-hot labels over {@code classes} classes ({@code i % classes}), or 0/1 alternating for one output. */
    private static Tensor labels(int batch, int classes) {
        Tensor y = Tensor.zeros(batch, classes);
        for (int i = 0; i < batch; i++) {
            if (classes == 1) {
                y.set(i % 2, i, 0);
            } else {
                y.set(1, i, i % classes);
            }
        }
        return y;
    }

    /**
     * The share of a training step of the default {@code cnn train images} network on 28x28x1 images (two
     * conv → batch norm → ReLU → pool blocks, then 64 → 1), by layer type, in layer-type order of first
     * appearance, plus {@code "other"} (loss, optimizer, batch handling); and the step in ms under {@code "stepMs"}.
     */
    static Map<String, Double> imagesNetShares(int steps) {
        TimedModel m = new TimedModel(Task.imageNet(new int[] {28, 28, 1}, 2, Init.HE, 1).build(), Loss.BINARY_CROSS_ENTROPY);
        long total = m.run(new NumpyRandom(1).rand(64, 28, 28, 1), labels(64, 1), Math.max(50, steps / 2), steps)[0];
        Map<String, Double> shares = new java.util.LinkedHashMap<>();
        double inLayers = 0;
        for (Timed t : m.timed) {
            shares.merge(t.type(), (double) t.nanos / total, Double::sum);
            inLayers += (double) t.nanos / total;
        }
        shares.put("other", 1 - inLayers);
        shares.put("stepMs", total / 1e6 / steps);
        return shares;
    }

    /**
     * Per-layer profile of a training step of the {@code cnn train} network of {@code task} ({@link Task#DIGITS}:
     * lenet 8-16-64-1, sigmoid, batch 32; {@link Task#MNIST}: lenet 32-64-256-10, softmax, batch 64; Adam), as
     * the task trains it: for each layer in order, {@code [forward share, backward share]} of the whole step; the
     * entry {@code "other"} holds the rest (loss, optimizer, batch handling) and {@code "stepMs"} the step in ms,
     * each as a one-element array.
     */
    static Map<String, double[]> layerProfile(Task task, int steps) {
        Model plain = task.build(task.init, new Adam(), 1, new int[] {28, 28, 1}, 10);
        TimedModel m = new TimedModel(plain, plain.loss());
        int outputs = plain.outputShape()[0];
        long total = m.run(new NumpyRandom(1).rand(task.batchSize, 28, 28, 1), labels(task.batchSize, outputs),
                Math.max(30, steps / 2), steps)[0];
        Map<String, double[]> profile = new java.util.LinkedHashMap<>();
        double inLayers = 0;
        for (int i = 0; i < m.timed.length; i++) {
            Timed t = m.timed[i];
            double fwd = (double) (t.nanos - t.backwardNanos) / total;
            double bwd = (double) t.backwardNanos / total;
            profile.put(m.names.get(i), new double[] {fwd, bwd});
            inLayers += fwd + bwd;
        }
        profile.put("other", new double[] {1 - inLayers});
        profile.put("stepMs", new double[] {total / 1e6 / steps});
        return profile;
    }

    /** {@code [step ms, kernel share of the step, bytes allocated per step]} over {@code steps} steps after warm-up. */
    static double[] measure(int steps) {
        Model plain = Task.DIGITS.build(Task.DIGITS.init, new Adam(), 1, new int[] {28, 28, 1}, 2);
        TimedModel m = new TimedModel(plain, plain.loss());
        long[] r = m.run(new NumpyRandom(1).rand(64, 28, 28, 1), labels(64, 1), Math.max(50, steps / 2), steps);
        long kernel = 0;
        for (Timed t : m.timed) {
            kernel += t.isKernel() ? t.nanos : 0;
        }
        return new double[] {r[0] / 1e6 / steps, (double) kernel / r[0], (double) r[1] / steps};
    }
}
