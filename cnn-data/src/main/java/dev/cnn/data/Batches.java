package dev.cnn.data;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The {@code (x, y)} batches of one epoch of a {@link Dataset}: samples in
 * {@link Dataset#epochOrder} order (seeded per epoch when shuffled), the last partial batch kept unless
 * {@code dropLast}. The two tensors are reused from batch to batch (copy them to keep one).
 */
public final class Batches implements Iterable<Batches.Batch> {
    private final Dataset data;
    private final int batchSize;
    private final int[] order;
    private final boolean dropLast;

    /** One batch: inputs {@code (b, sample...)} and targets {@code (b, target...)}. */
    public record Batch(Tensor x, Tensor y) {
    }

    public Batches(Dataset data, int batchSize, boolean shuffle, long seed, int epoch, boolean dropLast) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.order = Dataset.epochOrder(data.size(), shuffle, seed, epoch);
        this.dropLast = dropLast;
    }

    /** Number of batches this epoch yields. */
    public int count() {
        return dropLast ? data.size() / batchSize : (data.size() + batchSize - 1) / batchSize;
    }

    @Override
    public Iterator<Batch> iterator() {
        return new Iterator<>() {
            private int next;
            private Batch full;
            private Batch last;

            @Override
            public boolean hasNext() {
                return next < count();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int from = next * batchSize;
                int to = Math.min(data.size(), from + batchSize);
                next++;
                Batch b;
                if (to - from == batchSize) {
                    full = full != null ? full : alloc(batchSize);
                    b = full;
                } else {
                    last = alloc(to - from);
                    b = last;
                }
                data.fill(order, from, to, b.x().data(), b.y().data());
                return b;
            }
        };
    }

    private Batch alloc(int n) {
        int[] xs = prepend(n, data.sampleShape());
        int[] ys = prepend(n, data.targetShape());
        return new Batch(Tensor.zeros(xs), Tensor.zeros(ys));
    }

    private static int[] prepend(int n, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }
}
