package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.ConvGeometry;
import dev.cnn.core.kernel.ConvKernel;
import dev.cnn.core.kernel.GroupedConv;
import dev.cnn.core.kernel.Workspace;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 2-D convolution on NHWC input {@code (batch, h, w, inChannels)}: weights
 * {@code W (kh, kw, inChannels / groups, filters)}, bias {@code b (1, 1, 1, filters)}, per-axis stride and
 * symmetric zero padding. Runs on {@link ConvKernel}; with {@code groups > 1} (ResNeXt, PyTorch's
 * {@code groups}) the channels split into that many equal runs, filter run {@code k} reading input run
 * {@code k} alone, on {@link GroupedConv}. For one filter set per input channel see {@link DepthwiseConv2D}.
 */
public final class Conv2D implements Layer {
    private final int filters;
    private final int kh;
    private final int kw;
    private final int strideH;
    private final int strideW;
    private final int padH;
    private final int padW;
    private final int groups;
    /** For a layer made without its input channels: how {@link #build} draws the weights (null once built). */
    private final Init deferredInit;
    private int inChannels;
    private Parameter w;
    private Parameter b;
    private Workspace workspace = new Workspace();
    private ConvKernel kernel = new ConvKernel(workspace);
    private GroupedConv grouped;
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private Tensor x;
    private ConvGeometry geometry;

    /** Square kernel, same stride and named padding on both axes. */
    public Conv2D(int inChannels, int filters, int kernel, int stride, Padding padding, Init init, NumpyRandom rng) {
        this(inChannels, filters, kernel, kernel, stride, stride, padding.forKernel(kernel), padding.forKernel(kernel),
                init, rng);
    }

    /** Full form: kernel {@code kh x kw}, stride and padding per axis. */
    public Conv2D(int inChannels, int filters, int kh, int kw, int strideH, int strideW, int padH, int padW,
                  Init init, NumpyRandom rng) {
        this(filters, kh, kw, strideH, strideW, padH, padW, 1, null);
        if (inChannels < 1) {
            throw new IllegalArgumentException("Conv2D needs positive input channels, got " + inChannels);
        }
        create(inChannels, init, rng);
    }

    /**
     * {@code filters} square {@code kernel x kernel} filters, stride 1, no padding ({@link Padding#VALID}, as
     * Keras), {@link Init#HE} weights; the input channels are taken from the previous layer when the model
     * is built ({@link dev.cnn.nn.Model.Builder#seed} seeds the weights).
     */
    public Conv2D(int filters, int kernel) {
        this(filters, kernel, 1, Padding.VALID, Init.HE);
    }

    /** As {@link #Conv2D(int, int)} with the stride, padding and initialiser given. */
    public Conv2D(int filters, int kernel, int stride, Padding padding, Init init) {
        if (filters < 1 || kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("Conv2D needs positive filters, kernel and stride, got filters=" + filters
                    + " kernel=" + kernel + " stride=" + stride);
        }
        this.filters = filters;
        this.kh = kernel;
        this.kw = kernel;
        this.strideH = stride;
        this.strideW = stride;
        this.padH = padding.forKernel(kernel);
        this.padW = padH;
        this.groups = 1;
        this.deferredInit = init;
    }

    /**
     * {@code filters} filters of {@code kh x kw}, stride and symmetric zero padding per axis, weights from
     * {@code init}; the input channels are taken from the previous layer when the model is built (e.g.
     * ResNet's 7x7 stride-2 stem, {@code new Conv2D(64, 7, 7, 2, 2, 3, 3, Init.HE)}).
     */
    public Conv2D(int filters, int kh, int kw, int strideH, int strideW, int padH, int padW, Init init) {
        this(filters, kh, kw, strideH, strideW, padH, padW, 1, init);
    }

