package dev.cnn.nn;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.io.ModelTypes;
import dev.cnn.nn.layers.Dropout;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.LayerFactory;
import dev.cnn.nn.layers.MultiInputLayer;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.onnx.OnnxExport;
import dev.cnn.nn.onnx.OnnxImport;
import dev.cnn.nn.optimizers.Adam;
import dev.cnn.nn.optimizers.Optimizer;
import dev.cnn.nn.schedules.LearningRateSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;

/**
 * A network of named layers — a chain, or a directed acyclic graph whose nodes name their inputs (see
 * {@link Builder#add(String, Layer, String...)}) — with its parameters, a loss, an optimizer and where its
 * training stands ({@link TrainingState}). The model computes forward and backward passes, predictions and
 * evaluations; the training loop is a {@link Trainer}'s ({@link #train} is a shorthand for one).
 *
 * <p>A graph runs its nodes in the order they were added (a node reads only earlier nodes, so there are no
 * cycles); backward runs them in reverse and sums the gradients where a node's output feeds several others.
 * One input and one output: the input is named {@code "input"}, the output is the last node.
 *
 * <p>Inputs are batches {@code (batch, inputShape...)}; outputs {@code (batch, outputShape...)}. A model
 * that ends in a sigmoid with {@link Loss#BINARY_CROSS_ENTROPY}, or in a softmax with
 * {@link Loss#CATEGORICAL_CROSS_ENTROPY}, computes loss and gradient from the logits
 * ({@code dL/dz = (p − y) / count}), which is exact and never divides by a saturated probability (the
 * model's {@code OutputHead}).
 *
 * <p>Training is deterministic for a seed and thread count: epoch {@code e} is shuffled by
 * {@code NumpyRandom(seed + 7919·e).permutation(n)}, and the model remembers how many epochs and
 * batches it has done, so a saved and reloaded model continues with exactly the batches it would have
 * seen.
 *
 * <p>Training refuses bad numbers instead of learning from them: a batch with a NaN or infinite input
 * or target fails with an {@link IllegalArgumentException} naming the sample, and a batch whose loss or
 * gradient is not finite, or whose loss is a blow-up ({@link TrainOptions#divergenceFactor()}), stops
 * training with a {@link TrainingDivergedException} before its update is applied.
 *
 * <p>Inference refuses to answer wrong: a NaN or infinite output (an overflow inside the network) is an
 * {@link IllegalStateException} naming the sample.
 *
 * <p>Threads: {@link #predict} and {@link #evaluate} may be called from any number of threads at once;
 * each call runs on its own copy of the layers' buffers, sharing the weights read-only (a layer that
 * cannot make such a copy, see {@link Layer#copySharingParameters()}, makes those calls take turns).
 * Training, {@link #forward}, {@link #backward} and {@link #update} change the model and need it to
 * themselves: called while another thread is inside any method of the same model, they throw an
 * {@link IllegalStateException} instead of computing a wrong result, and so do {@code predict} and
 * {@code evaluate} while another thread trains. Results never depend on how many threads call.
 */
public final class Model {
    /** The name by which a node of a graph network reads the model's input ({@link Builder#add(String, Layer, String...)}). */
    public static final String INPUT = "input";

    private final int[] inputShape;
    private final List<String> names;
    private final List<Layer> layers;
    private final Graph graph;
    /** The output shape of every node, for one sample. */
    private final int[][] shapes;
    private final Graph.Pass trainingPass;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    /** The parameters of the layers not frozen with {@link #setTrainable}: what the optimizer updates. */
    private Map<String, Parameter> trainableParameters;
    private final Set<String> frozenLayers = new HashSet<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    /** Shared by inference calls, taken alone by whatever changes weights or the training buffers. */
    private final UseLock use = new UseLock();
    /** Inference copies of the layers, each used by one call at a time. */
    private final Inference.Pool inference;
    private final OutputHead head;
    private Tensor gradBuffer;
    private Tensor lastOutput;
    private volatile TrainingState trainingState = TrainingState.INITIAL;
    /** The trainer inside {@link Trainer#fit} on this model, for {@link #requestStop}; null when none. */
    volatile Trainer runningTrainer;
    /** L2 factor: {@code λ·Σ‖W‖²} added to the training loss over the trainable weight tensors named {@code W}. */
    private double l2;
    /** Largest global norm of the trainable gradients before an update (0: no clipping). */
    private double clipGlobalNorm;

