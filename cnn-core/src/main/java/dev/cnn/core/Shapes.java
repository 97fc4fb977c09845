package dev.cnn.core;

import java.util.Arrays;

/** Shape arithmetic for batches: a batch tensor is {@code (batch, sample...)}. */
public final class Shapes {
    private Shapes() {
    }

    /** The sample shape of a batch tensor. */
    public static int[] sample(Tensor t) {
        return Arrays.copyOfRange(t.shape(), 1, t.rank());
    }

    /** The number of values of a sample of {@code shape}; more than 2³¹ − 1 is an error naming the shape. */
    public static int product(int[] shape) {
        long p = 1;
        for (int d : shape) {
            p *= d;
            if (p > Integer.MAX_VALUE || d < 0) {
                throw new IllegalArgumentException("a sample of shape " + Tensor.shapeText(shape)
                        + " has more values than an array holds (2^31 - 1)");
            }
        }
        return (int) p;
    }

}
