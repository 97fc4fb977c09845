package dev.cnn.nn;

import dev.cnn.core.Dataset;
import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.losses.Loss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Layers for one inference call at a time (the model's own, or copies sharing its weights), that call's batch
 * buffers, and the loops of {@link Model#predict} and {@link Model#evaluate}. Not thread-safe: the model
 * hands each one to a single call.
 */
final class Inference {
    final List<Layer> layers;
    final Graph.Pass pass;
    final Map<String, Tensor> buffers = new LinkedHashMap<>();

    Inference(List<Layer> layers, Graph graph) {
        this(layers, graph, null);
    }

    /** Inference on {@code layers}, whose outputs are lent by {@code workspace} when it lends outputs (may be null). */
    Inference(List<Layer> layers, Graph graph, Workspace workspace) {
        this.layers = layers;
        this.pass = new Graph.Pass(graph, workspace);
        for (Layer l : layers) {
            l.setTraining(false, 0);
        }
    }

    Tensor forward(Tensor x) {
        return pass.forward(layers, x);
    }

    Tensor buffer(String key, int[] shape) {
        return Batches.reusable(buffers, key, shape);
    }

    /** Outputs {@code (n, outShape...)} for every sample of {@code data}, in order (see {@link Model#predict}). */
    Tensor predict(Dataset data, int batchSize, int[] inputShape, int[] outShape) {
        int n = data.size();
        int outLen = Shapes.product(outShape);
        Tensor result = Tensor.zeros(Tensor.withBatch(n, outShape));
        int[] order = Dataset.epochOrder(n, false, 0, 0);
        for (int from = 0; from < n; from += batchSize) {
            int to = (int) Math.min(n, (long) from + batchSize);
            Tensor xb = buffer("x", Tensor.withBatch(to - from, inputShape));
            data.fill(order, from, to, xb.data(), null);
            Batches.checkFinite(new Tensor[] {xb, null}, order, from, "input");
            Tensor out = Batches.checkOutput(forward(xb), order, from);
            System.arraycopy(out.data(), 0, result.data(), from * outLen, out.size());
        }
        return result;
    }

    /** Loss and metrics over {@code data} (see {@link Model#evaluate}). */
    Evaluation evaluate(Dataset data, int batchSize, int[] inputShape, int[] outShape, Loss loss, OutputHead head) {
        int n = data.size();
        int[] order = Dataset.epochOrder(n, false, 0, 0);
        Loss.Task task = loss.task();
        int classes = task == Loss.Task.BINARY_CLASSIFICATION ? 2 : Shapes.product(outShape);
        long[][] confusion = new long[classes][classes];
        long[] ranks = new long[classes];
        double lossSum = 0;
        double sq = 0;
        double abs = 0;
        for (int from = 0; from < n; from += batchSize) {
            int to = (int) Math.min(n, (long) from + batchSize);
            Tensor xb = buffer("x", Tensor.withBatch(to - from, inputShape));
            Tensor yb = buffer("y", Tensor.withBatch(to - from, data.targetShape()));
            data.fill(order, from, to, xb.data(), yb.data());
            Batches.checkFinite(new Tensor[] {xb, yb}, order, from, "evaluation");
            Tensor out = Batches.checkOutput(forward(xb), order, from);
            double batchLoss = head.loss(pass.lastInput(), out, yb);
            lossSum += batchLoss * (to - from);
            float[] p = out.data();
            float[] t = yb.data();
            switch (task) {
                case BINARY_CLASSIFICATION -> {
                    for (int i = 0; i < p.length; i++) {
                        int actual = t[i] >= 0.5f ? 1 : 0;
                        int predicted = p[i] >= 0.5f ? 1 : 0;
                        confusion[actual][predicted]++;
                        ranks[actual == predicted ? 0 : 1]++;
                    }
                }
                case CLASSIFICATION -> {
                    for (int r = 0; r < p.length; r += classes) {
                        int actual = Tensor.argmax(t, r, classes);
                        confusion[actual][Tensor.argmax(p, r, classes)]++;
                        ranks[rank(p, r, classes, actual)]++;
                    }
                }
                default -> {
                    for (int i = 0; i < p.length; i++) {
                        double d = (double) p[i] - t[i];
                        sq += d * d;
                        abs += Math.abs(d);
                    }
                }
            }
        }
        if (task == Loss.Task.REGRESSION) {
            return new RegressionEvaluation(n, lossSum / n, (long) n * Shapes.product(outShape), sq, abs);
        }
        return new ClassificationEvaluation(n, lossSum / n, confusion, ranks);
    }

    /**
     * The class of every row of {@code out} {@code (n, outputs...)}: the argmax for several outputs, {@code >= 0.5}
     * for a single (sigmoid) output; several sigmoid outputs are multi-label and refused.
     */
    static int[] classes(Tensor out, Loss.Task task) {
        int n = out.dim(0);
        int per = out.size() / Math.max(1, n);
        if (per > 1 && task == Loss.Task.BINARY_CLASSIFICATION) {
            throw new IllegalStateException("predictClasses: a sigmoid model with " + per + " outputs per sample is "
                    + "multi-label; threshold predict's probabilities at 0.5 instead");
        }
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            classes[i] = per == 1 ? (out.data()[i] >= 0.5f ? 1 : 0) : Tensor.argmax(out.data(), i * per, per);
        }
        return classes;
    }

    /** How many classes score above class {@code c} in the row at {@code r} (ties: lower index first, as argmax). */
    private static int rank(float[] scores, int r, int classes, int c) {
        int above = 0;
        float v = scores[r + c];
        for (int j = 0; j < classes; j++) {
            float s = scores[r + j];
            if (s > v || (s == v && j < c)) {
                above++;
            }
        }
        return above;
    }

    /** A call that runs on one {@link Inference} at a time. */
    interface Call<T> {
        T run(Inference inference);
    }

    /**
     * Idle inference copies of a model's layers, each used by one call at a time and made when none is idle;
     * a model with a layer that cannot be copied runs its calls on its own layers, one at a time.
     */
    static final class Pool {
        private final List<Layer> layers;
        private final Graph graph;
        private final ConcurrentLinkedDeque<Inference> idle = new ConcurrentLinkedDeque<>();
        private final ReentrantLock ownLayers = new ReentrantLock();

        Pool(List<Layer> layers, Graph graph) {
            this.layers = layers;
            this.graph = graph;
        }

        <T> T run(Call<T> call) {
            Inference inf = idle.poll();
            if (inf == null) {
                inf = copy();
            }
            if (inf == null) {
                ownLayers.lock();
                try {
                    return call.run(new Inference(layers, graph));
                } finally {
                    ownLayers.unlock();
                }
            }
            try {
                return call.run(inf);
            } finally {
                idle.push(inf);
            }
        }

        private Inference copy() {
            List<Layer> copies = new ArrayList<>(layers.size());
            Workspace workspace = Workspace.forInference();
            for (Layer l : layers) {
                Layer c = l.copySharingParameters();
                if (c == null) {
                    return null;
                }
                c.setWorkspace(workspace);
                copies.add(c);
            }
            return new Inference(copies, graph, workspace);
        }
    }
}
