package dev.cnn.core.kernel;

import dev.cnn.core.internal.Parallel;
import dev.cnn.core.PoolMode;
import dev.cnn.core.reference.StepByStep;
import java.util.Arrays;

/**
 * Fast 2-D pooling on NHWC float32 data with the semantics of {@link StepByStep#poolForward} and
 * {@link StepByStep#poolBackward}: an {@code fh x fw} window, per-axis stride, no padding. In max
 * mode the gradient goes to every input equal to the window's maximum, as in the reference. The
 * inner loops run along the contiguous channel axis; examples are spread over {@link Parallel}. The
 * 2×2 max window with at most one vector of channels, or a whole number of vectors, runs on
 * {@link VectorPool} when the Vector API backend is in use.
 */
public final class PoolKernel {
    private PoolKernel() {
    }

    /** {@code y} {@code (n, outH, outW, c)} = pooled {@code x} {@code (n, h, w, c)}, on the current backend. */
    public static void forward(PoolGeometry g, PoolMode mode, float[] x, float[] y) {
        forward(Backend.current(), g, mode, x, y);
    }

    /** {@code y} {@code (n, outH, outW, c)} = pooled {@code x} {@code (n, h, w, c)}, on {@code backend}. */
    public static void forward(Backend backend, PoolGeometry g, PoolMode mode, float[] x, float[] y) {
        check(g, x, y);
        int vec = vectorPositions(backend, g, mode == PoolMode.MAX);
        Parallel.forRange(g.n(), grain(g), 1, (chunk, lo, hi) -> range(g, mode == PoolMode.MAX, x, y, null, null, lo, hi, vec, true));
    }

    /**
     * Adds the gradient for {@code x} into {@code dx} given the forward input {@code x}, its output
     * {@code y} (used in max mode to find the maxima) and the output gradient {@code dy}.
     */
    public static void backward(PoolGeometry g, PoolMode mode, float[] x, float[] y, float[] dy, float[] dx) {
        backward(Backend.current(), g, mode, x, y, dy, dx);
    }

    /** As {@link #backward(PoolGeometry, PoolMode, float[], float[], float[], float[])}, on {@code backend}. */
    public static void backward(Backend backend, PoolGeometry g, PoolMode mode, float[] x, float[] y, float[] dy,
                                float[] dx) {
        backward(backend, g, mode, x, y, dy, dx, true);
    }

