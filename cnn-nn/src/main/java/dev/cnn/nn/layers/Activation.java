package dev.cnn.nn.layers;

import dev.cnn.core.Tensor;
import dev.cnn.core.internal.Parallel;
import dev.cnn.core.kernel.Workspace;
import java.util.Map;

/**
 * An elementwise activation ({@link Kind#SIGMOID}, {@link Kind#RELU}, {@link Kind#RELU6}, {@link Kind#TANH},
 * {@link Kind#LINEAR}) or {@link Kind#SOFTMAX} over the last axis of a {@code (batch, classes)} input. For a
 * leaky ReLU see {@link LeakyReLU}.
 * All are numerically stable: no overflow for inputs up to ±1e4 and beyond.
 */
public final class Activation implements Layer {

    /** The available functions. */
    public enum Kind {
        /** {@code 1 / (1 + e^-x)}. */
        SIGMOID("Sigmoid"),
        /** {@code max(0, x)}. */
        RELU("ReLU"),
        /** {@code min(6, max(0, x))}: MobileNet's clipped ReLU (ONNX {@code Clip} with min 0, max 6). */
        RELU6("ReLU6"),
        /** {@code tanh(x)}. */
        TANH("Tanh"),
        /** The identity. */
        LINEAR("Linear"),
        /** Softmax over the last axis. */
        SOFTMAX("Softmax");

        private final String typeName;

        Kind(String typeName) {
            this.typeName = typeName;
        }

        /** The type name saved in model files, e.g. {@code ReLU}. */
        public String typeName() {
            return typeName;
        }

        /** The kind whose type name (as in {@link #typeName()}) or enum name is {@code s}, any case. */
        public static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.typeName.equalsIgnoreCase(s) || k.name().equalsIgnoreCase(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown activation '" + s + "' (expected Sigmoid, ReLU, ReLU6, Tanh, Linear or Softmax)");
        }
    }

    /** Elementwise work is split over kernel threads in pieces of at least this many elements. */
    private static final int ELEMENTS_PER_TASK = 1 << 16;
    private final Kind kind;
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private Tensor x;
    private Tensor y;

    /** An activation of the given kind. */
    public Activation(Kind kind) {
        this.kind = kind;
    }

    /** {@code 1 / (1 + e^-x)}, elementwise. */
    public static Activation sigmoid() {
        return new Activation(Kind.SIGMOID);
    }

    /** {@code max(0, x)}, elementwise. */
    public static Activation relu() {
        return new Activation(Kind.RELU);
    }

    /** {@code min(6, max(0, x))}, elementwise. */
    public static Activation relu6() {
        return new Activation(Kind.RELU6);
    }

    /** {@code tanh(x)}, elementwise. */
    public static Activation tanh() {
        return new Activation(Kind.TANH);
    }

    /** The identity (for a regression output). */
    public static Activation linear() {
        return new Activation(Kind.LINEAR);
    }

    /** Softmax over the last axis of a {@code (batch, classes)} input. */
    public static Activation softmax() {
        return new Activation(Kind.SOFTMAX);
    }

    /** Which function this layer computes. */
    public Kind kind() {
        return kind;
    }

    @Override
    public String type() {
        return kind.typeName();
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (kind == Kind.SOFTMAX && inputShape.length != 1) {
            throw new IllegalArgumentException("Softmax expects samples of shape (classes,) but got " + Tensor.shapeText(inputShape));
        }
        return inputShape.clone();
    }

    /** Logistic function, computed without overflow for any input. */
    static float sigmoid(float z) {
        if (z >= 0) {
            return (float) (1.0 / (1.0 + Math.exp(-z)));
        }
        double e = Math.exp(z);
        return (float) (e / (1.0 + e));
    }

    @Override
    public Tensor forward(Tensor input) {
        if (kind == Kind.SOFTMAX) {
            input.requireRank("Softmax input (batch, classes)", 2);
        }
        x = input;
        if (kind == Kind.LINEAR) {
            y = input;
            return y;
        }
        y = out.get(input.shape());
        float[] a = input.data();
        float[] o = y.data();
        if (kind == Kind.SOFTMAX) {
            softmax(a, o, input.dim(1));
            return y;
        }
        Parallel.forRange(a.length, ELEMENTS_PER_TASK, 16, (chunk, lo, hi) -> {
            switch (kind) {
                case SIGMOID -> {
                    for (int i = lo; i < hi; i++) {
                        o[i] = sigmoid(a[i]);
                    }
                }
                case RELU -> {
                    for (int i = lo; i < hi; i++) {
                        o[i] = Math.max(0f, a[i]);
                    }
                }
                case RELU6 -> {
                    for (int i = lo; i < hi; i++) {
                        o[i] = Math.min(6f, Math.max(0f, a[i]));
                    }
                }
                default -> {
                    for (int i = lo; i < hi; i++) {
                        o[i] = (float) Math.tanh(a[i]);
                    }
                }
            }
        });
        return y;
    }

    /** Row-wise softmax of {@code (rows, classes)}, shifting by the row maximum. */
    static void softmax(float[] a, float[] o, int classes) {
        for (int r = 0; r < a.length; r += classes) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, a[r + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                double e = Math.exp(a[r + j] - max);
                o[r + j] = (float) e;
                sum += e;
            }
            for (int j = 0; j < classes; j++) {
                o[r + j] = (float) (o[r + j] / sum);
            }
        }
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        dy.requireShape(type() + " output gradient", y.shape());
        if (kind == Kind.LINEAR) {
            return dy;
        }
        Tensor dx = dIn.get(x.shape());
        float[] g = dy.data();
        float[] o = y.data();
        float[] d = dx.data();
        float[] a = x.data();
        if (kind != Kind.SOFTMAX) {
            Parallel.forRange(g.length, ELEMENTS_PER_TASK, 16, (chunk, lo, hi) -> {
                switch (kind) {
                    case SIGMOID -> {
                        for (int i = lo; i < hi; i++) {
                            d[i] = g[i] * o[i] * (1f - o[i]);
                        }
                    }
                    case RELU -> {
                        // branch-free (a > 0 ? 1 : 0), so the loop vectorises: a·2^252 saturates to +inf for
                        // any positive float, and min(1, max(0, ·)) maps it to exactly 1, zero or negatives to 0
                        for (int i = lo; i < hi; i++) {
                            d[i] = g[i] * Math.min(1f, Math.max(0f, a[i] * 0x1p126f * 0x1p126f));
                        }
                    }
                    case RELU6 -> {
                        for (int i = lo; i < hi; i++) {
                            d[i] = a[i] > 0f && a[i] < 6f ? g[i] : 0f;
                        }
                    }
                    default -> {
                        for (int i = lo; i < hi; i++) {
                            d[i] = g[i] * (1f - o[i] * o[i]);
                        }
                    }
                }
            });
            return dx;
        }
        int classes = x.dim(1); // softmax: dx = s·(dy − Σ dy·s) per row
        for (int r = 0; r < g.length; r += classes) {
            double dot = 0;
            for (int j = 0; j < classes; j++) {
                dot += (double) g[r + j] * o[r + j];
            }
            for (int j = 0; j < classes; j++) {
                d[r + j] = (float) (o[r + j] * (g[r + j] - dot));
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Layer copySharingParameters() {
        return new Activation(kind);
    }

    /** Lends the input gradient from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
