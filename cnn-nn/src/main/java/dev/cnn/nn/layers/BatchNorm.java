package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.internal.Parallel;
import dev.cnn.core.kernel.Backend;
import dev.cnn.core.kernel.BatchNormKernel;
import dev.cnn.core.kernel.Workspace;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation over the last axis (the channels of an NHWC map, or the features of a flat input),
 * as Keras's {@code BatchNormalization} with its defaults: in training every channel is normalised with
 * the batch's mean and (biased) variance over all other axes, {@code y = gamma·(x - mean)/sqrt(var + epsilon)
 * + beta}, and the moving statistics follow {@code moving = momentum·moving + (1 - momentum)·batch}; in
 * inference the moving statistics are used. Parameters {@code gamma} (starts at 1) and {@code beta} (0),
 * each {@code (channels,)}; state {@code movingMean} (0) and {@code movingVariance} (1), saved with the
 * model. Defaults: momentum 0.99, epsilon 1e-3. Statistics come from one pass: blocks of 32 rows summed
 * in float, blocks in double, rows split over the kernel threads with partial sums added in a fixed order
 * (results depend only on the thread count); the elementwise passes run in float. The passes are
 * {@link BatchNormKernel}'s (on the Vector API when it is in use, bit-identical to plain Java). {@link #backward}
 * follows the mode of the latest forward (in inference mode the statistics are constants).
 */
public final class BatchNorm implements Layer {
    /** Keras's default momentum of the moving statistics. */
    public static final double DEFAULT_MOMENTUM = 0.99;
    /** Keras's default epsilon. */
    public static final double DEFAULT_EPSILON = 1e-3;
    private final double momentum;
    private final double epsilon;
    private int channels;
    private Parameter gamma;
    private Parameter beta;
    private Tensor movingMean;
    private Tensor movingVariance;
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private boolean training = true;
    /**
     * The latest forward: its input (read again by backward, which recomputes x̂ = (x − shift)·scale rather
     * than keeping a copy the size of the activations), and per channel the shift, scale and 1/sqrt(var + eps).
     */
    private Tensor x;
    private float[] shift;
    private float[] scale;
    private double[] invStd;
    private Workspace workspace;
    private int[] inputShape;
    private boolean forwardWasTraining;

    /** A layer with the defaults, its channel count taken from the previous layer when the model is built. */
    public BatchNorm() {
        this(DEFAULT_MOMENTUM, DEFAULT_EPSILON);
    }

