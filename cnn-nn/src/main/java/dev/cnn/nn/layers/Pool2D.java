package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Backend;
import dev.cnn.core.kernel.PaddedPool;
import dev.cnn.core.kernel.PaddedPoolGeometry;
import dev.cnn.core.kernel.PoolGeometry;
import dev.cnn.core.kernel.PoolKernel;
import dev.cnn.core.kernel.Workspace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Max or average pooling on NHWC input with a {@code kh x kw} window and per-axis stride; no parameters.
 * Optionally with symmetric padding and ceil mode as PyTorch and ONNX define them (see
 * {@link PaddedPoolGeometry}): max pooling never picks a padded cell; an average divides by the window's
 * cells within the padded input when {@code countIncludePad} (PyTorch's default), else by those within the
 * input. Unpadded floor-mode pooling runs on {@link PoolKernel}, the rest on {@link PaddedPool}.
 */
public final class Pool2D implements Layer {
    private final int kh;
    private final int kw;
    private final int strideH;
    private final int strideW;
    private final int padH;
    private final int padW;
    private final boolean ceilMode;
    private final boolean countIncludePad;
    private final PoolMode mode;
    private final Backend backend = Backend.current();
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private Tensor x;
    private Tensor y;
    private PoolGeometry geometry;
    private PaddedPoolGeometry padded;

    /** Square window {@code size}, stride {@code stride} on both axes. */
    public Pool2D(int size, int stride, PoolMode mode) {
        this(size, size, stride, stride, mode);
    }

    /** A {@code kh x kw} window moved by {@code strideH} rows and {@code strideW} columns, no padding. */
    public Pool2D(int kh, int kw, int strideH, int strideW, PoolMode mode) {
        this(kh, kw, strideH, strideW, 0, 0, false, true, mode);
    }

    /**
     * The full form: {@code padH} rows above and below and {@code padW} columns left and right (at most half
     * the window), the output size rounded up when {@code ceilMode}, and for an average whether padded cells
     * count in the divisor ({@code countIncludePad}; ignored by max pooling).
     */
    public Pool2D(int kh, int kw, int strideH, int strideW, int padH, int padW, boolean ceilMode,
                  boolean countIncludePad, PoolMode mode) {
        if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("Pool2D window and stride must be >= 1, got window " + kh + "x" + kw
                    + " stride " + strideH + "x" + strideW);
        }
        if (padH < 0 || padW < 0 || 2 * padH > kh || 2 * padW > kw) {
            throw new IllegalArgumentException("Pool2D padding must be from 0 to half the window, got " + padH + "x" + padW
                    + " for a " + kh + "x" + kw + " window");
        }
        this.kh = kh;
        this.kw = kw;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padH = padH;
        this.padW = padW;
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.mode = mode;
    }

    /** Rebuilds a layer of {@code mode} from its {@link #config()}. */
    public static Pool2D fromConfig(ConfigView c, PoolMode mode) {
        int[] k = c.ints("kernel", 2, 1, 1 << 16);
        int[] s = c.ints("stride", 2, 1, 1 << 16);
        int[] p = c.has("padding") ? c.ints("padding", 2, 0, 1 << 15) : new int[2];
        boolean ceil = c.has("ceilMode") && c.bool("ceilMode");
        boolean include = !c.has("countIncludePad") || c.bool("countIncludePad");
        return new Pool2D(k[0], k[1], s[0], s[1], p[0], p[1], ceil, include, mode);
    }

    /** Whether this layer pads or rounds up (and so runs on {@link PaddedPool}). */
    private boolean paddedOrCeil() {
        return padH > 0 || padW > 0 || ceilMode;
    }

    @Override
    public String type() {
        return mode == PoolMode.MAX ? "MaxPool2D" : "AveragePool2D";
    }

    private PoolGeometry geometry(int n, int[] sample) {
        if (sample.length != 3) {
            throw new IllegalArgumentException(type() + " expects samples of shape (h, w, c) but got " + Tensor.shapeText(sample));
        }
        return new PoolGeometry(n, sample[0], sample[1], sample[2], kh, kw, strideH, strideW);
    }

    private PaddedPoolGeometry paddedGeometry(int n, int[] sample) {
        if (sample.length != 3) {
            throw new IllegalArgumentException(type() + " expects samples of shape (h, w, c) but got " + Tensor.shapeText(sample));
        }
        return new PaddedPoolGeometry(n, sample[0], sample[1], sample[2], kh, kw, strideH, strideW, padH, padW, ceilMode,
                countIncludePad);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (paddedOrCeil()) {
            PaddedPoolGeometry g = paddedGeometry(1, inputShape);
            return new int[] {g.outH(), g.outW(), g.c()};
        }
        PoolGeometry g = geometry(1, inputShape);
        return new int[] {g.outH(), g.outW(), g.c()};
    }

    @Override
    public Tensor forward(Tensor input) {
        x = input;
        if (paddedOrCeil()) {
            padded = paddedGeometry(input.dim(0), Shapes.sample(input));
            y = out.get(padded.outputShape());
            PaddedPool.forward(padded, mode, input.data(), y.data());
            return y;
        }
        geometry = geometry(input.dim(0), Shapes.sample(input));
        y = out.get(geometry.outputShape());
        PoolKernel.forward(backend, geometry, mode, input.data(), y.data());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        Tensor dx = dIn.get(x.shape());
        if (paddedOrCeil()) {
            dy.requireShape(type() + " output gradient", padded.outputShape());
            PaddedPool.backward(padded, mode, x.data(), dy.data(), dx.data());
            return dx;
        }
        dy.requireShape(type() + " output gradient", geometry.outputShape());
        PoolKernel.backward(backend, geometry, mode, x.data(), y.data(), dy.data(), dx.data(), false);
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("kernel", List.of(kh, kw));
        c.put("stride", List.of(strideH, strideW));
        c.put("padding", List.of(padH, padW));
        c.put("ceilMode", ceilMode);
        if (mode == PoolMode.AVERAGE) {
            c.put("countIncludePad", countIncludePad);
        }
        return c;
    }

    @Override
    public Layer copySharingParameters() {
        return new Pool2D(kh, kw, strideH, strideW, padH, padW, ceilMode, countIncludePad, mode);
    }

    /** Lends the input gradient from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
