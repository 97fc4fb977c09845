package dev.cnn.nn;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.core.internal.SplitMix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An ordered list of named layers (the architecture), a loss and an optimizer.
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
    private static final Logger LOG = LogManager.getLogger(Model.class);

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
    private final History history = new History();
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> batchBuffers = new LinkedHashMap<>();
    /** Readers: inference calls; the writer: whatever changes weights or the training buffers. */
    private final ReentrantReadWriteLock useLock = new ReentrantReadWriteLock();
    /** Idle inference copies of the layers, each used by one call at a time. */
    private final ConcurrentLinkedDeque<Inference> idleInference = new ConcurrentLinkedDeque<>();
    /** Taken by inference on the model's own layers when they cannot be copied. */
    private final ReentrantLock ownLayersInference = new ReentrantLock();
    private final OutputHead head;
    private Tensor gradBuffer;
    private Tensor lastOutput;
    /** The final layer's input in the latest {@link #forward}: the logits a fused head needs. */
    private Tensor lastLogits;
    private int epochsDone;
    private int batchesDoneInEpoch;
    private long seed;
    /** The loss a blow-up is measured against: the first batch loss of the current train call (NaN: none yet). */
    private double referenceLoss = Double.NaN;
    private double divergenceFactor = TrainOptions.DEFAULT_DIVERGENCE_FACTOR;
    private LearningRateSchedule schedule;
    /** L2 factor: {@code λ·Σ‖W‖²} added to the training loss over the trainable weight tensors named {@code W}. */
    private double l2;
    /** Largest global norm of the trainable gradients before an update (0: no clipping). */
    private double clipGlobalNorm;
    private volatile boolean stopRequested;

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
        checkFits(this.inputShape, graph, names, layers, shapes);
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
        this.trainingPass = new Graph.Pass(graph);
        this.trainableParameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Every layer's shapes and parameter count, before any weight is allocated: a network whose parameters
     * with their gradients (8 bytes each, allocated when the model is built) and one sample's activations
     * (4 bytes a value) would not fit in the heap is refused with the figures, rather than failing with an
     * OutOfMemoryError after allocating part of it.
     */
    private static void checkFits(int[] inputShape, Graph graph, List<String> names, List<Layer> layers,
                                  int[][] shapes) {
        long parameters = 0;
        long activations = 0;
        for (int i = 0; i < layers.size(); i++) {
            try {
                parameters = Math.addExact(parameters, layers.get(i).parameterCount(
                        graph.inputShapes(i, inputShape, shapes).get(0)));
                activations += Shapes.product(shapes[i]);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException("layer '" + names.get(i) + "' (" + layers.get(i).type() + "): "
                        + (e instanceof ArithmeticException ? "too many parameters" : e.getMessage()), e);
            }
        }
        long heap = Runtime.getRuntime().maxMemory();
        long need = parameters > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : 8 * parameters + 4 * activations;
        if (need > heap) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the network has %,d parameters and "
                    + "%,d activation values per sample: it needs at least %,d MB (weights, their gradients and one "
                    + "sample's activations; training adds the optimizer's state and a batch), but this JVM may use "
                    + "%,d MB (-Xmx; for the cnn command, CNN_JAVA_OPTS=-Xmx...)", parameters, activations, need >> 20,
                    heap >> 20));
        }
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

        /** {@link #add(String, Layer, String...)} with the layer frozen unless {@code trainable}: for model files. */
        Builder addNode(String name, Layer layer, List<String> in, boolean trainable) {
            add(name, layer, in.toArray(new String[0]));
            if (!trainable) {
                frozen.add(name);
            }
            return this;
        }

        private Builder node(String name, Layer layer, List<String> in) {
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("layer name '" + name + "' may only use letters, digits, '_' and '-'");
            }
            if (name.equals(Graph.INPUT)) {
                throw new IllegalArgumentException("layer name '" + Graph.INPUT + "' is reserved for the model's input");
            }
            if (names.contains(name)) {
                throw new IllegalArgumentException("duplicate layer name '" + name + "'");
            }
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
            if (!trainable) {
                frozen.add(name);
            }
            return this;
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
            for (int i = 0; i < layers.size(); i++) {
                for (int j = 0; j < i; j++) {
                    if (layers.get(i) == layers.get(j)) {
                        throw new IllegalArgumentException("layers '" + names.get(j) + "' and '" + names.get(i)
                                + "' are the same instance; a layer holds its own weights and buffers, so each needs its own");
                    }
                }
            }
            Loss l = loss;
            if (l == null && !layers.isEmpty()) {
                Layer last = layers.get(layers.size() - 1);
                l = last instanceof Activation a && a.kind() == Activation.Kind.SIGMOID ? Loss.BINARY_CROSS_ENTROPY
                        : last instanceof Activation a && a.kind() == Activation.Kind.SOFTMAX ? Loss.CATEGORICAL_CROSS_ENTROPY
                        : Loss.MEAN_SQUARED_ERROR;
                LOG.info("no loss given: using {} for a model ending in {}", l.typeName(), last.type());
            }
            if (l == null) {
                throw new IllegalArgumentException("a model needs at least one layer");
            }
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
     * convolution layers reused from another model under a new head. Saved with the model; a saved model
     * keeps optimizer state only for trainable parameters, so a layer unfrozen after loading starts its
     * optimizer state (e.g. Adam's moments) from zero.
     */
    public void setTrainable(String layerName, boolean trainable) {
        Lock lock = exclusive("setTrainable");
        try {
            layerIndex(layerName);
            if (trainable) {
                frozenLayers.remove(layerName);
            } else {
                frozenLayers.add(layerName);
            }
            Map<String, Parameter> t = new LinkedHashMap<>();
            for (int i = 0; i < layers.size(); i++) {
                if (!frozenLayers.contains(names.get(i))) {
                    for (Parameter p : layers.get(i).parameters()) {
                        t.put(names.get(i) + "." + p.name(), p);
                    }
                }
            }
            trainableParameters = Collections.unmodifiableMap(t);
        } finally {
            lock.unlock();
        }
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
        long n = 0;
        for (Parameter p : trainableParameters.values()) {
            n += p.value().size();
        }
        return Math.toIntExact(n);
    }

    /**
     * Copies the trainable parameters' values, in {@link #trainableParameters()} order, into {@code into}
     * (length {@link #flatSize()}); for sending weights between processes without allocating per step.
     */
    public void copyParametersTo(float[] into) {
        copy(into, true, true);
    }

    /** Sets the trainable parameters' values from {@code from} (as {@link #copyParametersTo} wrote them). */
    public void setParameters(float[] from) {
        Lock lock = exclusive("setParameters");
        try {
            copy(from, true, false);
        } finally {
            lock.unlock();
        }
    }

    /** Copies the trainable parameters' gradients (from the latest {@link #backward}) into {@code into}. */
    public void copyGradientsTo(float[] into) {
        copy(into, false, true);
    }

    /** Sets the trainable parameters' gradients, e.g. to gradients averaged over processes before {@link #update}. */
    public void setGradients(float[] from) {
        Lock lock = exclusive("setGradients");
        try {
            copy(from, false, false);
        } finally {
            lock.unlock();
        }
    }

    private void copy(float[] flat, boolean values, boolean out) {
        if (flat.length != flatSize()) {
            throw new IllegalArgumentException("the model has " + flatSize() + " trainable values, the array "
                    + flat.length);
        }
        int off = 0;
        for (Parameter p : trainableParameters.values()) {
            float[] a = values ? p.value().data() : p.grad().data();
            if (out) {
                System.arraycopy(a, 0, flat, off, a.length);
            } else {
                System.arraycopy(flat, off, a, 0, a.length);
            }
            off += a.length;
        }
    }

    /**
     * Records an epoch trained outside {@link #train} (e.g. distributed): appends the losses and metric to
     * the history, counts the epoch done and starts the next one at batch 0.
     */
    public void recordEpoch(double trainLoss, double validationLoss, double validationMetric) {
        Lock lock = exclusive("recordEpoch");
        try {
            history.add(trainLoss, validationLoss, validationMetric);
            epochsDone++;
            batchesDoneInEpoch = 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets where training stands — {@code epochsDone} whole epochs and {@code batchesDoneInEpoch} batches of
     * the next — without touching weights, history or optimizer state: for a replica computing gradients for
     * another model's step (its random layers then draw what that model's pass would, see
     * {@link #forward(Tensor, long)}), or to continue a run whose position was kept elsewhere.
     */
    public void setTrainingPosition(int epochsDone, int batchesDoneInEpoch) {
        if (epochsDone < 0 || batchesDoneInEpoch < 0) {
            throw new IllegalArgumentException("training position must be >= 0, got epoch " + epochsDone + ", batch "
                    + batchesDoneInEpoch);
        }
        Lock lock = exclusive("setTrainingPosition");
        try {
            this.epochsDone = epochsDone;
            this.batchesDoneInEpoch = batchesDoneInEpoch;
        } finally {
            lock.unlock();
        }
    }

    /** Records that one more batch of the current epoch was trained outside {@link #train}. */
    public void recordBatch() {
        Lock lock = exclusive("recordBatch");
        try {
            batchesDoneInEpoch++;
        } finally {
            lock.unlock();
        }
    }

    /** The layer named {@code layerName}. */
    public Layer layer(String layerName) {
        return layers.get(layerIndex(layerName));
    }

    /**
     * An independent copy of the layer {@code layerName} with its current parameters (copied, not
     * shared), rebuilt through its type's {@link LayerFactory}, to put into another model — the first step
     * of transfer learning. The layer's type must be registered in {@link ModelTypes}.
     */
    public Layer copyOfLayer(String layerName) {
        Layer l = layer(layerName);
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Parameter p : l.parameters()) {
            byName.put(p.name(), p.value());
        }
        byName.putAll(l.state());
        try {
            return ModelTypes.layer(l.type()).create(new ConfigView(l.config(), "layer '" + layerName + "'"),
                    (name, shape) -> {
                        Tensor t = byName.get(name);
                        if (t == null) {
                            throw new IllegalArgumentException("layer '" + layerName + "' has no parameter '" + name + "'");
                        }
                        t.requireShape("parameter " + layerName + "." + name, shape);
                        return t.copy();
                    });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        return history;
    }

    /** Free-form metadata saved with the model (numbers, strings, lists and maps of them). */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Epochs completed over the model's life. */
    public int epochsDone() {
        return epochsDone;
    }

    /** Batches already done in the current, unfinished epoch (0 between epochs). */
    public int batchesDoneInEpoch() {
        return batchesDoneInEpoch;
    }

    /** The learning-rate schedule {@link #train} follows (saved with the model), or null for none. */
    public LearningRateSchedule schedule() {
        return schedule;
    }

    void restoreSchedule(LearningRateSchedule s) {
        this.schedule = s;
    }

    /** The shuffle seed of the latest {@link #train} call. */
    public long seed() {
        return seed;
    }

    void restoreTrainingState(int epochs, int batches, long shuffleSeed) {
        this.epochsDone = epochs;
        this.batchesDoneInEpoch = batches;
        this.seed = shuffleSeed;
    }

    void restoreHistory(List<Double> train, List<Double> validation, List<Double> metric) {
        for (int i = 0; i < train.size(); i++) {
            history.add(train.get(i), validation.get(i), metric.get(i));
        }
    }

    /** Asks a running {@link #train} to stop after the current batch (safe to call from another thread). */
    public void requestStop() {
        stopRequested = true;
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
     * (see {@link Layer#setTraining(boolean, long, long)}). With {@link #setTrainingPosition}, this lets
     * workers that each hold a slice of a global batch compute exactly the gradient one process would.
     */
    public Tensor forward(Tensor x, long firstSample) {
        if (firstSample < 0) {
            throw new IllegalArgumentException("first sample must be >= 0, got " + firstSample);
        }
        Lock lock = exclusive("forward");
        try {
            checkBatchShape(x);
            for (int i = 0; i < layers.size(); i++) {
                layers.get(i).setTraining(true, passSeed(i), firstSample);
            }
            lastOutput = trainingPass.forward(layers, x);
            lastLogits = trainingPass.lastInput();
            return lastOutput;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The seed of layer {@code i}'s randomness in the current training pass: a mix of the shuffle seed, the
     * epoch, the batch and the layer, so a resumed run draws what the uninterrupted one drew.
     */
    private long passSeed(int i) {
        return SplitMix.mix(seed * 0x9E3779B97F4A7C15L + epochsDone * 0xBF58476D1CE4E5B9L
                + batchesDoneInEpoch * 0x94D049BB133111EBL + i + 1) & 0xFFFFFFFFL;
    }

    private void checkBatchShape(Tensor x) {
        if (x.rank() == inputShape.length && Arrays.equals(x.shape(), inputShape)) {
            throw new IllegalArgumentException("model expects a batch of samples of shape " + Tensor.shapeText(inputShape)
                    + " but got a single sample of that shape; add a batch axis: " + Tensor.shapeText(Tensor.withBatch(1, inputShape)));
        }
        int[] sample = Shapes.sample(x);
        if (!Arrays.equals(sample, inputShape)) {
            throw new IllegalArgumentException("model expects input samples of shape " + Tensor.shapeText(inputShape)
                    + " but got a batch of shape " + x.shapeString());
        }
    }

    /**
     * Back-propagates the loss of the latest {@link #forward} against targets {@code y}, setting every
     * parameter's gradient; returns the mean loss of the batch.
     */
    public double backward(Tensor y) {
        Lock lock = exclusive("backward");
        try {
            return backwardUnchecked(y);
        } finally {
            lock.unlock();
        }
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
        double value = head.loss(lastLogits, lastOutput, y);
        head.gradient(lastOutput, y, gradBuffer);
        trainingPass.backward(layers, gradBuffer, head.fused());
        return value;
    }

    /** One optimizer step from the current gradients. */
    public void update() {
        Lock lock = exclusive("update");
        try {
            step();
        } finally {
            lock.unlock();
        }
    }

    /**
     * forward, backward and update on one batch; returns its mean loss before the update. Throws a
     * {@link TrainingDivergedException}, without updating, when the loss or a gradient is not finite.
     */
    public double trainBatch(Tensor x, Tensor y) {
        Lock lock = exclusive("trainBatch");
        try {
            return trainBatch(x, y, epochsDone, batchesDoneInEpoch);
        } finally {
            lock.unlock();
        }
    }

    private double trainBatch(Tensor x, Tensor y, int epoch, int batch) {
        forward(x);
        double l = backwardUnchecked(y);
        String problem = divergence(l);
        if (problem != null) {
            throw new TrainingDivergedException(epoch, batch, l, problem);
        }
        double penalty = l2Penalty(); // of the weights the loss was computed with
        step();
        return l + penalty;
    }

    /** The L2 term of the training loss: {@code λ·Σ‖W‖²} over the trainable {@code W} tensors. */
    private double l2Penalty() {
        if (l2 == 0) {
            return 0;
        }
        double sum = 0;
        for (Map.Entry<String, Parameter> e : trainableParameters.entrySet()) {
            if (e.getValue().name().equals("W")) {
                for (float w : e.getValue().value().data()) {
                    sum += (double) w * w;
                }
            }
        }
        return l2 * sum;
    }

    /** Adds the L2 gradient, clips by global norm, and applies the optimizer to the trainable parameters. */
    private void step() {
        if (l2 > 0) {
            float twoLambda = (float) (2 * l2);
            for (Parameter p : trainableParameters.values()) {
                if (p.name().equals("W")) {
                    float[] w = p.value().data();
                    float[] g = p.grad().data();
                    for (int i = 0; i < g.length; i++) {
                        g[i] += twoLambda * w[i];
                    }
                }
            }
        }
        if (clipGlobalNorm > 0) {
            double sq = 0;
            for (Parameter p : trainableParameters.values()) {
                for (float g : p.grad().data()) {
                    sq += (double) g * g;
                }
            }
            double norm = Math.sqrt(sq);
            if (norm > clipGlobalNorm) {
                float scale = (float) (clipGlobalNorm / norm);
                for (Parameter p : trainableParameters.values()) {
                    float[] g = p.grad().data();
                    for (int i = 0; i < g.length; i++) {
                        g[i] *= scale;
                    }
                }
            }
        }
        optimizer.step(trainableParameters);
    }

    /** Why the latest batch must not be applied, or null when it may. */
    private String divergence(double batchLoss) {
        if (!Double.isFinite(batchLoss)) {
            return "the loss is " + batchLoss;
        }
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            float[] g = e.getValue().grad().data();
            if (!Tensor.allFinite(g)) {
                for (int i = 0; i < g.length; i++) {
                    if (!Float.isFinite(g[i])) {
                        return "the gradient of " + e.getKey() + " is " + g[i] + " at element " + i + " (loss " + batchLoss + ")";
                    }
                }
            }
        }
        if (Double.isNaN(referenceLoss)) {
            referenceLoss = batchLoss;
        } else if (batchLoss > divergenceFactor * Math.max(1.0, referenceLoss)) {
            return String.format("the loss %.4g is more than %.0g times the first batch's %.4g", batchLoss,
                    divergenceFactor, referenceLoss);
        }
        return null;
    }

    // ---------------------------------------------------------------- epochs

    /**
     * Trains one epoch (number {@link #epochsDone()}), starting at batch {@link #batchesDoneInEpoch()};
     * returns the mean training loss over the samples it saw, NaN if it saw none. A sample with a
     * non-finite input or target is an {@link IllegalArgumentException} naming it; a diverging batch a
     * {@link TrainingDivergedException} (see {@link Model}).
     */
    public double trainEpoch(Dataset data, int batchSize, boolean shuffle, long shuffleSeed, TrainingListener listener) {
        Lock lock = exclusive("trainEpoch");
        try {
            checkData(data, "training");
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            int n = data.size();
            int batches = batchCount(n, batchSize);
            int[] order = Dataset.epochOrder(n, shuffle, shuffleSeed, epochsDone);
            data.beginEpoch(epochsDone);
            TrainingListener l = listener != null ? listener : new TrainingListener() { };
            double sum = 0;
            int seen = 0;
            for (int b = batchesDoneInEpoch; b < batches && !stopRequested; b++) {
                int from = (int) Math.min(n, (long) b * batchSize);
                int to = (int) Math.min(n, (long) from + batchSize);
                Tensor[] xy = batch(data, order, from, to);
                checkFinite(xy, order, from, "training");
                double batchLoss = trainBatch(xy[0], xy[1], epochsDone, b);
                sum += batchLoss * (to - from);
                seen += to - from;
                batchesDoneInEpoch = b + 1;
                l.onBatchEnd(epochsDone, b, batches, to - from, batchLoss);
            }
            if (batchesDoneInEpoch >= batches) {
                epochsDone++;
                batchesDoneInEpoch = 0;
            }
            return seen == 0 ? Double.NaN : sum / seen;
        } finally {
            lock.unlock();
        }
    }

    /** Number of batches of at most {@code batchSize} samples that cover {@code n} samples. */
    static int batchCount(int n, int batchSize) {
        return (int) ((n + (long) batchSize - 1) / batchSize);
    }

    /** Mean loss over a whole dataset, evaluated in batches (no training). */
    public double computeLoss(Dataset data, int batchSize) {
        return evaluate(data, batchSize).loss();
    }

    /**
     * Trains for {@code options.epochs()} more epochs and returns the whole history. Stops early after
     * the current batch when {@link #requestStop()} is called, saving a checkpoint if one is configured.
     */
    public History train(Dataset data, TrainOptions options) {
        Lock lock = exclusive("train");
        try {
            return trainLocked(data, options);
        } finally {
            lock.unlock();
        }
    }

    private History trainLocked(Dataset data, TrainOptions options) {
        checkData(data, "training");
        if (options.validation() != null) {
            checkData(options.validation(), "validation");
        }
        if ((long) epochsDone + options.epochs() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot train " + options.epochs() + " more epochs: the model has done "
                    + epochsDone + " and the count would overflow");
        }
        stopRequested = false;
        seed = options.seed();
        referenceLoss = Double.NaN;
        divergenceFactor = options.divergenceFactor();
        if (options.schedule() != null) {
            schedule = options.schedule();
        }
        TrainingListener l = options.listener() != null ? options.listener() : new TrainingListener() { };
        int batches = batchCount(data.size(), options.batchSize());
        long stepsAtStart = optimizer.steps();
        int target = epochsDone + options.epochs(); // finishing an interrupted epoch counts as one
        EarlyStopping early = options.earlyStopping();
        if (early != null && early.monitor() != EarlyStopping.Monitor.TRAINING_LOSS && options.validation() == null) {
            throw new IllegalArgumentException("early stopping on " + early.monitor() + " needs validation data "
                    + "(TrainOptions.withValidation)");
        }
        boolean higherIsBetter = early != null && early.monitor() == EarlyStopping.Monitor.VALIDATION_METRIC
                && loss.isClassification();
        double best = Double.NaN;
        int bestEpoch = -1;
        int wait = 0;
        Map<String, float[]> bestWeights = null;
        while (epochsDone < target && !stopRequested) {
            int epoch = epochsDone;
            long start = System.nanoTime();
            if (schedule != null) {
                optimizer.setLearningRate(schedule.rate(epoch));
            }
            l.onEpochStart(epoch, batches);
            double trainLoss = trainEpoch(data, options.batchSize(), options.shuffle(), options.seed(), l);
            if (stopRequested && batchesDoneInEpoch > 0) {
                LOG.info("training stopped during epoch {} after batch {} of {}", epoch + 1, batchesDoneInEpoch, batches);
                break;
            }
            double valLoss = Double.NaN;
            double valMetric = Double.NaN;
            if (options.validation() != null) {
                Evaluation e = evaluate(options.validation(), Math.max(options.batchSize(), 256));
                valLoss = e.loss();
                valMetric = e.metric();
            }
            history.add(trainLoss, valLoss, valMetric);
            if (options.verbose() && options.validation() != null) {
                LOG.info("epoch {}: train loss {}, validation loss {}, validation {} {} ({} ms)", epoch + 1,
                        String.format("%.6f", trainLoss), String.format("%.6f", valLoss),
                        loss.isClassification() ? "accuracy" : "rmse", String.format("%.6f", valMetric),
                        (System.nanoTime() - start) / 1_000_000);
            } else if (options.verbose()) {
                LOG.info("epoch {}: train loss {} ({} ms)", epoch + 1, String.format("%.6f", trainLoss),
                        (System.nanoTime() - start) / 1_000_000);
            }
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
            if (options.checkpoint() != null && options.checkpointEvery() > 0
                    && (epochsDone % options.checkpointEvery() == 0 || stopEarly)) {
                saveCheckpoint(options.checkpoint());
            }
            if (stopEarly) {
                break;
            }
        }
        if (stopRequested && options.checkpoint() != null && optimizer.steps() > stepsAtStart) {
            saveCheckpoint(options.checkpoint()); // never replace a file with a model this call did not train
        }
        return history;
    }

    /** Copies of every parameter and every layer's state, by name. */
    private Map<String, float[]> snapshot() {
        Map<String, float[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            copy.put(e.getKey(), e.getValue().value().data().clone());
        }
        for (int i = 0; i < layers.size(); i++) {
            for (Map.Entry<String, Tensor> e : layers.get(i).state().entrySet()) {
                copy.put(names.get(i) + "#" + e.getKey(), e.getValue().data().clone());
            }
        }
        return copy;
    }

    private void restore(Map<String, float[]> snapshot) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            float[] v = snapshot.get(e.getKey());
            System.arraycopy(v, 0, e.getValue().value().data(), 0, v.length);
        }
        for (int i = 0; i < layers.size(); i++) {
            for (Map.Entry<String, Tensor> e : layers.get(i).state().entrySet()) {
                float[] v = snapshot.get(names.get(i) + "#" + e.getKey());
                System.arraycopy(v, 0, e.getValue().data(), 0, v.length);
            }
        }
    }

    private void saveCheckpoint(Path path) {
        try {
            save(path);
            LOG.info("checkpoint saved to {} (epoch {}, batch {})", path, epochsDone, batchesDoneInEpoch);
        } catch (IOException e) {
            throw new UncheckedIOException("could not save checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- inference and metrics

    /**
     * Outputs for a batch of inputs {@code (n, inputShape...)}, computed in batches of 256; a new tensor.
     * Thread-safe (see {@link Model}). A non-finite input value is an {@link IllegalArgumentException}
     * naming the sample.
     */
    public Tensor predict(Tensor x) {
        checkBatchShape(x);
        return predict(Dataset.of(x, Tensor.zeros(x.dim(0), 1)), 256);
    }

    /** Outputs {@code (n, outputShape...)} for every sample of {@code data}, in order. Thread-safe. */
    public Tensor predict(Dataset data, int batchSize) {
        checkInputs(data);
        checkBatchSize(batchSize);
        return infer(inf -> {
            int n = data.size();
            int[] outShape = outputShape();
            int outLen = Shapes.product(outShape);
            Tensor result = Tensor.zeros(Tensor.withBatch(n, outShape));
            int[] order = Dataset.epochOrder(n, false, 0, 0);
            for (int from = 0; from < n; from += batchSize) {
                int to = (int) Math.min(n, (long) from + batchSize);
                Tensor xb = inf.buffer("x", Tensor.withBatch(to - from, inputShape));
                data.fill(order, from, to, xb.data(), null);
                checkFinite(new Tensor[] {xb, null}, order, from, "input");
                Tensor out = checkOutput(inf.forward(xb), order, from);
                System.arraycopy(out.data(), 0, result.data(), from * outLen, out.size());
            }
            return result;
        });
    }

    /**
     * Loss and metrics over {@code data}: a {@link ClassificationEvaluation} (accuracy, confusion matrix,
     * per-class and macro precision/recall/F1, top-k accuracy) for a classification loss, else a
     * {@link RegressionEvaluation} (RMSE, MAE in target units). Thread-safe.
     */
    public Evaluation evaluate(Dataset data, int batchSize) {
        checkData(data, "evaluation");
        checkBatchSize(batchSize);
        return infer(inf -> evaluate(inf, data, batchSize));
    }

    private Evaluation evaluate(Inference inf, Dataset data, int batchSize) {
        int n = data.size();
        int[] order = Dataset.epochOrder(n, false, 0, 0);
        int[] outShape = outputShape();
        Loss.Task task = loss.task();
        int classes = task == Loss.Task.BINARY_CLASSIFICATION ? 2 : Shapes.product(outShape);
        long[][] confusion = new long[classes][classes];
        long[] ranks = new long[classes];
        double lossSum = 0;
        double sq = 0;
        double abs = 0;
        for (int from = 0; from < n; from += batchSize) {
            int to = (int) Math.min(n, (long) from + batchSize);
            Tensor xb = inf.buffer("x", Tensor.withBatch(to - from, inputShape));
            Tensor yb = inf.buffer("y", Tensor.withBatch(to - from, data.targetShape()));
            data.fill(order, from, to, xb.data(), yb.data());
            checkFinite(new Tensor[] {xb, yb}, order, from, "evaluation");
            Tensor out = checkOutput(inf.forward(xb), order, from);
            double batchLoss = head.loss(inf.logits, out, yb);
            lossSum += batchLoss * (to - from);
            float[] p = out.data();
            float[] t = yb.data();
            switch (task) {
                case BINARY_CLASSIFICATION -> {
                    for (int i = 0; i < p.length; i++) {
                        int actual = t[i] >= 0.5f ? 1 : 0;
                        int predicted = p[i] >= 0.5f ? 1 : 0;
                        confusion[actual][predicted]++;
                        ranks[actual == predicted ? 0 : 1]++;
                    }
                }
                case CLASSIFICATION -> {
                    for (int r = 0; r < p.length; r += classes) {
                        int actual = Tensor.argmax(t, r, classes);
                        confusion[actual][Tensor.argmax(p, r, classes)]++;
                        ranks[rank(p, r, classes, actual)]++;
                    }
                }
                default -> {
                    for (int i = 0; i < p.length; i++) {
                        double d = (double) p[i] - t[i];
                        sq += d * d;
                        abs += Math.abs(d);
                    }
                }
            }
        }
        if (task == Loss.Task.REGRESSION) {
            return new RegressionEvaluation(n, lossSum / n, (long) n * Shapes.product(outShape), sq, abs);
        }
        return new ClassificationEvaluation(n, lossSum / n, confusion, ranks);
    }

    /** How many classes score above class {@code c} in the row at {@code r} (ties: lower index first, as argmax). */
    private static int rank(float[] scores, int r, int classes, int c) {
        int above = 0;
        float v = scores[r + c];
        for (int j = 0; j < classes; j++) {
            float s = scores[r + j];
            if (s > v || (s == v && j < c)) {
                above++;
            }
        }
        return above;
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
        Tensor out = predict(x);
        int n = out.dim(0);
        int per = out.size() / Math.max(1, n);
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            if (per == 1) {
                classes[i] = out.data()[i] >= 0.5f ? 1 : 0;
            } else if (loss.task() == Loss.Task.BINARY_CLASSIFICATION) {
                throw new IllegalStateException("predictClasses: a sigmoid model with " + per + " outputs per sample is "
                        + "multi-label; threshold predict's probabilities at 0.5 instead");
            } else {
                classes[i] = Tensor.argmax(out.data(), i * per, per);
            }
        }
        return classes;
    }

    // ---------------------------------------------------------------- inference copies

    /** Layers for one inference call at a time, and that call's batch buffers. */
    private static final class Inference {
        final List<Layer> layers;
        final Graph.Pass pass;
        final Map<String, Tensor> buffers = new LinkedHashMap<>();
        /** The final layer's input in the latest forward. */
        Tensor logits;

        Inference(List<Layer> layers, Graph graph) {
            this.layers = layers;
            this.pass = new Graph.Pass(graph);
            for (Layer l : layers) {
                l.setTraining(false, 0);
            }
        }

        Tensor forward(Tensor x) {
            Tensor y = pass.forward(layers, x);
            logits = pass.lastInput();
            return y;
        }

        Tensor buffer(String key, int[] shape) {
            return reusable(buffers, key, shape);
        }
    }

    private interface InferenceCall<T> {
        T run(Inference inference);
    }

    /** Runs {@code call} on an idle inference copy of the layers (made when none is idle). */
    private <T> T infer(InferenceCall<T> call) {
        Lock read = useLock.readLock();
        if (!read.tryLock()) {
            throw new IllegalStateException("cannot predict or evaluate while another thread trains this model; "
                    + "wait until train returns, or use a separate model (Model.load of a saved file)");
        }
        try {
            Inference inf = idleInference.poll();
            if (inf == null) {
                inf = newInference();
            }
            if (inf == null) { // a layer that cannot be copied: the model's own layers, one call at a time
                ownLayersInference.lock();
                try {
                    return call.run(new Inference(layers, graph));
                } finally {
                    ownLayersInference.unlock();
                }
            }
            try {
                return call.run(inf);
            } finally {
                idleInference.push(inf);
            }
        } finally {
            read.unlock();
        }
    }

    private Inference newInference() {
        List<Layer> copies = new ArrayList<>(layers.size());
        for (Layer l : layers) {
            Layer c = l.copySharingParameters();
            if (c == null) {
                return null;
            }
            copies.add(c);
        }
        return new Inference(copies, graph);
    }

    private Lock exclusive(String method) {
        Lock write = useLock.writeLock();
        if (!write.tryLock()) {
            throw new IllegalStateException("Model." + method + " needs the model to itself, but another thread is using "
                    + "it: training (and forward, backward, update) must not overlap with any other call on the same "
                    + "model; predict and evaluate may run concurrently with each other");
        }
        return write;
    }

    /**
     * A table of every layer's name, type, output shape and parameter count, and the totals; for a graph
     * network also each layer's inputs (the nodes it reads).
     */
    public String summary() {
        boolean chain = graph.isChain();
        int width = 14;
        for (String n : names) {
            width = Math.max(width, n.length() + 1);
        }
        String fmt = "%-" + width + "s %-22s %-16s %12s" + (chain ? "%s" : "  %s") + "%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(fmt, "layer", "type", "output shape", "parameters", chain ? "" : "inputs"));
        int rule = width + 54 + (chain ? 0 : 8);
        sb.append("-".repeat(rule)).append('\n');
        sb.append(String.format(fmt, "input", "", Tensor.shapeText(inputShape), "", ""));
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long count = 0;
            for (Parameter p : l.parameters()) {
                count += p.value().size();
            }
            sb.append(String.format(fmt, names.get(i), l.type(), Tensor.shapeText(shapes[i]), count,
                    chain ? "" : String.join(", ", graph.inputNames(i))));
        }
        sb.append("-".repeat(rule)).append('\n');
        sb.append(String.format("total parameters: %d%nloss: %s, optimizer: %s %s%n", parameterCount(), loss.typeName(),
                optimizer.type(), optimizer.config()));
        return sb.toString();
    }

    // ---------------------------------------------------------------- persistence

    /** Saves to a versioned zip (see {@link ModelIO}), atomically. */
    public void save(Path path) throws IOException {
        ModelIO.save(this, path);
    }

    /**
     * Writes the model for inference as an ONNX file (see {@link OnnxExport}: opset 13, NHWC input and
     * output as in {@link #predict}), atomically.
     */
    public void exportOnnx(Path path) throws IOException {
        OnnxExport.write(this, path);
    }

    /** Loads a model saved by {@link #save}. */
    public static Model load(Path path) throws IOException {
        return ModelIO.load(path);
    }

    // ---------------------------------------------------------------- helpers

    private Tensor[] batch(Dataset data, int[] order, int from, int to) {
        Tensor xb = buffer("x", Tensor.withBatch(to - from, inputShape));
        Tensor yb = buffer("y", Tensor.withBatch(to - from, data.targetShape()));
        data.fill(order, from, to, xb.data(), yb.data());
        return new Tensor[] {xb, yb};
    }

    private Tensor buffer(String key, int[] shape) {
        return reusable(batchBuffers, key, shape);
    }

    /**
     * The tensor of {@code shape} kept in {@code buffers} under {@code key}, made when missing; a few shapes
     * are kept (a run's full and last partial batch), so steady-state batches allocate nothing.
     */
    private static Tensor reusable(Map<String, Tensor> buffers, String key, int[] shape) {
        String k = key + Arrays.toString(shape);
        Tensor t = buffers.get(k);
        if (t == null) {
            if (buffers.size() > 8) {
                buffers.clear();
            }
            t = Tensor.zeros(shape);
            buffers.put(k, t);
        }
        return t;
    }

    /**
     * Fails naming the sample (its index in the dataset) when a batch holds a NaN or infinite input
     * ({@code xy[0]}) or target ({@code xy[1]}, may be null).
     */
    private static void checkFinite(Tensor[] xy, int[] order, int from, String what) {
        for (int k = 0; k < 2; k++) {
            if (xy[k] == null) {
                continue;
            }
            float[] v = xy[k].data();
            if (Tensor.allFinite(v)) {
                continue;
            }
            int per = v.length / xy[k].dim(0);
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException(what + " sample " + order[from + i / per] + " has a non-finite "
                            + (k == 0 ? "input" : "target") + " value (" + v[i] + " at element " + i % per + " of " + per
                            + "); the data must be cleaned, it is not a learning-rate problem");
                }
            }
        }
    }

    /**
     * {@code out}, unless a finite input gave a NaN or infinite output (an overflow inside the network):
     * then an {@link IllegalStateException} naming the sample, never a wrong number.
     */
    private static Tensor checkOutput(Tensor out, int[] order, int from) {
        float[] v = out.data();
        if (!Tensor.allFinite(v)) {
            int per = v.length / out.dim(0);
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalStateException("the model's output for sample " + order[from + i / per] + " is "
                            + v[i] + " (an overflow inside the network: its weights are far too large)");
                }
            }
        }
        return out;
    }

    private static void checkBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
    }

    private void checkInputs(Dataset data) {
        if (!Arrays.equals(data.sampleShape(), inputShape)) {
            throw new IllegalArgumentException("model expects samples of shape " + Tensor.shapeText(inputShape)
                    + " but the data has samples of shape " + Tensor.shapeText(data.sampleShape()));
        }
    }

    private void checkData(Dataset data, String what) {
        checkInputs(data);
        int[] out = outputShape();
        if (!Arrays.equals(data.targetShape(), out)) {
            throw new IllegalArgumentException("model outputs " + Tensor.shapeText(out) + " per sample but the " + what
                    + " targets have shape " + Tensor.shapeText(data.targetShape()));
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("the " + what + " data is empty");
        }
    }
}
