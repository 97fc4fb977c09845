package dev.cnn.nn;

import dev.cnn.core.Tensor;
import java.util.Arrays;

/** Small helpers for batch shapes. */
final class Shapes {
    private Shapes() {
    }

    /** The sample shape of a batch tensor. */
    static int[] sample(Tensor t) {
        return Arrays.copyOfRange(t.shape(), 1, t.rank());
    }

    /** The number of values of a sample of {@code shape}; more than 2³¹ − 1 is an error naming the shape. */
    static int product(int[] shape) {
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
