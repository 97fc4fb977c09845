/**
 * The model and its training: {@link dev.cnn.nn.Model} — a chain or a graph of named layers — that computes,
 * evaluates ({@link dev.cnn.nn.Evaluation}), predicts, saves and loads; the {@link dev.cnn.nn.Trainer} that
 * trains it over a {@link dev.cnn.nn.GradientSource} with {@link dev.cnn.nn.TrainOptions}, and where
 * training stands, a {@link dev.cnn.nn.TrainingState} (with its {@link dev.cnn.nn.History}) saved with the
 * model. The parts by role live beside it: {@code layers}, {@code losses}, {@code optimizers},
 * {@code schedules}, {@code io} (model files, network files and the type registry) and {@code onnx}.
 *
 * <p>Shapes exclude the batch axis; tensors passed between layers have it first. Training is deterministic
 * for a seed and thread count. Threads: {@code Model.predict} and {@code evaluate} are thread-safe; training
 * needs the model to itself; trainers are not thread-safe (but {@code Trainer.requestStop} may be called from
 * any thread). {@code Model.save}, {@code load} and {@code exportOnnx} are doors into {@code io} and
 * {@code onnx}, the only places this package reaches up into them.
 */
package dev.cnn.nn;
