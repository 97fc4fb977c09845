package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.ConvGeometry;
import dev.cnn.core.kernel.DepthwiseConv;
import dev.cnn.core.kernel.Workspace;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Depthwise 2-D convolution on NHWC input {@code (batch, h, w, channels)}: each input channel is convolved
 * with its own {@code multiplier} filters (MobileNet's depthwise stage; Keras's {@code DepthwiseConv2D},
 * PyTorch's {@code Conv2d(c, c·multiplier, k, groups=c)}), giving {@code channels·multiplier} output
 * channels, channel {@code c·multiplier + j} from input channel {@code c}. Weights
 * {@code W (kh, kw, channels, multiplier)}, bias {@code b (1, 1, 1, channels·multiplier)}, per-axis stride and
 * symmetric zero padding. Runs on {@link DepthwiseConv}. He and Xavier weights use fan-in {@code kh·kw}
 * (one input channel per filter).
 */
public final class DepthwiseConv2D implements Layer {
    private final int multiplier;
    private final int kh;
    private final int kw;
    private final int strideH;
    private final int strideW;
    private final int padH;
    private final int padW;
    private final Init deferredInit;
    private int channels;
    private Parameter w;
    private Parameter b;
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private Tensor x;
    private ConvGeometry geometry;

    /**
     * A square {@code kernel x kernel} depthwise convolution, multiplier 1, {@link Init#HE} weights; the
     * channels are taken from the previous layer when the model is built.
     */
    public DepthwiseConv2D(int kernel, int stride, Padding padding) {
        this(kernel, kernel, stride, stride, padding.forKernel(kernel), padding.forKernel(kernel), 1, Init.HE);
    }

    /** Full form: kernel {@code kh x kw}, stride and padding per axis, channel multiplier, initialiser. */
    public DepthwiseConv2D(int kh, int kw, int strideH, int strideW, int padH, int padW, int multiplier, Init init) {
        if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0 || multiplier < 1) {
            throw new IllegalArgumentException("DepthwiseConv2D needs a positive kernel, stride and multiplier and "
                    + "non-negative padding, got kernel=" + kh + "x" + kw + " stride=" + strideH + "x" + strideW + " pad="
                    + padH + "x" + padW + " multiplier=" + multiplier);
        }
        this.kh = kh;
        this.kw = kw;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padH = padH;
        this.padW = padW;
        this.multiplier = multiplier;
        this.deferredInit = init;
    }

    /**
     * A layer with the given weights {@code (kh, kw, channels, multiplier)} and bias
     * {@code (1, 1, 1, channels·multiplier)}, used as they are (not copied).
     */
    public DepthwiseConv2D(Tensor weights, Tensor bias, int strideH, int strideW, int padH, int padW) {
        if (weights.rank() != 4) {
            throw new IllegalArgumentException("DepthwiseConv2D weights must have shape (kh, kw, channels, multiplier), "
                    + "got " + weights.shapeString());
        }
        if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("DepthwiseConv2D needs a positive stride and non-negative padding, got "
                    + "stride=" + strideH + "x" + strideW + " pad=" + padH + "x" + padW);
        }
        this.kh = weights.dim(0);
        this.kw = weights.dim(1);
        this.channels = weights.dim(2);
        this.multiplier = weights.dim(3);
        bias.requireShape("DepthwiseConv2D bias", 1, 1, 1, channels * multiplier);
        this.strideH = strideH;
        this.strideW = strideW;
        this.padH = padH;
        this.padW = padW;
        this.deferredInit = null;
        this.w = new Parameter("W", weights);
        this.b = new Parameter("b", bias);
    }

    /** Rebuilds a layer from its {@link #config()} and its saved parameters (see {@link LayerFactory}). */
    public static DepthwiseConv2D fromConfig(ConfigView c, LayerFactory.Weights weights) throws IOException {
        int[] k = c.ints("kernel", 2, 1, 1 << 16);
        int[] s = c.ints("stride", 2, 1, 1 << 16);
        int[] p = c.ints("padding", 2, 0, 1 << 16);
        int ch = c.integer("channels", 1, 1 << 16);
        int m = c.integer("multiplier", 1, 1 << 16);
        if ((long) k[0] * k[1] * ch * m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(c.where() + ": the kernel has more weights than one tensor holds");
        }
        return new DepthwiseConv2D(weights.get("W", k[0], k[1], ch, m), weights.get("b", 1, 1, 1, ch * m), s[0], s[1],
                p[0], p[1]);
    }

    @Override
    public String type() {
        return "DepthwiseConv2D";
    }

    @Override
    public void build(int[] inputShape, NumpyRandom rng) {
        if (w == null) {
            checkSample(inputShape);
            channels = inputShape[2];
            w = new Parameter("W", deferredInit.create(rng, kh * kw, kh * kw * multiplier, kh, kw, channels, multiplier));
            b = new Parameter("b", Tensor.zeros(1, 1, 1, channels * multiplier));
        }
    }

    private static void checkSample(int[] sample) {
        if (sample.length != 3) {
            throw new IllegalArgumentException("DepthwiseConv2D expects samples of shape (h, w, channels) but got "
                    + Tensor.shapeText(sample));
        }
    }

    private ConvGeometry geometry(int n, int[] sample) {
        checkSample(sample);
        int c = w == null ? sample[2] : channels;
        if (sample[2] != c) {
            throw new IllegalArgumentException("DepthwiseConv2D expects samples of shape (h, w, " + c + ") but got "
                    + Tensor.shapeText(sample));
        }
        return new ConvGeometry(n, sample[0], sample[1], c, kh, kw, c * multiplier, strideH, strideW, padH, padW);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        ConvGeometry g = geometry(1, inputShape);
        return new int[] {g.outH(), g.outW(), g.cOut()};
    }

    @Override
    public long parameterCount(int[] inputShape) {
        long c = w == null ? inputShape[inputShape.length - 1] : channels;
        return (long) kh * kw * c * multiplier + c * multiplier;
    }

    private void requireBuilt() {
        if (w == null) {
            throw new IllegalStateException("this DepthwiseConv2D has no weights yet: its channels are set when a "
                    + "Model.Builder builds the model that contains it");
        }
    }

    @Override
    public Tensor forward(Tensor input) {
        requireBuilt();
        geometry = geometry(input.dim(0), Shapes.sample(input));
        x = input;
        Tensor y = out.get(geometry.outputShape());
        DepthwiseConv.forward(geometry, input.data(), w.value().data(), b.value().data(), y.data());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        dy.requireShape("DepthwiseConv2D output gradient", geometry.outputShape());
        Tensor dx = needInputGradient ? dIn.get(x.shape()) : null;
        DepthwiseConv.backward(geometry, x.data(), w.value().data(), dy.data(), dx == null ? null : dx.data(),
                w.grad().data(), b.grad().data());
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
        c.put("channels", channels);
        c.put("multiplier", multiplier);
        c.put("kernel", List.of(kh, kw));
        c.put("stride", List.of(strideH, strideW));
        c.put("padding", List.of(padH, padW));
        return c;
    }

    @Override
    public Layer copySharingParameters() {
        requireBuilt();
        return new DepthwiseConv2D(w.value(), b.value(), strideH, strideW, padH, padW);
    }

    /** Lends the input gradient from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
