package dev.cnn.core.kernel;

import dev.cnn.core.PoolMode;
import dev.cnn.core.internal.Parallel;
import java.util.Arrays;

/**
 * Max and average pooling with padding and ceil mode ({@link PaddedPoolGeometry}) on NHWC arrays. Max takes
 * the first largest value of a window in row-major order and sends its gradient there (as PyTorch's
 * argmax does); padded cells are never the maximum. {@link #forwardReference} and {@link #backwardReference}
 * are the literal loops, one output value at a time; {@link #forward} and {@link #backward} do the same
 * with the channels innermost and the output rows (forward) or samples (backward) split over kernel
 * threads, so they are bit-identical to the reference. One implementation serves both backends; unpadded
 * floor-mode pooling runs on {@link PoolKernel}.
 */
public final class PaddedPool {
    private PaddedPool() {
    }

    /** {@code y (n, outH, outW, c)} pooled from {@code x (n, h, w, c)}, one value at a time. */
    public static void forwardReference(PaddedPoolGeometry g, PoolMode mode, float[] x, float[] y) {
        for (int n = 0; n < g.n(); n++) {
            for (int oy = 0; oy < g.outH(); oy++) {
                for (int ox = 0; ox < g.outW(); ox++) {
                    for (int ch = 0; ch < g.c(); ch++) {
                        float best = Float.NEGATIVE_INFINITY;
                        float sum = 0f;
                        for (int ky = 0; ky < g.fh(); ky++) {
                            for (int kx = 0; kx < g.fw(); kx++) {
                                int iy = oy * g.strideH() - g.padH() + ky;
                                int ix = ox * g.strideW() - g.padW() + kx;
                                if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                                    float v = x[((n * g.h() + iy) * g.w() + ix) * g.c() + ch];
                                    best = Math.max(best, v);
                                    sum += v;
                                }
                            }
                        }
                        y[((n * g.outH() + oy) * g.outW() + ox) * g.c() + ch] = mode == PoolMode.MAX ? best
                                : sum / g.divisor(oy, ox);
                    }
                }
            }
        }
    }

    /** {@code dx} (overwritten) for the output gradient {@code dy}, one output value at a time. */
    public static void backwardReference(PaddedPoolGeometry g, PoolMode mode, float[] x, float[] dy, float[] dx) {
        Arrays.fill(dx, 0f);
        for (int n = 0; n < g.n(); n++) {
            for (int oy = 0; oy < g.outH(); oy++) {
                for (int ox = 0; ox < g.outW(); ox++) {
                    for (int ch = 0; ch < g.c(); ch++) {
                        float d = dy[((n * g.outH() + oy) * g.outW() + ox) * g.c() + ch];
                        int arg = -1;
                        float best = Float.NEGATIVE_INFINITY;
                        for (int ky = 0; ky < g.fh(); ky++) {
                            for (int kx = 0; kx < g.fw(); kx++) {
                                int iy = oy * g.strideH() - g.padH() + ky;
                                int ix = ox * g.strideW() - g.padW() + kx;
                                if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                                    int xi = ((n * g.h() + iy) * g.w() + ix) * g.c() + ch;
                                    if (mode == PoolMode.MAX) {
                                        if (arg < 0 || x[xi] > best) {
                                            best = x[xi];
                                            arg = xi;
                                        }
                                    } else {
                                        dx[xi] += d / g.divisor(oy, ox);
                                    }
                                }
                            }
                        }
                        if (arg >= 0) {
                            dx[arg] += d;
                        }
                    }
                }
            }
        }
    }

    /** As {@link #forwardReference}, output rows split over threads. */
    public static void forward(PaddedPoolGeometry g, PoolMode mode, float[] x, float[] y) {
        int rows = g.n() * g.outH();
        int work = Math.max(1, g.outW() * g.c() * g.fh() * g.fw());
        Parallel.forRange(rows, Math.max(1, (1 << 15) / work), 1, (chunk, lo, hi) -> {
            float[] sum = new float[g.c()];
            for (int r = lo; r < hi; r++) {
                int n = r / g.outH();
                int oy = r % g.outH();
                for (int ox = 0; ox < g.outW(); ox++) {
                    int o = ((n * g.outH() + oy) * g.outW() + ox) * g.c();
                    if (mode == PoolMode.MAX) {
                        Arrays.fill(y, o, o + g.c(), Float.NEGATIVE_INFINITY);
                    } else {
                        Arrays.fill(sum, 0f);
                    }
                    for (int ky = 0; ky < g.fh(); ky++) {
                        int iy = oy * g.strideH() - g.padH() + ky;
                        if (iy < 0 || iy >= g.h()) {
                            continue;
                        }
                        for (int kx = 0; kx < g.fw(); kx++) {
                            int ix = ox * g.strideW() - g.padW() + kx;
                            if (ix < 0 || ix >= g.w()) {
                                continue;
                            }
                            int xi = ((n * g.h() + iy) * g.w() + ix) * g.c();
                            if (mode == PoolMode.MAX) {
                                for (int ch = 0; ch < g.c(); ch++) {
                                    y[o + ch] = Math.max(y[o + ch], x[xi + ch]);
                                }
                            } else {
                                for (int ch = 0; ch < g.c(); ch++) {
                                    sum[ch] += x[xi + ch];
                                }
                            }
                        }
                    }
                    if (mode == PoolMode.AVERAGE) {
                        int div = g.divisor(oy, ox);
                        for (int ch = 0; ch < g.c(); ch++) {
                            y[o + ch] = sum[ch] / div;
                        }
                    }
                }
            }
        });
    }

    /**
     * As {@link #backwardReference}, samples split over threads; max pooling finds each window's first
     * largest input again, so {@code y} is not needed.
     */
    public static void backward(PaddedPoolGeometry g, PoolMode mode, float[] x, float[] dy, float[] dx) {
        int per = Math.max(1, g.outH() * g.outW() * g.c() * g.fh() * g.fw());
        Parallel.forRange(g.n(), Math.max(1, (1 << 15) / per), 1, (chunk, lo, hi) -> {
            int sample = g.h() * g.w() * g.c();
            Arrays.fill(dx, lo * sample, hi * sample, 0f);
            float[] best = new float[g.c()];
            int[] arg = new int[g.c()];
            for (int n = lo; n < hi; n++) {
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        int o = ((n * g.outH() + oy) * g.outW() + ox) * g.c();
                        Arrays.fill(arg, -1);
                        int div = g.divisor(oy, ox);
                        for (int ky = 0; ky < g.fh(); ky++) {
                            int iy = oy * g.strideH() - g.padH() + ky;
                            if (iy < 0 || iy >= g.h()) {
                                continue;
                            }
                            for (int kx = 0; kx < g.fw(); kx++) {
                                int ix = ox * g.strideW() - g.padW() + kx;
                                if (ix < 0 || ix >= g.w()) {
                                    continue;
                                }
                                int xi = ((n * g.h() + iy) * g.w() + ix) * g.c();
                                if (mode == PoolMode.MAX) {
                                    for (int ch = 0; ch < g.c(); ch++) {
                                        if (arg[ch] < 0 || x[xi + ch] > best[ch]) {
                                            best[ch] = x[xi + ch];
                                            arg[ch] = xi + ch;
                                        }
                                    }
                                } else {
                                    for (int ch = 0; ch < g.c(); ch++) {
                                        dx[xi + ch] += dy[o + ch] / div;
                                    }
                                }
                            }
                        }
                        if (mode == PoolMode.MAX) {
                            for (int ch = 0; ch < g.c(); ch++) {
                                if (arg[ch] >= 0) {
                                    dx[arg[ch]] += dy[o + ch];
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