    /**
     * As {@link #Conv2D(int, int, int, int, int, int, int, Init)} in {@code groups} groups: the input channels
     * (taken from the previous layer) and {@code filters} must both divide by it.
     */
    public Conv2D(int filters, int kh, int kw, int strideH, int strideW, int padH, int padW, int groups, Init init) {
        if (filters < 1 || kh < 1 || kw < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0 || groups < 1
                || filters % groups != 0) {
            throw new IllegalArgumentException("Conv2D needs positive filters, kernel, stride and groups (dividing the "
                    + "filters) and non-negative padding, got filters=" + filters + " kernel=" + kh + "x" + kw
                    + " stride=" + strideH + "x" + strideW + " pad=" + padH + "x" + padW + " groups=" + groups);
        }
        this.groups = groups;
        this.filters = filters;
        this.kh = kh;
        this.kw = kw;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padH = padH;
        this.padW = padW;
        this.deferredInit = init;
    }

    private void create(int in, Init init, NumpyRandom rng) {
        if (in % groups != 0) {
            throw new IllegalArgumentException("Conv2D in " + groups + " groups needs input channels divisible by "
                    + groups + ", got " + in);
        }
        this.inChannels = in;
        int perGroup = in / groups;
        this.w = new Parameter("W", init.create(rng, kh * kw * perGroup, kh * kw * filters / groups, kh, kw, perGroup,
                filters));
        this.b = new Parameter("b", Tensor.zeros(1, 1, 1, filters));
    }

    /**
     * A layer with the given weights {@code (kh, kw, inChannels, filters)} and bias {@code (1, 1, 1, filters)},
     * used as they are (not copied), and stride and symmetric zero padding per axis.
     */
    public Conv2D(Tensor weights, Tensor bias, int strideH, int strideW, int padH, int padW) {
        this(weights, bias, strideH, strideW, padH, padW, 1);
    }