    /** As {@link #BatchNorm()} with {@code momentum} in [0, 1) and {@code epsilon} > 0. */
    public BatchNorm(double momentum, double epsilon) {
        if (!(momentum >= 0 && momentum < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("BatchNorm needs 0 <= momentum < 1 and epsilon > 0, got momentum="
                    + momentum + " epsilon=" + epsilon);
        }
        this.momentum = momentum;
        this.epsilon = epsilon;
    }

    /**
     * A layer with the given {@code (channels,)} tensors (used as they are, not copied): scale, shift,
     * moving mean and moving variance (>= 0).
     */
    public BatchNorm(Tensor gamma, Tensor beta, Tensor movingMean, Tensor movingVariance, double momentum,
                     double epsilon) {
        this(momentum, epsilon);
        int c = gamma.size();
        gamma.requireShape("BatchNorm gamma", c);
        beta.requireShape("BatchNorm beta", c);
        movingMean.requireShape("BatchNorm movingMean", c);
        movingVariance.requireShape("BatchNorm movingVariance", c);
        for (float v : movingVariance.data()) {
            if (!(v >= 0)) {
                throw new IllegalArgumentException("BatchNorm moving variance must be >= 0, got " + v);
            }
        }
        this.channels = c;
        this.gamma = new Parameter("gamma", gamma);
        this.beta = new Parameter("beta", beta);
        this.movingMean = movingMean;
        this.movingVariance = movingVariance;
    }

    /** Rebuilds a layer from its {@link #config()} and its saved parameters and moving statistics. */
    public static BatchNorm fromConfig(ConfigView c, LayerFactory.Weights weights) throws IOException {
        int ch = c.integer("channels", 1, 1 << 24);
        double m = c.number("momentum");
        double e = c.number("epsilon");
        try {
            return new BatchNorm(weights.get("gamma", ch), weights.get("beta", ch), weights.get("movingMean", ch),
                    weights.get("movingVariance", ch), m, e);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(c.where() + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public String type() {
        return "BatchNorm";
    }

    @Override
    public void build(int[] inputShape, NumpyRandom rng) {
        if (gamma == null) {
            channels = inputShape[inputShape.length - 1];
            gamma = new Parameter("gamma", Tensor.full(1f, channels));
            beta = new Parameter("beta", Tensor.zeros(channels));
            movingMean = Tensor.zeros(channels);
            movingVariance = Tensor.full(1f, channels);
        }
    }

    @Override
    public long parameterCount(int[] inputShape) {
        return 4L * (gamma == null ? inputShape[inputShape.length - 1] : channels); // gamma, beta, moving mean, variance
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (gamma != null && inputShape[inputShape.length - 1] != channels) {
            throw new IllegalArgumentException("BatchNorm has " + channels + " channels but the input sample has shape "
                    + Tensor.shapeText(inputShape) + " (channels last)");
        }
        return inputShape.clone();
    }

    @Override
    public void setTraining(boolean training, long seed) {
        this.training = training;
    }

    /** Rows per parallel task: the elementwise passes are cheap, so only large batches are split. */
    private static final int ROWS_PER_TASK = 2048;

    @Override
    public Tensor forward(Tensor x) {
        requireBuilt();
        outputShape(Shapes.sample(x));
        float[] a = x.data();
        int c = channels;
        int rows = a.length / c;
        Tensor y = out.get(x.shape());
        float[] o = y.data();
        float[] g = gamma.value().data();
        float[] b = beta.value().data();
        inputShape = x.shape();
        forwardWasTraining = training;
        this.x = x;
        invStd = new double[c];
        shift = new float[c]; // x̂ = (x − shift)·scale
        scale = new float[c];
        float[] shift = this.shift;
        float[] scale = this.scale;
        if (!training) {
            float[] mm = movingMean.data();
            float[] mv = movingVariance.data();
            for (int j = 0; j < c; j++) {
                invStd[j] = 1 / Math.sqrt(mv[j] + epsilon);
                shift[j] = mm[j];
                scale[j] = (float) invStd[j];
            }
        } else {
            // one pass over (x − x₀), x₀ the first row (a shift that keeps the variance free of cancellation)
            float[] first = java.util.Arrays.copyOf(a, c);
            double[][] sums = pairSums(a, first, null, rows, c);
            float[] mm = movingMean.data();
            float[] mv = movingVariance.data();
            for (int j = 0; j < c; j++) {
                double m1 = sums[0][j] / rows;
                double mean = first[j] + m1;
                double var = Math.max(0, sums[1][j] / rows - m1 * m1);
                invStd[j] = 1 / Math.sqrt(var + epsilon);
                shift[j] = (float) mean;
                scale[j] = (float) invStd[j];
                mm[j] = (float) (momentum * mm[j] + (1 - momentum) * mean);
                mv[j] = (float) (momentum * mv[j] + (1 - momentum) * var);
            }
        }
        Backend backend = Backend.current();
        Parallel.forRange(rows, ROWS_PER_TASK, 1,
                (chunk, lo, hi) -> BatchNormKernel.normalize(backend, a, lo, hi, c, shift, scale, g, b, null, o));
        return y;
    }

    /**
     * Per channel, {@code [0][j] = Σ (a − shift)} and {@code [1][j] = Σ (a − shift)·w} over the rows ({@code w}
     * null: {@code (a − shift)²}; {@code shift} null: 0), by {@link BatchNormKernel#sums}: blocks of 32 rows
     * summed in float, blocks added in double; rows are split over the kernel threads and the chunks added in
     * chunk order, so the sums depend only on the thread count.
     */
    private static double[][] pairSums(float[] a, float[] shift, float[] w, int rows, int c) {
        int chunks = Math.max(1, Parallel.chunks(rows, ROWS_PER_TASK));
        double[][][] partial = new double[chunks][2][c];
        float[] s = shift != null ? shift : new float[c];
        Backend backend = Backend.current();
        Parallel.forRange(rows, ROWS_PER_TASK, 1, (chunk, lo, hi) ->
                BatchNormKernel.sums(backend, a, s, w, lo, hi, c, partial[chunk][0], partial[chunk][1]));
        for (int k = 1; k < chunks; k++) {
            for (int j = 0; j < c; j++) {
                partial[0][0][j] += partial[k][0][j];
                partial[0][1][j] += partial[k][1][j];
            }
        }
        return partial[0];
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        dy.requireShape("BatchNorm output gradient", inputShape);
        float[] d = dy.data();
        int c = channels;
        int rows = d.length / c;
        float[] g = gamma.value().data();
        // x̂ recomputed into the tensor that then receives the input gradient (written over x̂ in place)
        Tensor dx = needInputGradient ? dIn.get(inputShape)
                : workspace != null ? workspace.lend(inputShape) : Tensor.zeros(inputShape);
        float[] h = dx.data();
        float[] a = x.data();
        Backend backend = Backend.current();
        Parallel.forRange(rows, ROWS_PER_TASK, 1,
                (chunk, lo, hi) -> BatchNormKernel.standardize(backend, a, lo, hi, c, shift, scale, h));
        double[][] sums = pairSums(d, null, h, rows, c);
        double[] sumDy = sums[0];
        double[] sumDyXhat = sums[1];
        float[] dg = gamma.grad().data();
        float[] db = beta.grad().data();
        for (int j = 0; j < c; j++) {
            dg[j] = (float) sumDyXhat[j];
            db[j] = (float) sumDy[j];
        }
        if (!needInputGradient) {
            if (workspace != null) {
                workspace.giveBack(dx);
            }
            return null;
        }
        // dx = A·dy − B − C·x̂ per channel: in inference mode (constant statistics) A = gamma·invStd and B = C = 0;
        // in training mode the batch statistics depend on x: B = A·Σdy/m, C = A·Σ(dy·x̂)/m
        float[] coefA = new float[c];
        float[] coefB = new float[c];
        float[] coefC = new float[c];
        for (int j = 0; j < c; j++) {
            double aj = g[j] * invStd[j];
            coefA[j] = (float) aj;
            if (forwardWasTraining) {
                coefB[j] = (float) (aj * sumDy[j] / rows);
                coefC[j] = (float) (aj * sumDyXhat[j] / rows);
            }
        }
        Parallel.forRange(rows, ROWS_PER_TASK, 1,
                (chunk, lo, hi) -> BatchNormKernel.inputGradient(backend, d, h, lo, hi, c, coefA, coefB, coefC, h));
        return dx;
    }

    private void requireBuilt() {
        if (gamma == null) {
            throw new IllegalStateException("this BatchNorm has no parameters yet: its channel count is set when a "
                    + "Model.Builder builds the model that contains it");
        }
    }

    @Override
    public List<Parameter> parameters() {
        requireBuilt();
        return List.of(gamma, beta);
    }

    @Override
    public Map<String, Tensor> state() {
        requireBuilt();
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("movingMean", movingMean);
        s.put("movingVariance", movingVariance);
        return s;
    }

    @Override
    public Map<String, Object> config() {
        requireBuilt();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("channels", channels);
        c.put("momentum", momentum);
        c.put("epsilon", epsilon);
        return c;
    }

    @Override
    public Layer copySharingParameters() {
        requireBuilt();
        return new BatchNorm(gamma.value(), beta.value(), movingMean, movingVariance, momentum, epsilon);
    }

    /** Lends the input gradient (and, when none is needed, the recomputed x̂; in inference the output) from {@code ws}. */
    @Override
    public void setWorkspace(Workspace ws) {
        workspace = ws;
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
