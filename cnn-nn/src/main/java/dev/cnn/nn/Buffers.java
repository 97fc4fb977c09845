package dev.cnn.nn;

import dev.cnn.core.Tensor;
import java.util.Arrays;

/**
 * A layer's reusable output tensors: remembers the last two shapes asked for (a training run's full
 * batch and its last partial batch), so steady-state training allocates nothing.
 */
final class Buffers {
    private Tensor a;
    private Tensor b;

    /** A tensor of {@code shape}, reused when one of that shape was handed out before; contents undefined. */
    Tensor get(int... shape) {
        if (a != null && Arrays.equals(a.shape(), shape)) {
            return a;
        }
        if (b != null && Arrays.equals(b.shape(), shape)) {
            Tensor t = b;
            b = a;
            a = t;
            return t;
        }
        b = a;
        a = Tensor.zeros(shape);
        return a;
    }

    /** Same as {@link #get} but filled with zeros. */
    Tensor zeros(int... shape) {
        return get(shape).fill(0f);
    }
}
