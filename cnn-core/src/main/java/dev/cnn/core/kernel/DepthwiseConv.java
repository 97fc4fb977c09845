package dev.cnn.core.kernel;

import dev.cnn.core.internal.Parallel;

/**
 * Depthwise 2-D convolution on NHWC arrays: every input channel {@code c} is convolved with its own
 * {@code multiplier} filters, giving output channels {@code c·multiplier + j} (the order of Keras's
 * {@code DepthwiseConv2D} and of PyTorch's {@code Conv2d(groups=in_channels)}). The geometry is a
 * {@link ConvGeometry} with {@code cOut = cIn·multiplier}; weights are {@code (kh, kw, cIn, multiplier)},
 * the bias {@code cOut} values.
 *
 * <p>{@link #forwardReference} and {@link #backwardReference} are the literal loops, one output value or
 * one gradient term at a time; {@link #forward} and {@link #backward} compute the same with the channel
 * loop innermost (contiguous in NHWC, so the JIT vectorises it) and the batch split over kernel threads.
 * One implementation serves both backends. For a given thread count the results are bit-identical from
 * run to run: the weight gradient is summed per chunk of samples and the chunks are added in order.
 */
public final class DepthwiseConv {
    private DepthwiseConv() {
    }

    /** Checks that {@code g} describes a depthwise convolution and returns its channel multiplier. */
    public static int multiplier(ConvGeometry g) {
        if (g.cOut() % g.cIn() != 0) {
            throw new IllegalArgumentException("a depthwise convolution has cOut = cIn · multiplier, got cIn " + g.cIn()
                    + " and cOut " + g.cOut());
        }
        return g.cOut() / g.cIn();
    }

