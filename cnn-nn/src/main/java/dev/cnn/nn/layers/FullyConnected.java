package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Gemm;
import dev.cnn.core.kernel.Workspace;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code y = x·W + b}: weights {@code W (inputSize, outputSize)}, bias {@code b (outputSize,)}. Accepts
 * {@code (batch, inputSize)} or any {@code (batch, ...)} whose sample has {@code inputSize} elements
 * (an NHWC feature map is flattened per sample, and its gradient comes back in the input's shape).
 */
public final class FullyConnected implements Layer {
    private final int outputSize;
    /** For a layer made without its input size: how {@link #build} draws the weights (null once built). */
    private final Init deferredInit;
    private int inputSize;
    private Parameter w;
    private Parameter b;
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private Tensor x;
    private float[] pack;

    /** A layer with weights from {@code init} drawn from {@code rng} and zero bias. */
    public FullyConnected(int inputSize, int outputSize, Init init, NumpyRandom rng) {
        if (inputSize < 1 || outputSize < 1) {
            throw new IllegalArgumentException("FullyConnected sizes must be >= 1, got " + inputSize + " -> " + outputSize);
        }
        this.outputSize = outputSize;
        this.deferredInit = null;
        create(inputSize, init, rng);
    }

    /**
     * A layer of {@code units} outputs whose input size is taken from the previous layer when the model is
     * built ({@link dev.cnn.nn.Model.Builder#seed} seeds the {@link Init#XAVIER} weights; the bias starts at zero).
     */
    public FullyConnected(int units) {
        this(units, Init.XAVIER);
    }

    /** As {@link #FullyConnected(int)}, with weights drawn by {@code init}. */
    public FullyConnected(int units, Init init) {
        if (units < 1) {
            throw new IllegalArgumentException("FullyConnected units must be >= 1, got " + units);
        }
        this.outputSize = units;
        this.deferredInit = init;
    }

    private void create(int in, Init init, NumpyRandom rng) {
        this.inputSize = in;
        this.w = new Parameter("W", init.create(rng, in, outputSize, in, outputSize));
        this.b = new Parameter("b", Tensor.zeros(outputSize));
    }

    /**
     * A layer with the given weights {@code (inputSize, outputSize)} and bias {@code (outputSize,)}; the
     * tensors are used as they are (not copied).
     */
    public FullyConnected(Tensor weights, Tensor bias) {
        if (weights.rank() != 2) {
            throw new IllegalArgumentException("FullyConnected weights must have shape (inputSize, outputSize), got "
                    + weights.shapeString());
        }
        this.inputSize = weights.dim(0);
        this.outputSize = weights.dim(1);
        this.deferredInit = null;
        bias.requireShape("FullyConnected bias", outputSize);
        this.w = new Parameter("W", weights);
        this.b = new Parameter("b", bias);
    }

    /** Rebuilds a layer from its {@link #config()} and its saved parameters (see {@link LayerFactory}). */
    public static FullyConnected fromConfig(ConfigView c, LayerFactory.Weights weights) throws IOException {
        int in = c.integer("inputSize", 1, 1 << 26);
        int out = c.integer("outputSize", 1, 1 << 26);
        if ((long) in * out > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(c.where() + ": " + in + " x " + out + " weights are more than one tensor holds");
        }
        return new FullyConnected(weights.get("W", in, out), weights.get("b", out));
    }

    @Override
    public String type() {
        return "FullyConnected";
    }

    @Override
    public void build(int[] inputShape, NumpyRandom rng) {
        if (w == null) {
            create(Shapes.product(inputShape), deferredInit, rng);
        }
    }

    @Override
    public long parameterCount(int[] inputShape) {
        long in = w == null ? Shapes.product(inputShape) : inputSize;
        return in * outputSize + outputSize;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (w == null) {
            return new int[] {outputSize};
        }
        if (Shapes.product(inputShape) != inputSize) {
            throw new IllegalArgumentException("FullyConnected expects " + inputSize + " features per sample but the input "
                    + "sample has shape " + Tensor.shapeText(inputShape) + " (" + Shapes.product(inputShape) + " values)");
        }
        return new int[] {outputSize};
    }

    @Override
    public Tensor forward(Tensor input) {
        requireBuilt();
        int n = input.dim(0);
        outputShape(Shapes.sample(input));
        x = input;
        Tensor y = out.get(n, outputSize);
        pack = Gemm.gemm(n, outputSize, inputSize, input.data(), 0, inputSize, 1, w.value().data(), 0, outputSize, 1,
                y.data(), 0, outputSize, b.value().data(), false, pack, true);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        int n = x.dim(0);
        dy.requireShape("FullyConnected output gradient", n, outputSize);
        float[] g = dy.data();
        // dW (in × out) = xᵀ · dy
        pack = Gemm.gemm(inputSize, outputSize, n, x.data(), 0, 1, inputSize, g, 0, outputSize, 1,
                w.grad().data(), 0, outputSize, null, false, pack, true);
        float[] db = b.grad().fill(0f).data();
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < outputSize; o++) {
                db[o] += g[i * outputSize + o];
            }
        }
        if (!needInputGradient) {
            return null;
        }
        // dx (n × in) = dy · Wᵀ
        Tensor dx = dIn.get(x.shape());
        pack = Gemm.gemm(n, inputSize, outputSize, g, 0, outputSize, 1, w.value().data(), 0, 1, outputSize,
                dx.data(), 0, inputSize, null, false, pack, true);
        return dx;
    }

    private void requireBuilt() {
        if (w == null) {
            throw new IllegalStateException("this FullyConnected(" + outputSize + ") has no weights yet: its input size "
                    + "is set when a Model.Builder builds the model that contains it");
        }
    }

    @Override
    public List<Parameter> parameters() {
        requireBuilt();
        return List.of(w, b);
    }

    @Override
    public Map<String, Object> config() {
        requireBuilt();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("inputSize", inputSize);
        c.put("outputSize", outputSize);
        return c;
    }

    @Override
    public Layer copySharingParameters() {
        requireBuilt();
        return new FullyConnected(w.value(), b.value());
    }

    /** Lends the input gradient from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
