package dev.cnn.nn;

import dev.cnn.core.Tensor;
import java.util.Arrays;

/** Small helpers for batch shapes. */
final class Shapes {
    private Shapes() {
    }

    /** {@code (batch, sample...)}. */
    static int[] withBatch(int batch, int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = batch;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
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

    static String text(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }
}
