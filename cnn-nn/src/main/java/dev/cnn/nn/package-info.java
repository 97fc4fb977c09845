/**
 * Networks: layers ({@link dev.cnn.nn.Conv2D}, {@link dev.cnn.nn.Pool2D}, {@link dev.cnn.nn.FullyConnected},
 * {@link dev.cnn.nn.Flatten}, {@link dev.cnn.nn.Activation}), losses, optimizers, learning-rate schedules
 * and the {@link dev.cnn.nn.Model} that trains, evaluates, predicts, saves and loads them.
 *
 * <p>Shapes exclude the batch axis; tensors passed between layers have it first. A layer's forward keeps
 * what its backward needs; backward sets its parameters' gradients (the model zeroes nothing for it).
 * Training is deterministic for a seed and thread count. Each layer, optimizer and schedule owns its saved
 * form ({@code config()} and a factory in {@link dev.cnn.nn.ModelTypes}); model files are versioned zips
 * ({@link dev.cnn.nn.ModelIO}). Threads: {@code Model.predict} and {@code evaluate} are thread-safe;
 * training needs the model to itself; layers and optimizers are not thread-safe.
 */
package dev.cnn.nn;