    /** {@code y (n, outH, outW, cOut) = depthwise(x, w) + b}, one output value at a time. */
    public static void forwardReference(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        int m = multiplier(g);
        int c = g.cIn();
        for (int n = 0; n < g.n(); n++) {
            for (int oy = 0; oy < g.outH(); oy++) {
                for (int ox = 0; ox < g.outW(); ox++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int j = 0; j < m; j++) {
                            double sum = b[ci * m + j];
                            for (int ky = 0; ky < g.kh(); ky++) {
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int iy = oy * g.strideH() - g.padH() + ky;
                                    int ix = ox * g.strideW() - g.padW() + kx;
                                    if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                                        sum += (double) x[((n * g.h() + iy) * g.w() + ix) * c + ci]
                                                * w[((ky * g.kw() + kx) * c + ci) * m + j];
                                    }
                                }
                            }
                            y[((n * g.outH() + oy) * g.outW() + ox) * g.cOut() + ci * m + j] = (float) sum;
                        }
                    }
                }
            }
        }
    }

    /**
     * Gradients of the loss for the output gradient {@code dy}: {@code dx} (null: not needed), {@code dw} and
     * {@code db} are overwritten. Each input gradient value is one sum over the outputs that read it.
     */
    public static void backwardReference(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw,
                                         float[] db) {
        int m = multiplier(g);
        int c = g.cIn();
        double[] sw = new double[dw.length];
        double[] sb = new double[db.length];
        double[] sx = dx == null ? null : new double[dx.length];
        for (int n = 0; n < g.n(); n++) {
            for (int oy = 0; oy < g.outH(); oy++) {
                for (int ox = 0; ox < g.outW(); ox++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int j = 0; j < m; j++) {
                            double d = dy[((n * g.outH() + oy) * g.outW() + ox) * g.cOut() + ci * m + j];
                            sb[ci * m + j] += d;
                            for (int ky = 0; ky < g.kh(); ky++) {
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int iy = oy * g.strideH() - g.padH() + ky;
                                    int ix = ox * g.strideW() - g.padW() + kx;
                                    if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                                        int xi = ((n * g.h() + iy) * g.w() + ix) * c + ci;
                                        int wi = ((ky * g.kw() + kx) * c + ci) * m + j;
                                        sw[wi] += d * x[xi];
                                        if (sx != null) {
                                            sx[xi] += d * w[wi];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        copy(sw, dw);
        copy(sb, db);
        if (sx != null) {
            copy(sx, dx);
        }
    }

    private static void copy(double[] from, float[] to) {
        for (int i = 0; i < from.length; i++) {
            to[i] = (float) from[i];
        }
    }

    /** As {@link #forwardReference}: output rows split over threads, channels innermost. */
    public static void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        int m = multiplier(g);
        int rows = g.n() * g.outH();
        int work = g.outW() * g.cOut() * g.kh() * g.kw();
        Parallel.forRange(rows, Math.max(1, (1 << 15) / Math.max(1, work)), 1, (chunk, lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                forwardRow(g, m, r / g.outH(), r % g.outH(), x, w, b, y);
            }
        });
    }

    private static void forwardRow(ConvGeometry g, int m, int n, int oy, float[] x, float[] w, float[] b, float[] y) {
        int c = g.cIn();
        int cOut = g.cOut();
        for (int ox = 0; ox < g.outW(); ox++) {
            int o = ((n * g.outH() + oy) * g.outW() + ox) * cOut;
            System.arraycopy(b, 0, y, o, cOut);
            for (int ky = 0; ky < g.kh(); ky++) {
                int iy = oy * g.strideH() - g.padH() + ky;
                if (iy < 0 || iy >= g.h()) {
                    continue;
                }
                for (int kx = 0; kx < g.kw(); kx++) {
                    int ix = ox * g.strideW() - g.padW() + kx;
                    if (ix < 0 || ix >= g.w()) {
                        continue;
                    }
                    int xi = ((n * g.h() + iy) * g.w() + ix) * c;
                    int wi = (ky * g.kw() + kx) * cOut;
                    if (m == 1) {
                        for (int ci = 0; ci < c; ci++) {
                            y[o + ci] += x[xi + ci] * w[wi + ci];
                        }
                    } else {
                        for (int ci = 0; ci < c; ci++) {
                            float v = x[xi + ci];
                            int base = ci * m;
                            for (int j = 0; j < m; j++) {
                                y[o + base + j] += v * w[wi + base + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /** As {@link #backwardReference}: samples split over threads; {@code dx} (null: not needed), dw, db overwritten. */
    public static void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        int m = multiplier(g);
        int cOut = g.cOut();
        int perSample = g.outH() * g.outW() * cOut * g.kh() * g.kw();
        int chunks = Parallel.chunks(g.n(), Math.max(1, (1 << 15) / Math.max(1, perSample)));
        float[][] pw = new float[Math.max(1, chunks)][];
        float[][] pb = new float[pw.length][];
        if (dx != null) {
            java.util.Arrays.fill(dx, 0f);
        }
        Parallel.forRange(g.n(), Math.max(1, (1 << 15) / Math.max(1, perSample)), 1, (chunk, lo, hi) -> {
            float[] gw = new float[dw.length];
            float[] gb = new float[db.length];
            for (int n = lo; n < hi; n++) {
                backwardSample(g, m, n, x, w, dy, dx, gw, gb);
            }
            pw[chunk] = gw;
            pb[chunk] = gb;
        });
        java.util.Arrays.fill(dw, 0f);
        java.util.Arrays.fill(db, 0f);
        for (int k = 0; k < pw.length; k++) {
            if (pw[k] == null) {
                continue;
            }
            for (int i = 0; i < dw.length; i++) {
                dw[i] += pw[k][i];
            }
            for (int i = 0; i < db.length; i++) {
                db[i] += pb[k][i];
            }
        }
    }

    private static void backwardSample(ConvGeometry g, int m, int n, float[] x, float[] w, float[] dy, float[] dx,
                                       float[] gw, float[] gb) {
        int c = g.cIn();
        int cOut = g.cOut();
        for (int oy = 0; oy < g.outH(); oy++) {
            for (int ox = 0; ox < g.outW(); ox++) {
                int o = ((n * g.outH() + oy) * g.outW() + ox) * cOut;
                for (int k = 0; k < cOut; k++) {
                    gb[k] += dy[o + k];
                }
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = oy * g.strideH() - g.padH() + ky;
                    if (iy < 0 || iy >= g.h()) {
                        continue;
                    }
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int ix = ox * g.strideW() - g.padW() + kx;
                        if (ix < 0 || ix >= g.w()) {
                            continue;
                        }
                        int xi = ((n * g.h() + iy) * g.w() + ix) * c;
                        int wi = (ky * g.kw() + kx) * cOut;
                        if (m == 1) {
                            for (int ci = 0; ci < c; ci++) {
                                gw[wi + ci] += dy[o + ci] * x[xi + ci];
                            }
                            if (dx != null) {
                                for (int ci = 0; ci < c; ci++) {
                                    dx[xi + ci] += dy[o + ci] * w[wi + ci];
                                }
                            }
                        } else {
                            for (int ci = 0; ci < c; ci++) {
                                float v = x[xi + ci];
                                float s = 0f;
                                int base = ci * m;
                                for (int j = 0; j < m; j++) {
                                    float d = dy[o + base + j];
                                    gw[wi + base + j] += d * v;
                                    s += d * w[wi + base + j];
                                }
                                if (dx != null) {
                                    dx[xi + ci] += s;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
