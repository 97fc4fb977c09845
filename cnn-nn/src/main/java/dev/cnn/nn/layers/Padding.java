package dev.cnn.nn.layers;

/** Named convolution paddings. */
public enum Padding {
    /** No padding. */
    VALID,
    /** {@code (k - 1) / 2} zeros per side, so stride 1 keeps the size; the kernel must be odd. */
    SAME;

    /** The per-side padding for a kernel of size {@code k}. */
    public int forKernel(int k) {
        if (this == VALID) {
            return 0;
        }
        if (k % 2 == 0) {
            throw new IllegalArgumentException("SAME padding needs an odd kernel size (symmetric padding), got " + k);
        }
        return (k - 1) / 2;
    }
}
