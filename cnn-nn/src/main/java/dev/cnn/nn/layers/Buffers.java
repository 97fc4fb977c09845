package dev.cnn.nn.layers;

import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import java.util.Arrays;

/**
 * A layer's reusable output tensors: remembers the last two shapes asked for (a training run's full
 * batch and its last partial batch), so steady-state training allocates nothing. Buffers for input
 * gradients {@linkplain #lendFrom borrow} from the model's {@link Workspace} instead, which the model's
 * backward pass gives back as soon as they are read.
 */
final class Buffers {
    private Tensor a;
    private Tensor b;
    private Workspace workspace;

    /** From now on, hands out tensors lent by {@code ws} (null: keeps its own again). */
    void lendFrom(Workspace ws) {
        workspace = ws;
        a = null;
        b = null;
    }

    /**
     * For a layer's outputs: from now on, hands out tensors lent by {@code ws} when it {@linkplain
     * Workspace#lendsOutputs lends outputs} (an inference workspace), else keeps its own.
     */
    void lendOutputsFrom(Workspace ws) {
        lendFrom(ws != null && ws.lendsOutputs() ? ws : null);
    }

    /** A tensor of {@code shape}, reused when one of that shape was handed out before; contents undefined. */
    Tensor get(int... shape) {
        if (workspace != null) {
            return workspace.lend(shape);
        }
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
