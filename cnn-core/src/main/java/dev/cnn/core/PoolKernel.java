package dev.cnn.core;

import java.util.Arrays;

/**
 * Fast 2-D pooling on NHWC float32 data with the semantics of {@link StepByStep#poolForward} and
 * {@link StepByStep#poolBackward}: an {@code fh x fw} window, per-axis stride, no padding. In max
 * mode the gradient goes to every input equal to the window's maximum, as in the reference. The
 * inner loops run along the contiguous channel axis; examples are spread over {@link Parallel}.
 */
public final class PoolKernel {
    private PoolKernel() {
    }

    /** {@code y} {@code (n, outH, outW, c)} = pooled {@code x} {@code (n, h, w, c)}. */
    public static void forward(PoolGeometry g, PoolMode mode, float[] x, float[] y) {
        check(g, x, y);
        int c = g.c();
        float scale = 1f / (g.fh() * g.fw());
        Parallel.forRange(g.n(), grain(g), 1, (chunk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int oh = 0; oh < g.outH(); oh++) {
                    for (int ow = 0; ow < g.outW(); ow++) {
                        int out = ((i * g.outH() + oh) * g.outW() + ow) * c;
                        int first = ((i * g.h() + oh * g.strideH()) * g.w() + ow * g.strideW()) * c;
                        System.arraycopy(x, first, y, out, c);
                        for (int u = 0; u < g.fh(); u++) {
                            for (int v = 0; v < g.fw(); v++) {
                                if (u == 0 && v == 0) {
                                    continue;
                                }
                                int in = first + (u * g.w() + v) * c;
                                if (mode == PoolMode.MAX) {
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
                        if (mode == PoolMode.AVERAGE) {
                            for (int ch = 0; ch < c; ch++) {
                                y[out + ch] *= scale;
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Adds the gradient for {@code x} into {@code dx} given the forward input {@code x}, its output
     * {@code y} (used in max mode to find the maxima) and the output gradient {@code dy}.
     */
    public static void backward(PoolGeometry g, PoolMode mode, float[] x, float[] y, float[] dy, float[] dx) {
        check(g, x, y);
        check(g, dx, dy);
        int c = g.c();
        float scale = 1f / (g.fh() * g.fw());
        Parallel.forRange(g.n(), grain(g), 1, (chunk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int oh = 0; oh < g.outH(); oh++) {
                    for (int ow = 0; ow < g.outW(); ow++) {
                        int out = ((i * g.outH() + oh) * g.outW() + ow) * c;
                        int first = ((i * g.h() + oh * g.strideH()) * g.w() + ow * g.strideW()) * c;
                        for (int u = 0; u < g.fh(); u++) {
                            for (int v = 0; v < g.fw(); v++) {
                                int in = first + (u * g.w() + v) * c;
                                if (mode == PoolMode.MAX) {
                                    for (int ch = 0; ch < c; ch++) {
                                        if (x[in + ch] == y[out + ch]) {
                                            dx[in + ch] += dy[out + ch];
                                        }
                                    }
                                } else {
                                    for (int ch = 0; ch < c; ch++) {
                                        dx[in + ch] += dy[out + ch] * scale;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
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
