package dev.cnn.nn;

import dev.cnn.core.Dataset;
import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import java.util.Arrays;
import java.util.Map;

/** Batch buffers and the checks every pass makes of what goes in and comes out. */
final class Batches {
    private Batches() {
    }

    /**
     * The tensor of {@code shape} kept in {@code buffers} under {@code key}, made when missing; a few shapes
     * are kept (a run's full and last partial batch), so steady-state batches allocate nothing.
     */
    static Tensor reusable(Map<String, Tensor> buffers, String key, int[] shape) {
        String k = key + Arrays.toString(shape);
        Tensor t = buffers.get(k);
        if (t == null) {
            if (buffers.size() > 8) {
                buffers.clear();
            }
            t = Tensor.zeros(shape);
            buffers.put(k, t);
        }
        return t;
    }

    /**
     * Fails naming the sample (its index in the dataset) when a batch holds a NaN or infinite input
     * ({@code xy[0]}) or target ({@code xy[1]}, may be null).
     */
    static void checkFinite(Tensor[] xy, int[] order, int from, String what) {
        for (int k = 0; k < 2; k++) {
            if (xy[k] == null) {
                continue;
            }
            float[] v = xy[k].data();
            if (Tensor.allFinite(v)) {
                continue;
            }
            int per = v.length / xy[k].dim(0);
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException(what + " sample " + order[from + i / per] + " has a non-finite "
                            + (k == 0 ? "input" : "target") + " value (" + v[i] + " at element " + i % per + " of " + per
                            + "); the data must be cleaned, it is not a learning-rate problem");
                }
            }
        }
    }

    /**
     * {@code out}, unless a finite input gave a NaN or infinite output (an overflow inside the network):
     * then an {@link IllegalStateException} naming the sample, never a wrong number.
     */
    static Tensor checkOutput(Tensor out, int[] order, int from) {
        float[] v = out.data();
        if (!Tensor.allFinite(v)) {
            int per = v.length / out.dim(0);
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalStateException("the model's output for sample " + order[from + i / per] + " is "
                            + v[i] + " (an overflow inside the network: its weights are far too large)");
                }
            }
        }
        return out;
    }

    /** Fails unless {@code x} is a batch of samples of {@code inputShape}. */
    static void checkBatchShape(int[] inputShape, Tensor x) {
        if (x.rank() == inputShape.length && Arrays.equals(x.shape(), inputShape)) {
            throw new IllegalArgumentException("model expects a batch of samples of shape " + Tensor.shapeText(inputShape)
                    + " but got a single sample of that shape; add a batch axis: " + Tensor.shapeText(Tensor.withBatch(1, inputShape)));
        }
        int[] sample = Shapes.sample(x);
        if (!Arrays.equals(sample, inputShape)) {
            throw new IllegalArgumentException("model expects input samples of shape " + Tensor.shapeText(inputShape)
                    + " but got a batch of shape " + x.shapeString());
        }
    }

    static void checkBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
    }

    /** Fails unless the samples of {@code data} have {@code inputShape}. */
    static void checkInputs(int[] inputShape, Dataset data) {
        if (!Arrays.equals(data.sampleShape(), inputShape)) {
            throw new IllegalArgumentException("model expects samples of shape " + Tensor.shapeText(inputShape)
                    + " but the data has samples of shape " + Tensor.shapeText(data.sampleShape()));
        }
    }

    /** Fails unless {@code data} is non-empty and its samples and targets fit {@code model}. */
    static void checkData(Model model, Dataset data, String what) {
        int[] inputShape = model.inputShape();
        checkInputs(inputShape, data);
        int[] out = model.outputShape();
        if (!Arrays.equals(data.targetShape(), out)) {
            throw new IllegalArgumentException("model outputs " + Tensor.shapeText(out) + " per sample but the " + what
                    + " targets have shape " + Tensor.shapeText(data.targetShape()));
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("the " + what + " data is empty");
        }
    }
}
