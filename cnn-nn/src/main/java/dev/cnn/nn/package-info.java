/**
 * Networks: layers ({@link dev.cnn.nn.Conv2D}, {@link dev.cnn.nn.DepthwiseConv2D}, {@link dev.cnn.nn.Pool2D},
 * {@link dev.cnn.nn.FullyConnected}, {@link dev.cnn.nn.Flatten}, {@link dev.cnn.nn.Activation},
 * {@link dev.cnn.nn.BatchNorm}, and the {@link dev.cnn.nn.MultiInputLayer}s {@link dev.cnn.nn.Add} and
 * {@link dev.cnn.nn.Concatenate}), losses, optimizers ({@link dev.cnn.nn.BaseOptimizer}), learning-rate
 * schedules, the {@link dev.cnn.nn.Model} — a chain or a graph of named layers — that computes, evaluates,
 * predicts, saves and loads, and the {@link dev.cnn.nn.Trainer} that trains it over a
 * {@link dev.cnn.nn.GradientSource}.
 *
 * <p>Shapes exclude the batch axis; tensors passed between layers have it first. A layer's forward keeps
 * what its backward needs; backward sets its parameters' gradients (the model zeroes nothing for it).
 * Training is deterministic for a seed and thread count; where it stands is a
 * {@link dev.cnn.nn.TrainingState} saved with the model. Each layer, optimizer and schedule owns its saved
 * form ({@code config()} and a factory in {@link dev.cnn.nn.ModelTypes}); model files are versioned zips
 * ({@link dev.cnn.nn.ModelIO}). Threads: {@code Model.predict} and {@code evaluate} are thread-safe;
 * training needs the model to itself; layers, optimizers and trainers are not thread-safe (but
 * {@code Trainer.requestStop} may be called from any thread).
 */
package dev.cnn.nn;
