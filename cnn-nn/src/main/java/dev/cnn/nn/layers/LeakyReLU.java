package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import dev.cnn.core.Tensor;
import dev.cnn.core.internal.Parallel;
import dev.cnn.core.kernel.Workspace;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code x} for {@code x > 0}, else {@code alpha·x}, elementwise (PyTorch's {@code LeakyReLU(negative_slope)},
 * ONNX's {@code LeakyRelu}); {@code alpha} defaults to 0.01 as in both. Any input shape; no parameters.
 */
public final class LeakyReLU implements Layer {
    /** The default slope for negative inputs. */
    public static final double DEFAULT_ALPHA = 0.01;
    private static final int ELEMENTS_PER_TASK = 1 << 16;
    private final float alpha;
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private Tensor x;

    /** A leaky ReLU with slope {@value #DEFAULT_ALPHA} below zero. */
    public LeakyReLU() {
        this(DEFAULT_ALPHA);
    }

    /** A leaky ReLU with slope {@code alpha} below zero: finite, in [0, 1]. */
    public LeakyReLU(double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("LeakyReLU alpha must be in [0, 1], got " + alpha);
        }
        this.alpha = (float) alpha;
    }

    /** Rebuilds a layer from its {@link #config()}. */
    public static LeakyReLU fromConfig(ConfigView c) {
        return new LeakyReLU(c.number("alpha"));
    }

    /** The slope below zero. */
    public double alpha() {
        return alpha;
    }

    @Override
    public String type() {
        return "LeakyReLU";
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        x = input;
        Tensor y = out.get(input.shape());
        float[] a = input.data();
        float[] o = y.data();
        Parallel.forRange(a.length, ELEMENTS_PER_TASK, 16, (chunk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                o[i] = a[i] > 0f ? a[i] : alpha * a[i];
            }
        });
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        dy.requireShape("LeakyReLU output gradient", x.shape());
        Tensor dx = dIn.get(x.shape());
        float[] g = dy.data();
        float[] a = x.data();
        float[] d = dx.data();
        Parallel.forRange(g.length, ELEMENTS_PER_TASK, 16, (chunk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                d[i] = a[i] > 0f ? g[i] : alpha * g[i];
            }
        });
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("alpha", (double) alpha);
        return c;
    }

    @Override
    public Layer copySharingParameters() {
        return new LeakyReLU(alpha);
    }

    /** Lends the input gradient from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