    Model(int[] inputShape, List<String> names, List<Layer> layers, List<List<String>> inputs, Loss loss,
          Optimizer optimizer, long initSeed) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        NumpyRandom initRng = new NumpyRandom(initSeed);
        this.inputShape = inputShape.clone();
        this.names = List.copyOf(names);
        this.layers = List.copyOf(layers);
        this.graph = Graph.of(this.names, inputs);
        this.loss = loss;
        this.optimizer = optimizer;
        this.shapes = graph.shapes(this.inputShape, this.layers);
        Graph.checkFits(this.inputShape, graph, names, layers, shapes);
        for (int i = 0; i < layers.size(); i++) {
            try {
                layers.get(i).build(graph.inputShapes(i, this.inputShape, shapes).get(0), initRng);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer '" + names.get(i) + "' (" + layers.get(i).type() + "): "
                        + e.getMessage(), e);
            }
            for (Parameter p : layers.get(i).parameters()) {
                parameters.put(names.get(i) + "." + p.name(), p);
            }
        }
        this.head = OutputHead.of(this.layers.get(this.layers.size() - 1), loss);
        Workspace workspace = new Workspace();
        for (Layer l : this.layers) {
            l.setWorkspace(workspace);
        }
        this.trainingPass = new Graph.Pass(graph, workspace);
        this.inference = new Inference.Pool(this.layers, graph);
        this.trainableParameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Starts a model for samples of shape {@code inputShape} (e.g. {@code 28, 28, 1}). */
    public static Builder builder(int... inputShape) {
        return new Builder(inputShape);
    }

    /** Builds a {@link Model} layer by layer. */
    public static final class Builder {
        private final int[] inputShape;
        private final List<String> names = new ArrayList<>();
        private final List<Layer> layers = new ArrayList<>();
        private final List<List<String>> inputs = new ArrayList<>();
        private final Set<String> frozen = new HashSet<>();
        private Loss loss;
        private Optimizer optimizer = new Adam();
        private long seed = 1;
        private double l2;
        private double clipGlobalNorm;

        private Builder(int[] inputShape) {
            for (int d : inputShape) {
                if (d < 1) {
                    throw new IllegalArgumentException("input shape " + Tensor.shapeText(inputShape) + " must be positive");
                }
            }
            this.inputShape = inputShape.clone();
        }

        /**
         * Appends a layer under a unique name (letters, digits, '_' and '-'; not {@code input}), reading the
         * output of the layer added before it (the model's input for the first): a chain.
         */
        public Builder add(String name, Layer layer) {
            return node(name, layer, List.of());
        }

        /**
         * Appends a node of a graph network: {@code layer} applied to the outputs of the named earlier nodes
         * ({@code "input"} for the model's input), e.g. the residual sum of a ResNet block,
         * {@code add("block1_add", new Add(), "block1_bn2", "stem_relu")}. A single-input layer takes one
         * name, a {@link MultiInputLayer} two or more. The model's output is its last node; every other node
         * must feed a later one. A node added without inputs reads the one before it.
         */
        public Builder add(String name, Layer layer, String... inputs) {
            for (String in : inputs) {
                if (!in.equals(Graph.INPUT) && !names.contains(in)) {
                    throw new IllegalArgumentException("layer '" + name + "' reads '" + in + "', which is not a layer "
                            + "added before it (layers so far: " + names + ", or '" + Graph.INPUT + "')");
                }
            }
            return node(name, layer, List.of(inputs));
        }

        /**
         * Freezes the layer {@code name}, added before: its parameters take part in the forward and backward
         * passes but no optimizer changes them (see {@link Model#setTrainable}).
         */
        public Builder freeze(String name) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("cannot freeze '" + name + "': no such layer (layers: " + names + ")");
            }
            frozen.add(name);
            return this;
        }

        private Builder node(String name, Layer layer, List<String> in) {
            Graph.checkName(name, names);
            names.add(name);
            layers.add(layer);
            inputs.add(in);
            return this;
        }

        /**
         * Appends a layer as {@link #add(String, Layer)}, frozen when {@code trainable} is false: its
         * parameters take part in the forward and backward passes but no optimizer changes them (see
         * {@link Model#setTrainable}).
         */
        public Builder add(String name, Layer layer, boolean trainable) {
            add(name, layer);
            return trainable ? this : freeze(name);
        }

        /** The loss to train with; without one, {@link #build} infers it from the final layer. */
        public Builder loss(Loss l) {
            this.loss = l;
            return this;
        }

        /** The optimizer (default: {@link Adam} with its defaults). */
        public Builder optimizer(Optimizer o) {
            this.optimizer = o;
            return this;
        }

        /** Adds L2 regularisation to training (see {@link Model#setL2}). */
        public Builder l2(double lambda) {
            this.l2 = lambda;
            return this;
        }

        /** Clips the gradients' global norm before each update (see {@link Model#setClipGlobalNorm}). */
        public Builder clipGlobalNorm(double maxNorm) {
            this.clipGlobalNorm = maxNorm;
            return this;
        }

        /**
         * Seeds the weights of the layers made without their input size (e.g. {@code new FullyConnected(10)}),
         * drawn in layer order from one {@code NumpyRandom(seed)} when {@link #build} runs; default 1.
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The model; gives each layer made without its input size the shape the previous one produces, checks that every layer accepts the shape the previous one produces and that no
         * layer instance is added twice. Without {@link #loss}, the loss follows the final layer: binary
         * cross-entropy after a sigmoid, categorical cross-entropy after a softmax, mean squared error
         * otherwise (logged, so the choice is never silent).
         */
        public Model build() {
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("a model needs at least one layer");
            }
            Graph.checkDistinct(names, layers);
            Loss l = loss != null ? loss : OutputHead.defaultLoss(layers.get(layers.size() - 1));
            Model m = new Model(inputShape, names, layers, inputs, l, optimizer, seed);
            m.setL2(l2);
            m.setClipGlobalNorm(clipGlobalNorm);
            for (String name : frozen) {
                m.setTrainable(name, false);
            }
            return m;
        }
    }

    // ---------------------------------------------------------------- accessors

    /** The shape of one input sample, e.g. {@code (28, 28, 1)}. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Shape of one output sample. */
    public int[] outputShape() {
        return shapes[shapes.length - 1].clone();
    }

    /** The output shape of one sample at layer {@code layerName}. */
    public int[] outputShape(String layerName) {
        return shapes[layerIndex(layerName)].clone();
    }

    /**
     * The names of the nodes layer {@code layerName} reads, in order ({@code "input"} for the model's
     * input); in a chain, the layer before it.
     */
    public List<String> inputsOf(String layerName) {
        return graph.inputNames(layerIndex(layerName));
    }

    /** Whether the network is a chain: every layer reads the one before it (the first, the input). */
    public boolean isChain() {
        return graph.isChain();
    }

    /** The layer names, in order. */
    public List<String> layerNames() {
        return names;
    }

    /** The layers, in order (the model's own instances). */
    public List<Layer> layers() {
        return layers;
    }

    /** The loss the model trains with. */
    public Loss loss() {
        return loss;
    }

    /** The optimizer that updates the trainable parameters. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** Every trainable parameter by full name ({@code layer.param}), in layer order. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /**
     * The parameters the optimizer updates: those of every layer not frozen with {@link #setTrainable},
     * by full name, in layer order.
     */
    public Map<String, Parameter> trainableParameters() {
        return trainableParameters;
    }

    /**
     * Freezes ({@code false}) or unfreezes a layer: a frozen layer still runs forward and passes gradients
     * back, but {@link #update} and training leave its parameters (and their optimizer state) alone — e.g.
     * convolution layers reused from another model under a new head. A frozen layer with saved statistics
     * ({@link dev.cnn.nn.layers.BatchNorm}) also keeps them in training: it normalises with its moving mean and
     * variance, as in inference, and does not update them (as Keras does). Saved with the model; a saved model
     * keeps optimizer state only for trainable parameters, so a layer unfrozen after loading starts its
     * optimizer state (e.g. Adam's moments) from zero.
     */
    public void setTrainable(String layerName, boolean trainable) {
        use.exclusively("setTrainable", () -> {
            layerIndex(layerName);
            if (trainable) {
                frozenLayers.remove(layerName);
            } else {
                frozenLayers.add(layerName);
            }
            Map<String, Parameter> t = new LinkedHashMap<>(parameters);
            t.keySet().removeIf(key -> frozenLayers.contains(key.substring(0, key.lastIndexOf('.'))));
            trainableParameters = Collections.unmodifiableMap(t);
            boolean[] learns = new boolean[layers.size()];
            for (int i = 0; i < learns.length; i++) {
                learns[i] = !frozenLayers.contains(names.get(i)) && !layers.get(i).parameters().isEmpty();
            }
            trainingPass.learnOnly(frozenLayers.isEmpty() ? null : learns);
        });
    }

    /** Whether the optimizer updates the layer {@code layerName} (see {@link #setTrainable}). */
    public boolean isTrainable(String layerName) {
        layerIndex(layerName);
        return !frozenLayers.contains(layerName);
    }

    /**
     * L2 regularisation for every optimizer: training adds {@code λ·Σ‖W‖²} over the trainable weight
     * tensors named {@code W} (kernels of {@code Conv2D} and {@code FullyConnected}, not biases or
     * batch-norm parameters) to each batch's loss and {@code 2λ·W} to their gradients, as Keras's
     * {@code l2(λ)} kernel regulariser; {@link #evaluate} reports the loss without it. 0 turns it off.
     * Saved with the model.
     */
    public void setL2(double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("the L2 factor must be finite and >= 0, got " + lambda);
        }
        this.l2 = lambda;
    }

    /** The L2 factor (0: none). */
    public double l2() {
        return l2;
    }

    /**
     * Gradient clipping by global norm (Pascanu et al., 2013; Keras's {@code global_clipnorm}): before each
     * update, when {@code sqrt(Σ g²)} over every trainable gradient exceeds {@code maxNorm}, all gradients are
     * scaled by {@code maxNorm / norm}. 0 turns it off. Applies to every optimizer; saved with the model.
     */
    public void setClipGlobalNorm(double maxNorm) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("the clipping norm must be finite and >= 0, got " + maxNorm);
        }
        this.clipGlobalNorm = maxNorm;
    }

    /** The global-norm clipping bound (0: none). */
    public double clipGlobalNorm() {
        return clipGlobalNorm;
    }

    /** Number of values in the trainable parameters: the length of the flat views below. */
    public int flatSize() {
        return FlatParameters.size(trainableParameters);
    }

    /**
     * Copies the trainable parameters' values, in {@link #trainableParameters()} order, into {@code into}
     * (length {@link #flatSize()}); for sending weights between processes without allocating per step.
     */
    public void copyParametersTo(float[] into) {
        FlatParameters.copy(trainableParameters, into, true, true);
    }

    /** Sets the trainable parameters' values from {@code from} (as {@link #copyParametersTo} wrote them). */
    public void setParameters(float[] from) {
        use.exclusively("setParameters", () -> FlatParameters.copy(trainableParameters, from, true, false));
    }

    /** Copies the trainable parameters' gradients (from the latest {@link #backward}) into {@code into}. */
    public void copyGradientsTo(float[] into) {
        FlatParameters.copy(trainableParameters, into, false, true);
    }

    /** Sets the trainable parameters' gradients, e.g. to gradients averaged over processes before {@link #update}. */
    public void setGradients(float[] from) {
        use.exclusively("setGradients", () -> FlatParameters.copy(trainableParameters, from, false, false));
    }

    /** The layer named {@code layerName}. */
    public Layer layer(String layerName) {
        return layers.get(layerIndex(layerName));
    }

    /**
     * An independent copy of the layer {@code layerName} with its current parameters (copied, not
     * shared), rebuilt through its type's {@link LayerFactory}, to put into another model — the first step
     * of transfer learning. The layer's type must be registered in {@link dev.cnn.nn.io.ModelTypes}.
     */
    public Layer copyOfLayer(String layerName) {
        return ModelTypes.copyOfLayer(layer(layerName), layerName);
    }

    private int layerIndex(String layerName) {
        int i = names.indexOf(layerName);
        if (i < 0) {
            throw new IllegalArgumentException("the model has no layer '" + layerName + "' (layers: " + names + ")");
        }
        return i;
    }

    /** Number of parameter values, frozen layers included. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters.values()) {
            n += p.value().size();
        }
        return n;
    }

    /** Losses and validation metric of every epoch trained so far (saved with the model). */
    public History history() {
        return trainingState.history();
    }

    /** Free-form metadata saved with the model (numbers, strings, lists and maps of them). */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Epochs completed over the model's life. */
    public int epochsDone() {
        return trainingState.epochsDone();
    }

    /** Batches already done in the current, unfinished epoch (0 between epochs). */
    public int batchesDoneInEpoch() {
        return trainingState.batchesDoneInEpoch();
    }

    /** The learning-rate schedule training follows (saved with the model), or null for none. */
    public LearningRateSchedule schedule() {
        return trainingState.schedule();
    }

    /** The shuffle seed of the latest training run. */
    public long seed() {
        return trainingState.seed();
    }

    /** Where training stands (saved with the model; see {@link TrainingState}). */
    public TrainingState trainingState() {
        return trainingState;
    }

    /**
     * Sets where training stands without touching weights or optimizer state: to continue a run whose state
     * was kept elsewhere, or for a replica computing another model's step (its random layers then draw what
     * that model's pass would, see {@link #forward(Tensor, long)}).
     */
    public void setTrainingState(TrainingState state) {
        if (state == null) {
            throw new IllegalArgumentException("the training state must not be null (TrainingState.INITIAL for none)");
        }
        use.exclusively("setTrainingState", () -> this.trainingState = state);
    }

    /** Asks a running {@link #train} (or {@link Trainer#fit}) to stop after the current batch; any thread. */
    public void requestStop() {
        Trainer t = runningTrainer;
        if (t != null) {
            t.requestStop();
        }
    }

    // ---------------------------------------------------------------- forward, backward, update

    /**
     * The output for the batch {@code x} on the training path (keeping what {@link #backward} needs);
     * the returned tensor belongs to the last layer and is reused. For inference use {@link #predict}.
     */
    public Tensor forward(Tensor x) {
        return forward(x, 0);
    }

    /**
     * {@link #forward(Tensor)} for a slice of a larger batch that starts at sample {@code firstSample} of it:
     * layers with randomness ({@link Dropout}) draw for these samples what a pass over the whole batch would
     * (see {@link Layer#setTraining(boolean, long, long)}). With {@link #setTrainingState}, this lets
     * workers that each hold a slice of a global batch compute exactly the gradient one process would.
     */
    public Tensor forward(Tensor x, long firstSample) {
        if (firstSample < 0) {
            throw new IllegalArgumentException("first sample must be >= 0, got " + firstSample);
        }
        return use.exclusively("forward", () -> {
            Batches.checkBatchShape(inputShape, x);
            TrainingState t = trainingState;
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                // a frozen layer with statistics (batch norm) keeps them: it normalises as in inference
                boolean keepsStatistics = frozenLayers.contains(names.get(i)) && !l.state().isEmpty();
                l.setTraining(!keepsStatistics, t.passSeed(i), firstSample);
            }
            lastOutput = trainingPass.forward(layers, x);
            return lastOutput;
        });
    }

    /**
     * Back-propagates the loss of the latest {@link #forward} against targets {@code y}, setting every
     * trainable parameter's gradient; returns the mean loss of the batch. Frozen layers that no trainable layer
     * precedes are skipped (their gradients are left as they were): a frozen base costs its forward pass only.
     */
    public double backward(Tensor y) {
        return use.exclusively("backward", () -> backwardUnchecked(y));
    }

    private double backwardUnchecked(Tensor y) {
        if (lastOutput == null) {
            throw new IllegalStateException("backward() needs a forward() first");
        }
        if (!lastOutput.sameShape(y)) {
            throw new IllegalArgumentException("targets " + y.shapeString() + " do not match the model output "
                    + lastOutput.shapeString());
        }
        if (gradBuffer == null || !gradBuffer.sameShape(lastOutput)) {
            gradBuffer = Tensor.zeros(lastOutput.shape());
        }
        double value = head.loss(trainingPass.lastInput(), lastOutput, y);
        head.gradient(lastOutput, y, gradBuffer);
        trainingPass.backward(layers, gradBuffer, head.fused());
        return value;
    }

    /**
     * One step from the current gradients: the L2 gradient and clipping as {@link #l2()} and
     * {@link #clipGlobalNorm()} say, then the optimizer (see {@link Trainer}).
     */
    public void update() {
        use.exclusively("update", () -> Trainer.update(this));
    }

    /**
     * forward, backward and update on one batch at the current training position; returns its mean loss
     * before the update (L2 included). Throws a {@link TrainingDivergedException}, without updating, when
     * the loss or a gradient is not finite (see {@link Trainer#trainBatch}).
     */
    public double trainBatch(Tensor x, Tensor y) {
        return new Trainer(this, TrainOptions.defaults()).trainBatch(x, y);
    }

    /**
     * Trains for {@code options.epochs()} more epochs and returns the whole history: {@code new
     * Trainer(this, options).fit(data)} (see {@link Trainer}). Stops early after the current batch when
     * {@link #requestStop()} is called, saving a checkpoint if one is configured.
     */
    public History train(Dataset data, TrainOptions options) {
        return new Trainer(this, options).fit(data);
    }

    // ---------------------------------------------------------------- inference and metrics

    /**
     * Outputs for a batch of inputs {@code (n, inputShape...)}, computed in batches of 256; a new tensor.
     * Thread-safe (see {@link Model}). A non-finite input value is an {@link IllegalArgumentException}
     * naming the sample.
     */
    public Tensor predict(Tensor x) {
        Batches.checkBatchShape(inputShape, x);
        return predict(Dataset.of(x, Tensor.zeros(x.dim(0), 1)), 256);
    }

    /** Outputs {@code (n, outputShape...)} for every sample of {@code data}, in order. Thread-safe. */
    public Tensor predict(Dataset data, int batchSize) {
        Batches.checkInputs(inputShape, data);
        Batches.checkBatchSize(batchSize);
        return infer(inf -> inf.predict(data, batchSize, inputShape, outputShape()));
    }

    /**
     * Loss and metrics over {@code data}: a {@link ClassificationEvaluation} (accuracy, confusion matrix,
     * per-class and macro precision/recall/F1, top-k accuracy) for a classification loss, else a
     * {@link RegressionEvaluation} (RMSE, MAE in target units). Thread-safe.
     */
    public Evaluation evaluate(Dataset data, int batchSize) {
        checkData(data, "evaluation");
        Batches.checkBatchSize(batchSize);
        return infer(inf -> inf.evaluate(data, batchSize, inputShape, outputShape(), loss, head));
    }

    /**
     * The predicted class of every sample of the batch {@code x (n, inputShape...)}: the argmax of the
     * output row for a multi-class model, {@code output >= 0.5} for a single sigmoid output. Thread-safe.
     */
    public int[] predictClasses(Tensor x) {
        if (!loss.isClassification()) {
            throw new IllegalStateException("predictClasses needs a classification model; this one is trained with "
                    + loss.typeName() + " (use predict)");
        }
        return Inference.classes(predict(x), loss.task());
    }

    // ---------------------------------------------------------------- inference copies

    /** Runs {@code call} on an idle inference copy of the layers, sharing the use lock with other inference. */
    private <T> T infer(Inference.Call<T> call) {
        return use.shared(() -> inference.run(call));
    }

    /** The use lock, taken alone for {@code method}: fails at once when another thread uses the model. */
    Lock exclusive(String method) {
        return use.exclusive(method);
    }

    /**
     * A table of every layer's name, type, output shape and parameter count, and the totals; for a graph
     * network also each layer's inputs (the nodes it reads).
     */
    public String summary() {
        return Summary.of(this);
    }

    // ---------------------------------------------------------------- persistence

    /** Saves to a versioned zip (see {@link dev.cnn.nn.io.ModelIO}), atomically. */
    public void save(Path path) throws IOException {
        ModelIO.save(this, path);
    }

    /**
     * Writes the model for inference as an ONNX file (see {@link dev.cnn.nn.onnx.OnnxExport}: opset 13, NHWC input and
     * output as in {@link #predict}), atomically.
     */
    public void exportOnnx(Path path) throws IOException {
        OnnxExport.write(this, path);
    }

    /** Loads a model saved by {@link #save}. */
    public static Model load(Path path) throws IOException {
        return ModelIO.load(path);
    }

    /**
     * Imports an ONNX model (as PyTorch exports it) as a graph network taking NHWC input (see
     * {@link dev.cnn.nn.onnx.OnnxImport}: the operators and opsets it reads, and how layouts are converted).
     */
    public static Model importOnnx(Path path) throws IOException {
        return OnnxImport.read(path);
    }

    void checkData(Dataset data, String what) {
        Batches.checkData(this, data, what);
    }
}
