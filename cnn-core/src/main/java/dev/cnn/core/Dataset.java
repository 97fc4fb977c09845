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

    /** A dataset over two tensors whose first axis is the sample: {@code x (n, ...)} and {@code y (n, ...)}. */
    static Dataset of(Tensor x, Tensor y) {
        return new TensorDataset(x, y);
    }
}
