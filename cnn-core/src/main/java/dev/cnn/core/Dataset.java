package dev.cnn.core;

/**
 * A finite set of (sample, target) pairs that can be copied out batch by batch, so data can stay in
 * its compact form (bytes, say) and be converted only when a batch is needed.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** Shape of one sample, e.g. {@code (28, 28, 1)} for an MNIST image in NHWC. */
    int[] sampleShape();

    /** Shape of one target, e.g. {@code (1,)} for a binary label or {@code (10,)} for one-hot. */
    int[] targetShape();

    /**
     * Copies samples {@code indices[from..to)} into {@code x} (row-major, {@code to - from} samples) and
     * their targets into {@code y}; {@code y} may be null when only inputs are wanted.
     */
    void fill(int[] indices, int from, int to, float[] x, float[] y);

    /**
     * Called by {@code Model} before it trains epoch {@code epoch} (counting from 0 over the model's life),
     * so that a dataset whose samples vary by epoch (augmentation) can draw that epoch's. A wrapper passes
     * it on to the dataset it wraps. Does nothing by default.
     */
    default void beginEpoch(int epoch) {
    }

    /**
     * Sample {@code i} as a batch of one, {@code (1, sampleShape...)}: ready for {@code Model.predict}.
     * A new tensor.
     */
    default Tensor sample(int i) {
        return inputs(checkIndex(i), i + 1);
    }

    /** The target of sample {@code i} as a batch of one, {@code (1, targetShape...)}. A new tensor. */
    default Tensor target(int i) {
        checkIndex(i);
        Tensor x = Tensor.zeros(Tensor.withBatch(1, sampleShape()));
        Tensor y = Tensor.zeros(Tensor.withBatch(1, targetShape()));
        fill(new int[] {i}, 0, 1, x.data(), y.data());
        return y;
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive) as one batch {@code (to - from, sampleShape...)}. */
    default Tensor inputs(int from, int to) {
        int[] idx = indices(from, to, size());
        Tensor x = Tensor.zeros(Tensor.withBatch(idx.length, sampleShape()));
        fill(idx, 0, idx.length, x.data(), null);
        return x;
    }

    /** Every sample as one batch {@code (size, sampleShape...)}. A new tensor. */
    default Tensor inputs() {
        return inputs(0, size());
    }

    /** Every target as one batch {@code (size, targetShape...)}. A new tensor. */
    default Tensor targets() {
        int[] idx = indices(0, size(), size());
        Tensor x = Tensor.zeros(Tensor.withBatch(idx.length, sampleShape()));
        Tensor y = Tensor.zeros(Tensor.withBatch(idx.length, targetShape()));
        fill(idx, 0, idx.length, x.data(), y.data());
        return y;
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive), in order, as a dataset (a view, no copy). */
    default Dataset range(int from, int to) {
        return subset(this, indices(from, to, size()));
    }

    /** The first {@code n} samples (all of them when there are fewer), as a view: {@code data.take(100)}. */
    default Dataset take(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cannot take " + n + " samples");
        }
        return range(0, Math.min(n, size()));
    }

    /** {@code from, from + 1, ..., to - 1}, checked against a dataset of {@code size} samples. */
    private static int[] indices(int from, int to, int size) {
        if (from < 0 || to > size || from > to) {
            throw new IllegalArgumentException("samples " + from + ".." + to + " are out of range for a dataset of "
                    + size);
        }
        int[] idx = new int[to - from];
        for (int k = 0; k < idx.length; k++) {
            idx[k] = from + k;
        }
        return idx;
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= size()) {
            throw new IllegalArgumentException("sample " + i + " is out of range for a dataset of " + size() + " samples");
        }
        return i;
    }

    /**
     * The sample order of epoch {@code epoch}: {@code 0..n-1}, or when {@code shuffle} is set
     * {@code NumpyRandom(seed + 7919·epoch).permutation(n)}, so every epoch has its own order and the
     * same seed always gives the same orders.
     */
    static int[] epochOrder(int n, boolean shuffle, long seed, int epoch) {
        if (!shuffle) {
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            return order;
        }
        return new NumpyRandom((seed + 7919L * epoch) & 0xFFFFFFFFL).permutation(n);
    }

    /** The samples {@code indices} of {@code data}, in that order, as a dataset (a view, no copy). */
    static Dataset subset(Dataset data, int[] indices) {
        int[] idx = indices.clone();
        for (int i : idx) {
            if (i < 0 || i >= data.size()) {
                throw new IllegalArgumentException("subset index " + i + " out of range for a dataset of " + data.size());
            }
        }
        return new Dataset() {
            @Override
            public int size() {
                return idx.length;
            }

            @Override
            public int[] sampleShape() {
                return data.sampleShape();
            }

            @Override
            public int[] targetShape() {
                return data.targetShape();
            }

            @Override
            public void beginEpoch(int epoch) {
                data.beginEpoch(epoch);
            }

            @Override
            public void fill(int[] indices2, int from, int to, float[] x, float[] y) {
                int[] mapped = new int[to - from];
                for (int i = from; i < to; i++) {
                    mapped[i - from] = idx[indices2[i]];
                }
                data.fill(mapped, 0, mapped.length, x, y);
            }
        };
    }

    /** A dataset over two tensors whose first axis is the sample: {@code x (n, ...)} and {@code y (n, ...)}. */
    static Dataset of(Tensor x, Tensor y) {
        return new TensorDataset(x, y);
    }
}