    /**
     * The gradient for {@code x} added into {@code dx} ({@code accumulate}) or written to it: then {@code dx}'s
     * previous contents are ignored, each image's part is zeroed by the thread that pools it just before its
     * windows add into it, so the caller need not clear the whole array first.
     */
    public static void backward(Backend backend, PoolGeometry g, PoolMode mode, float[] x, float[] y, float[] dy,
                                float[] dx, boolean accumulate) {
        check(g, x, y);
        check(g, dx, dy);
        int vec = vectorPositions(backend, g, mode == PoolMode.MAX);
        int image = g.h() * g.w() * g.c();
        Parallel.forRange(g.n(), grain(g), 1, (chunk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                if (!accumulate) {
                    Arrays.fill(dx, i * image, (i + 1) * image, 0f);
                }
                range(g, mode == PoolMode.MAX, x, y, dy, dx, i, i + 1, vec, false);
            }
        });
    }

    /**
     * The pooling of images {@code [lo, hi)}: with {@code forward}, {@code y} from {@code x}; otherwise the
     * gradient for {@code x} added into {@code dx}. Both walk the output rows the same way; the flag is the
     * same for the whole call, so the JIT compiles the two loops apart.
     */
    private static void range(PoolGeometry g, boolean max, float[] x, float[] y, float[] dy, float[] dx, int lo, int hi,
                              int vec, boolean forward) {
        final int c = g.c();
        final int h = g.h();
        final int outH = g.outH();
        final int outW = g.outW();
        final int sh = g.strideH();
        final int sw = g.strideW();
        final int rowStride = g.w() * c;
        for (int i = lo; i < hi; i++) {
            for (int oh = 0; oh < outH; oh++) {
                int out = (i * outH + oh) * outW * c;
                int rowBase = (i * h + oh * sh) * rowStride;
                if (vec > 0 && forward) {
                    VectorPool.forward2x2(x, rowBase, rowStride, sw, c, y, out, vec);
                } else if (vec > 0) {
                    VectorPool.backward2x2(x, y, dy, dx, rowBase, rowStride, sw, c, out, vec);
                }
                out += vec * c;
                for (int ow = vec; ow < outW; ow++, out += c) {
                    int first = rowBase + ow * sw * c;
                    if (forward) {
                        forwardWindow(g, max, x, y, first, out, rowStride);
                    } else {
                        backwardWindow(g, max, x, y, dy, dx, first, out, rowStride);
                    }
                }
            }
        }
    }

    /** One window of the forward pass: input from {@code first}, output at {@code out}. */
    private static void forwardWindow(PoolGeometry g, boolean max, float[] x, float[] y, int first, int out, int rowStride) {
        final int c = g.c();
        final int fh = g.fh();
        final int fw = g.fw();
        if (max && fh == 2 && fw == 2) {
            // the common 2x2 window in one pass: four loads and three maxima per channel
            int second = first + rowStride;
            for (int ch = 0; ch < c; ch++) {
                y[out + ch] = Math.max(Math.max(x[first + ch], x[first + c + ch]),
                        Math.max(x[second + ch], x[second + c + ch]));
            }
            return;
        }
        for (int ch = 0; ch < c; ch++) {
            y[out + ch] = x[first + ch];
        }
        for (int u = 0; u < fh; u++) {
            for (int v = (u == 0 ? 1 : 0); v < fw; v++) {
                int in = first + u * rowStride + v * c;
                if (max) {
                    for (int ch = 0; ch < c; ch++) {
                        y[out + ch] = Math.max(y[out + ch], x[in + ch]);
                    }
                } else {
                    for (int ch = 0; ch < c; ch++) {
                        y[out + ch] += x[in + ch];
                    }
                }
            }
        }
        if (!max) {
            final float scale = 1f / (fh * fw);
            for (int ch = 0; ch < c; ch++) {
                y[out + ch] *= scale;
            }
        }
    }

    /** One window of the backward pass: the gradient of output {@code out} added to the inputs from {@code first}. */
    private static void backwardWindow(PoolGeometry g, boolean max, float[] x, float[] y, float[] dy, float[] dx,
                                       int first, int out, int rowStride) {
        final int c = g.c();
        final int fh = g.fh();
        final int fw = g.fw();
        if (max && fh == 2 && fw == 2) {
            int second = first + rowStride;
            for (int ch = 0; ch < c; ch++) {
                float m = y[out + ch];
                float d = dy[out + ch];
                dx[first + ch] += d * isMax(x[first + ch], m);
                dx[first + c + ch] += d * isMax(x[first + c + ch], m);
                dx[second + ch] += d * isMax(x[second + ch], m);
                dx[second + c + ch] += d * isMax(x[second + c + ch], m);
            }
            return;
        }
        final float scale = 1f / (fh * fw);
        for (int u = 0; u < fh; u++) {
            for (int v = 0; v < fw; v++) {
                int in = first + u * rowStride + v * c;
                if (max) {
                    for (int ch = 0; ch < c; ch++) {
                        dx[in + ch] += dy[out + ch] * isMax(x[in + ch], y[out + ch]);
                    }
                } else {
                    for (int ch = 0; ch < c; ch++) {
                        dx[in + ch] += dy[out + ch] * scale;
                    }
                }
            }
        }
    }

    /**
     * Leading output positions of each row that the Vector API 2×2 max kernels take: 0 unless that
     * backend is in use, the window is a 2×2 max and the channels fit one vector or are whole vectors.
     */
    private static int vectorPositions(Backend backend, PoolGeometry g, boolean max) {
        if (!max || g.fh() != 2 || g.fw() != 2 || !backend.vectorApi()
                || (g.c() > VectorPool.L && g.c() % VectorPool.L != 0)) {
            return 0;
        }
        return VectorPool.vectorPositions(g.w(), g.outW(), g.strideW(), g.c());
    }

    /**
     * {@code x == max ? 1 : 0} without a branch, so the loops vectorise: any nonzero {@code |x − max|}
     * times 2^252 saturates {@code min(1, ·)} to 1.
     */
    private static float isMax(float x, float max) {
        return 1f - Math.min(1f, Math.abs(x - max) * 0x1p126f * 0x1p126f);
    }

    private static int grain(PoolGeometry g) {
        return Math.max(1, 32768 / Math.max(1, g.h() * g.w() * g.c()));
    }

    private static void check(PoolGeometry g, float[] x, float[] y) {
        int xs = g.n() * g.h() * g.w() * g.c();
        int ys = g.n() * g.outH() * g.outW() * g.c();
        if (x.length != xs || y.length != ys) {
            throw new IllegalArgumentException("pooling " + Arrays.toString(g.inputShape()) + " -> "
                    + Arrays.toString(g.outputShape()) + ": arrays have " + x.length + " and " + y.length
                    + " elements, expected " + xs + " and " + ys);
        }
    }
}
