package dev.cnn.nn;

import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Backend;
import dev.cnn.core.kernel.PoolGeometry;
import dev.cnn.core.kernel.PoolKernel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Max or average pooling on NHWC input with a {@code kh x kw} window and per-axis stride; no parameters. */
public final class Pool2D implements Layer {
    private final int kh;
    private final int kw;
    private final int strideH;
    private final int strideW;
    private final PoolMode mode;
    private final Backend backend = Backend.current();
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private Tensor x;
    private Tensor y;
    private PoolGeometry geometry;

    /** Square window {@code size}, stride {@code stride} on both axes. */
    public Pool2D(int size, int stride, PoolMode mode) {
        this(size, size, stride, stride, mode);
    }

    /** A {@code kh x kw} window moved by {@code strideH} rows and {@code strideW} columns, no padding. */
    public Pool2D(int kh, int kw, int strideH, int strideW, PoolMode mode) {
        if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("Pool2D window and stride must be >= 1, got window " + kh + "x" + kw
                    + " stride " + strideH + "x" + strideW);
        }
        this.kh = kh;
        this.kw = kw;
        this.strideH = strideH;
        this.strideW = strideW;
        this.mode = mode;
    }

    /** Rebuilds a layer of {@code mode} from its {@link #config()}. */
    public static Pool2D fromConfig(ConfigView c, PoolMode mode) {
        int[] k = c.ints("kernel", 2, 1, 1 << 16);
        int[] s = c.ints("stride", 2, 1, 1 << 16);
        return new Pool2D(k[0], k[1], s[0], s[1], mode);
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

    @Override
    public int[] outputShape(int[] inputShape) {
        PoolGeometry g = geometry(1, inputShape);
        return new int[] {g.outH(), g.outW(), g.c()};
    }

    @Override
    public Tensor forward(Tensor input) {
        geometry = geometry(input.dim(0), Shapes.sample(input));
        x = input;
        y = out.get(geometry.outputShape());
        PoolKernel.forward(backend, geometry, mode, input.data(), y.data());
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        dy.requireShape(type() + " output gradient", geometry.outputShape());
        Tensor dx = dIn.get(x.shape());
        PoolKernel.backward(backend, geometry, mode, x.data(), y.data(), dy.data(), dx.data(), false);
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("kernel", List.of(kh, kw));
        c.put("stride", List.of(strideH, strideW));
        return c;
    }

    @Override
    public Layer copySharingParameters() {
        return new Pool2D(kh, kw, strideH, strideW, mode);
    }
}