    /**
     * A layer of {@code groups} groups with the given weights {@code (kh, kw, inChannels / groups, filters)} and
     * bias {@code (1, 1, 1, filters)}, used as they are (not copied).
     */
    public Conv2D(Tensor weights, Tensor bias, int strideH, int strideW, int padH, int padW, int groups) {
        if (weights.rank() != 4) {
            throw new IllegalArgumentException("Conv2D weights must have shape (kh, kw, inChannels, filters), got "
                    + weights.shapeString());
        }
        if (groups < 1 || weights.dim(3) % groups != 0) {
            throw new IllegalArgumentException("Conv2D groups must be >= 1 and divide the " + weights.dim(3)
                    + " filters, got " + groups);
        }
        this.kh = weights.dim(0);
        this.kw = weights.dim(1);
        this.groups = groups;
        this.inChannels = weights.dim(2) * groups;
        this.filters = weights.dim(3);
        this.deferredInit = null;
        if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("Conv2D needs a positive stride and non-negative padding, got stride="
                    + strideH + "x" + strideW + " pad=" + padH + "x" + padW);
        }
        bias.requireShape("Conv2D bias", 1, 1, 1, filters);
        this.strideH = strideH;
        this.strideW = strideW;
        this.padH = padH;
        this.padW = padW;
        this.w = new Parameter("W", weights);
        this.b = new Parameter("b", bias);
    }

    /** Rebuilds a layer from its {@link #config()} and its saved parameters (see {@link LayerFactory}). */
    public static Conv2D fromConfig(ConfigView c, LayerFactory.Weights weights) throws IOException {
        int[] k = c.ints("kernel", 2, 1, 1 << 16);
        int[] s = c.ints("stride", 2, 1, 1 << 16);
        int[] p = c.ints("padding", 2, 0, 1 << 16);
        int in = c.integer("inChannels", 1, 1 << 16);
        int f = c.integer("filters", 1, 1 << 16);
        int g = c.has("groups") ? c.integer("groups", 1, 1 << 16) : 1;
        if (in % g != 0 || f % g != 0) {
            throw new IllegalArgumentException(c.where() + ": groups " + g + " must divide inChannels " + in
                    + " and filters " + f);
        }
        if ((long) k[0] * k[1] * (in / g) * f > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(c.where() + ": the kernel has more weights than one tensor holds");
        }
        return new Conv2D(weights.get("W", k[0], k[1], in / g, f), weights.get("b", 1, 1, 1, f), s[0], s[1], p[0],
                p[1], g);
    }

    @Override
    public String type() {
        return "Conv2D";
    }

    @Override
    public void build(int[] inputShape, NumpyRandom rng) {
        if (w == null) {
            if (inputShape.length != 3) {
                throw new IllegalArgumentException("Conv2D expects samples of shape (h, w, channels) but got "
                        + Tensor.shapeText(inputShape));
            }
            create(inputShape[2], deferredInit, rng);
        }
    }

    private void requireBuilt() {
        if (w == null) {
            throw new IllegalStateException("this Conv2D(" + filters + " filters) has no weights yet: its input channels "
                    + "are set when a Model.Builder builds the model that contains it");
        }
    }

    private ConvGeometry geometry(int n, int[] sample) {
        requireBuilt();
        if (sample.length != 3 || sample[2] != inChannels) {
            throw new IllegalArgumentException("Conv2D expects samples of shape (h, w, " + inChannels + ") but got "
                    + Tensor.shapeText(sample));
        }
        return new ConvGeometry(n, sample[0], sample[1], inChannels, kh, kw, filters, strideH, strideW, padH, padW);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (w == null) { // not built yet: the channels come from the input
            if (inputShape.length != 3) {
                throw new IllegalArgumentException("Conv2D expects samples of shape (h, w, channels) but got "
                        + Tensor.shapeText(inputShape));
            }
            ConvGeometry g = new ConvGeometry(1, inputShape[0], inputShape[1], inputShape[2], kh, kw, filters, strideH,
                    strideW, padH, padW);
            return new int[] {g.outH(), g.outW(), filters};
        }
        ConvGeometry g = geometry(1, inputShape);
        return new int[] {g.outH(), g.outW(), filters};
    }

    @Override
    public long parameterCount(int[] inputShape) {
        long in = w == null ? inputShape[inputShape.length - 1] : inChannels;
        return (long) kh * kw * (in / groups) * filters + filters;
    }

    @Override
    public Tensor forward(Tensor input) {
        geometry = geometry(input.dim(0), Shapes.sample(input));
        x = input;
        Tensor y = out.get(geometry.outputShape());
        if (groups == 1) {
            kernel.forward(geometry, input.data(), w.value().data(), b.value().data(), y.data());
        } else {
            grouped().forward(geometry, input.data(), w.value().data(), b.value().data(), y.data());
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        dy.requireShape("Conv2D output gradient", geometry.outputShape());
        w.grad().fill(0f);
        b.grad().fill(0f);
        Tensor dx = needInputGradient ? dIn.zeros(x.shape()) : null;
        if (groups == 1) {
            kernel.backward(geometry, x.data(), w.value().data(), dy.data(), dx == null ? null : dx.data(),
                    w.grad().data(), b.grad().data());
        } else {
            grouped().backward(geometry, x.data(), w.value().data(), dy.data(), dx == null ? null : dx.data(),
                    w.grad().data(), b.grad().data());
        }
        return dx;
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
        c.put("inChannels", inChannels);
        c.put("filters", filters);
        c.put("kernel", List.of(kh, kw));
        c.put("stride", List.of(strideH, strideW));
        c.put("padding", List.of(padH, padW));
        c.put("groups", groups);
        return c;
    }

    @Override
    public Layer copySharingParameters() {
        requireBuilt();
        return new Conv2D(w.value(), b.value(), strideH, strideW, padH, padW, groups);
    }

    /** The number of groups (1: an ordinary convolution). */
    public int groups() {
        return groups;
    }

    private GroupedConv grouped() {
        if (grouped == null) {
            grouped = new GroupedConv(groups, workspace);
        }
        return grouped;
    }

    /** Runs the kernels with their scratch in {@code ws}; lends the input gradient (and in inference the output) from it. */
    @Override
    public void setWorkspace(Workspace ws) {
        workspace = ws;
        kernel = new ConvKernel(ws);
        grouped = null;
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
