package dev.cnn.nn;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.optimizers.Optimizer;
import dev.cnn.nn.schedules.LearningRateSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The training loop of a {@link Model}: epochs of batches from a {@link GradientSource}, the learning-rate
 * schedule, L2 regularisation and gradient clipping (as the model's {@link Model#l2()} and
 * {@link Model#clipGlobalNorm()} say), the divergence guard, validation, early stopping, checkpoints and
 * the history. Where it stands is the model's {@link TrainingState}, advanced after every batch, so a
 * model saved at any point (a checkpoint, or after {@link #requestStop}) continues where it stopped.
 *
 * <p>Per batch: the source sets the gradients; a non-finite loss or gradient, or a loss above
 * {@link TrainOptions#divergenceFactor()} times the run's first batch loss, stops training with a
 * {@link TrainingDivergedException} before anything is updated; then {@code 2λ·W} is added to the gradient
 * of every trainable tensor named {@code W}, the gradients are scaled to the clipping norm when their global
 * norm exceeds it, and the optimizer steps. The reported batch loss includes {@code λ·Σ‖W‖²} of the weights
 * it was computed with.
 *
 * <p>A trainer uses its model alone while {@link #fit} runs (other calls on the model fail, see
 * {@link Model}); {@link #requestStop} may be called from any thread.
 */
public final class Trainer {
    private static final Logger LOG = LogManager.getLogger(Trainer.class);
    private final Model model;
    private final TrainOptions options;
    private volatile boolean stopRequested;

    /** A trainer for {@code model} with {@code options} (epochs, batch size, validation, checkpoints, ...). */
    public Trainer(Model model, TrainOptions options) {
        this.model = model;
        this.options = options;
    }

    /** Asks a running {@link #fit} to stop after the current batch (safe to call from another thread). */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains {@code options.epochs()} more epochs on {@code data} (shuffled per epoch by
     * {@code NumpyRandom(seed + 7919·epoch)} when {@link TrainOptions#shuffle()}), validating on
     * {@link TrainOptions#validation()} when given, and returns the whole history.
     */
    public History fit(Dataset data) {
        model.checkData(data, "training");
        return fit(new LocalSource(model, data, options.batchSize(), options.shuffle(), options.seed()), null);
    }

    /**
     * The loop over any gradient source: {@code validation} scores the model after each epoch (null: on
     * {@link TrainOptions#validation()} when given, else none).
     */
    public History fit(GradientSource source, Validation validation) {
        Lock lock = model.exclusive("train");
        Trainer before = model.runningTrainer;
        model.runningTrainer = this;
        try {
            return loop(source, validation);
        } finally {
            model.runningTrainer = before;
            lock.unlock();
        }
    }

    /** How a trainer scores the model after an epoch: its loss and metric on data it does not train on. */
    @FunctionalInterface
    public interface Validation {
        /** The evaluation of {@code model} as it stands. */
        Evaluation evaluate(Model model);
    }

    private History loop(GradientSource source, Validation given) {
        Validation validation = given;
        if (validation == null && options.validation() != null) {
            Dataset v = options.validation();
            model.checkData(v, "validation");
            validation = m -> m.evaluate(v, Math.max(options.batchSize(), 256));
        }
        TrainingState state = model.trainingState();
        if ((long) state.epochsDone() + options.epochs() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot train " + options.epochs() + " more epochs: the model has done "
                    + state.epochsDone() + " and the count would overflow");
        }
        stopRequested = false;
        state = state.withSeed(options.seed());
        if (state.batchesDoneInEpoch() == 0) {
            state = state.withReferenceLoss(Double.NaN); // a new run measures against its own first batch
        }
        if (options.schedule() != null) {
            state = state.withSchedule(options.schedule());
        }
        model.setTrainingState(state);
        TrainingListener l = options.listener() != null ? options.listener() : new TrainingListener() { };
        int batches = source.batches();
        Optimizer optimizer = model.optimizer();
        long stepsAtStart = optimizer.steps();
        int target = state.epochsDone() + options.epochs(); // finishing an interrupted epoch counts as one
        EarlyStopping early = options.earlyStopping();
        if (early != null && early.monitor() != EarlyStopping.Monitor.TRAINING_LOSS && validation == null) {
            throw new IllegalArgumentException("early stopping on " + early.monitor() + " needs validation data "
                    + "(TrainOptions.withValidation)");
        }
        boolean higherIsBetter = early != null && early.monitor() == EarlyStopping.Monitor.VALIDATION_METRIC
                && model.loss().isClassification();
        double best = Double.NaN;
        int bestEpoch = -1;
        int wait = 0;
        Map<String, float[]> bestWeights = null;
        while (model.trainingState().epochsDone() < target && !stopRequested) {
            int epoch = model.trainingState().epochsDone();
            long start = System.nanoTime();
            LearningRateSchedule schedule = model.trainingState().schedule();
            if (schedule != null) {
                optimizer.setLearningRate(schedule.rate(epoch));
            }
            l.onEpochStart(epoch, batches);
            double trainLoss = epoch(source, epoch, batches, l);
            if (stopRequested && model.trainingState().batchesDoneInEpoch() < batches) {
                LOG.info("training stopped during epoch {} after batch {} of {}", epoch + 1,
                        model.trainingState().batchesDoneInEpoch(), batches);
                break;
            }
            double valLoss = Double.NaN;
            double valMetric = Double.NaN;
            if (validation != null) {
                Evaluation e = validation.evaluate(model);
                valLoss = e.loss();
                valMetric = e.metric();
            }
            model.setTrainingState(model.trainingState().endEpoch(trainLoss, valLoss, valMetric));
            logEpoch(epoch, trainLoss, validation != null, valLoss, valMetric, start);
            l.onEpochEnd(epoch, trainLoss, valLoss, valMetric);
            boolean stopEarly = false;
            if (early != null) {
                double value = switch (early.monitor()) {
                    case TRAINING_LOSS -> trainLoss;
                    case VALIDATION_LOSS -> valLoss;
                    case VALIDATION_METRIC -> valMetric;
                };
                boolean improved = Double.isNaN(best) || (higherIsBetter ? value - early.minDelta() > best
                        : value + early.minDelta() < best);
                if (improved) {
                    best = value;
                    bestEpoch = epoch;
                    wait = 0;
                    if (early.restoreBestWeights()) {
                        bestWeights = snapshot();
                    }
                } else if (++wait >= Math.max(1, early.patience())) {
                    stopEarly = true;
                    if (bestWeights != null) {
                        restore(bestWeights);
                    }
                    LOG.info("early stopping after epoch {}: {} has not improved for {} epoch(s); best {} at epoch {}{}",
                            epoch + 1, early.monitor(), wait, String.format("%.6f", best), bestEpoch + 1,
                            bestWeights != null ? " (its weights restored)" : "");
                }
            }
            int done = model.trainingState().epochsDone();
            if (options.checkpoint() != null && options.checkpointEvery() > 0
                    && (done % options.checkpointEvery() == 0 || stopEarly)) {
                saveCheckpoint();
            }
            if (stopEarly) {
                break;
            }
        }
        if (stopRequested && options.checkpoint() != null && optimizer.steps() > stepsAtStart) {
            saveCheckpoint(); // never replace a file with a model this call did not train
        }
        return model.history();
    }

    private void logEpoch(int epoch, double trainLoss, boolean validated, double valLoss, double valMetric, long start) {
        if (!options.verbose()) {
            return;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (validated) {
            LOG.info("epoch {}: train loss {}, validation loss {}, validation {} {} ({} ms)", epoch + 1,
                    String.format("%.6f", trainLoss), String.format("%.6f", valLoss),
                    model.loss().isClassification() ? "accuracy" : "rmse", String.format("%.6f", valMetric), ms);
        } else {
            LOG.info("epoch {}: train loss {} ({} ms)", epoch + 1, String.format("%.6f", trainLoss), ms);
        }
    }

    /** The rest of epoch {@code epoch}; the mean training loss over the samples it saw, NaN if none. */
    private double epoch(GradientSource source, int epoch, int batches, TrainingListener l) {
        source.beginEpoch(epoch);
        double sum = 0;
        long seen = 0;
        for (int b = model.trainingState().batchesDoneInEpoch(); b < batches && !stopRequested; b++) {
            GradientSource.Step step = source.gradient(epoch, b);
            double batchLoss = apply(step.loss(), epoch, b);
            sum += batchLoss * step.rows();
            seen += step.rows();
            model.setTrainingState(model.trainingState().nextBatch());
            l.onBatchEnd(epoch, b, batches, step.rows(), batchLoss);
        }
        return seen == 0 ? Double.NaN : sum / seen;
    }

    /**
     * One step on one batch: forward, backward (with the guard, L2, clipping) and update, at the model's
     * current position; returns the batch's loss before the update, L2 included.
     */
    public double trainBatch(Tensor x, Tensor y) {
        Lock lock = model.exclusive("trainBatch");
        try {
            TrainingState s = model.trainingState();
            model.forward(x);
            return apply(model.backward(y), s.epochsDone(), s.batchesDoneInEpoch());
        } finally {
            lock.unlock();
        }
    }

    /** The guard, L2, clipping and the optimizer on gradients already set; the loss with its L2 term. */
    private double apply(double loss, int epoch, int batch) {
        String problem = divergence(loss);
        if (problem != null) {
            throw new TrainingDivergedException(epoch, batch, loss, problem);
        }
        double penalty = l2Penalty(); // of the weights the loss was computed with
        update(model);
        return loss + penalty;
    }

    /** Why the latest batch must not be applied, or null when it may; sets the reference loss at the first. */
    private String divergence(double batchLoss) {
        if (!Double.isFinite(batchLoss)) {
            return "the loss is " + batchLoss;
        }
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            float[] g = e.getValue().grad().data();
            if (!Tensor.allFinite(g)) {
                for (int i = 0; i < g.length; i++) {
                    if (!Float.isFinite(g[i])) {
                        return "the gradient of " + e.getKey() + " is " + g[i] + " at element " + i + " (loss " + batchLoss
                                + ")";
                    }
                }
            }
        }
        double reference = model.trainingState().referenceLoss();
        if (Double.isNaN(reference)) {
            model.setTrainingState(model.trainingState().withReferenceLoss(batchLoss));
        } else if (batchLoss > options.divergenceFactor() * Math.max(1.0, reference)) {
            return String.format("the loss %.4g is more than %.0g times the first batch's %.4g", batchLoss,
                    options.divergenceFactor(), reference);
        }
        return null;
    }

    /** The L2 term of the training loss: {@code λ·Σ‖W‖²} over the trainable {@code W} tensors. */
    private double l2Penalty() {
        double l2 = model.l2();
        if (l2 == 0) {
            return 0;
        }
        double sum = 0;
        for (Parameter p : model.trainableParameters().values()) {
            if (p.name().equals("W")) {
                for (float w : p.value().data()) {
                    sum += (double) w * w;
                }
            }
        }
        return l2 * sum;
    }

    /** Adds the L2 gradient, clips by global norm, and applies the optimizer to the trainable parameters. */
    static void update(Model model) {
        Map<String, Parameter> trainable = model.trainableParameters();
        if (model.l2() > 0) {
            float twoLambda = (float) (2 * model.l2());
            for (Parameter p : trainable.values()) {
                if (p.name().equals("W")) {
                    float[] w = p.value().data();
                    float[] g = p.grad().data();
                    for (int i = 0; i < g.length; i++) {
                        g[i] += twoLambda * w[i];
                    }
                }
            }
        }
        double clip = model.clipGlobalNorm();
        if (clip > 0) {
            double sq = 0;
            for (Parameter p : trainable.values()) {
                for (float g : p.grad().data()) {
                    sq += (double) g * g;
                }
            }
            double norm = Math.sqrt(sq);
            if (norm > clip) {
                float scale = (float) (clip / norm);
                for (Parameter p : trainable.values()) {
                    float[] g = p.grad().data();
                    for (int i = 0; i < g.length; i++) {
                        g[i] *= scale;
                    }
                }
            }
        }
        model.optimizer().step(trainable);
    }

    /** Copies of every parameter and every layer's state, by name. */
    private Map<String, float[]> snapshot() {
        Map<String, float[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            copy.put(e.getKey(), e.getValue().value().data().clone());
        }
        for (int i = 0; i < model.layers().size(); i++) {
            for (Map.Entry<String, Tensor> e : model.layers().get(i).state().entrySet()) {
                copy.put(model.layerNames().get(i) + "#" + e.getKey(), e.getValue().data().clone());
            }
        }
        return copy;
    }

    private void restore(Map<String, float[]> snapshot) {
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            float[] v = snapshot.get(e.getKey());
            System.arraycopy(v, 0, e.getValue().value().data(), 0, v.length);
        }
        for (int i = 0; i < model.layers().size(); i++) {
            for (Map.Entry<String, Tensor> e : model.layers().get(i).state().entrySet()) {
                float[] v = snapshot.get(model.layerNames().get(i) + "#" + e.getKey());
                System.arraycopy(v, 0, e.getValue().data(), 0, v.length);
            }
        }
    }

    private void saveCheckpoint() {
        try {
            model.save(options.checkpoint());
            LOG.info("checkpoint saved to {} (epoch {}, batch {})", options.checkpoint(),
                    model.trainingState().epochsDone(), model.trainingState().batchesDoneInEpoch());
        } catch (IOException e) {
            throw new UncheckedIOException("could not save checkpoint " + options.checkpoint() + ": " + e.getMessage(), e);
        }
    }

    /** Batches from a dataset in memory: forward and backward on the model itself. */
    private static final class LocalSource implements GradientSource {
        private final Model model;
        private final Dataset data;
        private final int batchSize;
        private final boolean shuffle;
        private final long seed;
        private final Map<String, Tensor> buffers = new LinkedHashMap<>();
        private int[] order;

        LocalSource(Model model, Dataset data, int batchSize, boolean shuffle, long seed) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.model = model;
            this.data = data;
            this.batchSize = batchSize;
            this.shuffle = shuffle;
            this.seed = seed;
        }

        @Override
        public int batches() {
            return (int) ((data.size() + (long) batchSize - 1) / batchSize);
        }

        @Override
        public void beginEpoch(int epoch) {
            order = Dataset.epochOrder(data.size(), shuffle, seed, epoch);
            data.beginEpoch(epoch);
        }

        @Override
        public Step gradient(int epoch, int batch) {
            int n = data.size();
            int from = (int) Math.min(n, (long) batch * batchSize);
            int to = (int) Math.min(n, (long) from + batchSize);
            Tensor xb = Batches.reusable(buffers, "x", Tensor.withBatch(to - from, model.inputShape()));
            Tensor yb = Batches.reusable(buffers, "y", Tensor.withBatch(to - from, data.targetShape()));
            data.fill(order, from, to, xb.data(), yb.data());
            Batches.checkFinite(new Tensor[] {xb, yb}, order, from, "training");
            model.forward(xb);
            return new Step(model.backward(yb), to - from);
        }
    }
}
