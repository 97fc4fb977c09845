package dev.cnn.nn.layers;

import dev.cnn.core.Tensor;
import java.util.List;

/**
 * A layer applied to two or more inputs (e.g. {@link Add}, {@link Concatenate}): a node of a graph network
 * added with {@link dev.cnn.nn.Model.Builder#add(String, Layer, String...)} naming its inputs. Shapes exclude the batch
 * axis, as for {@link Layer}; the single-input methods of {@link Layer} are not used and refuse to run.
 * As for every layer, the tensors it returns are its own buffers, reused by its next call.
 */
public interface MultiInputLayer extends Layer {
    /** The output shape of one sample for inputs of {@code inputShapes} (one per input, in order). */
    int[] outputShape(List<int[]> inputShapes);

    /** The output for the batches {@code inputs} (one per input, in order, each with the batch first). */
    Tensor forward(List<Tensor> inputs);

    /**
     * Given the loss gradient {@code dy} for the latest forward output, the gradient for each input, in
     * order. A returned tensor may be {@code dy} itself or shared between inputs: callers only read them.
     */
    List<Tensor> backwardAll(Tensor dy);

    /** Not used: a multi-input layer's shape follows from all its inputs ({@link #outputShape(List)}). */
    @Override
    default int[] outputShape(int[] inputShape) {
        return outputShape(List.of(inputShape));
    }

    /** Refused: a multi-input layer runs through {@link #forward(List)}. */
    @Override
    default Tensor forward(Tensor x) {
        throw new UnsupportedOperationException(type() + " takes two or more inputs: forward(List)");
    }

    /** Refused: a multi-input layer runs through {@link #backwardAll}. */
    @Override
    default Tensor backward(Tensor dy, boolean needInputGradient) {
        throw new UnsupportedOperationException(type() + " takes two or more inputs: backwardAll");
    }
}
