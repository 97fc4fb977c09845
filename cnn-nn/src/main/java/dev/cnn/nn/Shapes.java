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

    static int product(int[] shape) {
        int p = 1;
        for (int d : shape) {
            p *= d;
        }
        return p;
    }

}
