package dev.cnn.nn.layers;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import java.util.List;
import java.util.Map;

/**
 * One stage of a network. Shapes exclude the batch axis: an NHWC convolution layer maps a sample of
 * shape {@code (h, w, c)} to {@code (outH, outW, filters)}; tensors passed in and out have the batch
 * first. {@link #forward} keeps what {@link #backward} needs; the tensors a layer returns are its own
 * buffers (or lent by its {@link Workspace}), valid until its next call — or, lent by an inference workspace,
 * until the network has run the layers that read them. A layer must not change its input: other layers, and
 * the backward pass, may still read it.
 */
public interface Layer {
    /** The layer's type name as saved in model files, e.g. {@code Conv2D}. */
    String type();

    /**
     * Called once by {@link dev.cnn.nn.Model.Builder#build()}, in layer order, with the shape of one input sample: a
     * layer made without its input size (e.g. {@code new FullyConnected(10)}) creates its parameters here,
     * drawing them from {@code rng}. Layers that already have their parameters ignore it (the default).
     */
    default void build(int[] inputShape, NumpyRandom rng) {
    }

    /**
     * The output shape of one sample for an input sample of shape {@code inputShape}. {@link dev.cnn.nn.Model.Builder#build()}
     * calls it for every layer before it calls any {@link #build}, so that a network too large for memory is
     * refused before any weight is allocated: a layer made without its input size answers from
     * {@code inputShape}.
     */
    int[] outputShape(int[] inputShape);

    /**
     * How many parameter values this layer holds, or will hold once built for samples of {@code inputShape}
     * (trainable and saved state alike): what {@link dev.cnn.nn.Model.Builder#build()} adds up to check a network against
     * the heap before allocating it. By default the size of {@link #parameters()} and {@link #state()}.
     */
    default long parameterCount(int[] inputShape) {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.value().size();
        }
        for (Tensor t : state().values()) {
            n += t.size();
        }
        return n;
    }

    /** Output for the batch {@code x}. */
    Tensor forward(Tensor x);

    /**
     * Given the loss gradient {@code dy} for the latest forward output, sets every parameter's
     * gradient and returns the gradient for the input (null when {@code needInputGradient} is false).
     */
    Tensor backward(Tensor dy, boolean needInputGradient);

    /** Trainable parameters, in a fixed order. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Non-trainable tensors saved with the layer, by name (e.g. {@link BatchNorm}'s running mean): saved as
     * {@code params/<layer>.<name>.npy} beside the parameters and handed back to the layer's factory through
     * {@link LayerFactory.Weights#get}. No optimizer touches them. Empty by default.
     */
    default Map<String, Tensor> state() {
        return Map.of();
    }

    /**
     * Called by the model before every forward pass: {@code training} is true on the training path
     * ({@link dev.cnn.nn.Model#forward}, {@link dev.cnn.nn.Model#train}) and false for {@link dev.cnn.nn.Model#predict} and
     * {@link dev.cnn.nn.Model#evaluate}; {@code seed} seeds any randomness of this pass (e.g. {@link Dropout}'s mask) and
     * differs per layer, epoch and batch while staying the same when the same batch is trained again (a
     * resumed run). Layers that behave the same in both modes ignore it (the default).
     */
    default void setTraining(boolean training, long seed) {
    }

    /**
     * As {@link #setTraining(boolean, long)}, for a pass over a slice of a larger batch whose first sample is
     * sample {@code firstSample} of that batch: a layer with randomness draws for its samples what a pass over
     * the whole batch would draw for them ({@link Dropout} does), so shards of one batch computed apart (e.g.
     * by data-parallel training) together see one pass's masks. The default ignores {@code firstSample}.
     */
    default void setTraining(boolean training, long seed, long firstSample) {
        setTraining(training, seed);
    }

    /**
     * Called by {@link dev.cnn.nn.Model.Builder#build()} after {@link #build}, and for each inference copy: work memory
     * shared by the layers of one model, which runs them one at a time. A layer may keep its kernels' scratch
     * there and {@linkplain Workspace#lend borrow} the tensors it returns from {@link #backward}: the model gives
     * each back once the layer before has read it, so the input gradients of a deep network take the memory of
     * the few alive at once. Nothing kept there survives to the layer's next call. The default ignores it.
     */
    default void setWorkspace(Workspace workspace) {
    }

    /** The hyperparameters needed to rebuild the layer (numbers, strings, lists of them). */
    Map<String, Object> config();

    /**
     * A layer computing the same function with the same parameter tensors (shared, not copied) but
     * buffers of its own, so that several threads can run inference at once ({@link dev.cnn.nn.Model#predict} and
     * {@link dev.cnn.nn.Model#evaluate} use such copies). Null when the layer cannot make one; a model holding such
     * a layer runs inference one call at a time.
     */
    default Layer copySharingParameters() {
        return null;
    }
}
