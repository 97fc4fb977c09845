package dev.cnn.core.reference;

import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.ConvGeometry;
import dev.cnn.core.kernel.PoolGeometry;

/**
 * The convolution and pooling operations written out step by step, as in the classic
 * "convolutional model, step by step" assignment: plain loops over examples, output positions and
 * channels, accumulating in double. This is the readable reference that the fast kernels are tested
 * against, not the code the layers run.
 *
 * <p>All images are NHWC. Convolution weights are {@code (kh, kw, cPrev, c)} and biases
 * {@code (1, 1, 1, c)}. Convolution output size is {@code floor((n + 2·pad - f) / stride) + 1}, pooling
 * output size {@code floor((n - f) / stride) + 1}.
 */
public final class StepByStep {

    private StepByStep() {
    }

    /** What {@link #convForward} keeps for the backward pass. */
    public record ConvCache(Tensor aPrev, Tensor w, Tensor b, ConvGeometry geometry) {
    }

    /** Output {@code z} {@code (m, nH, nW, c)} of a convolution and its cache. */
    public record ConvResult(Tensor z, ConvCache cache) {
    }

    /** Gradients of a convolution: {@code dAPrev} like aPrev, {@code dW} like W, {@code db} like b. */
    public record ConvGradients(Tensor dAPrev, Tensor dW, Tensor db) {
    }

    /** What {@link #poolForward} keeps for the backward pass. */
    public record PoolCache(Tensor aPrev, PoolGeometry geometry, PoolMode mode) {
    }

    /** Output {@code a} {@code (m, nH, nW, c)} of a pooling and its cache. */
    public record PoolResult(Tensor a, PoolCache cache) {
    }

    /** Pads the height and width of {@code x} {@code (m, nH, nW, c)} with {@code pad} zeros on each side. */
    public static Tensor zeroPad(Tensor x, int pad) {
        return zeroPad(x, pad, pad);
    }

    /** Pads height by {@code padH} and width by {@code padW} zeros on each side. */
    public static Tensor zeroPad(Tensor x, int padH, int padW) {
        x.requireRank("zeroPad input (m, nH, nW, c)", 4);
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got (" + padH + ", " + padW + ")");
        }
        int m = x.dim(0);
        int nH = x.dim(1);
        int nW = x.dim(2);
        int c = x.dim(3);
        Tensor out = Tensor.zeros(m, nH + 2 * padH, nW + 2 * padW, c);
        for (int i = 0; i < m; i++) {
            for (int h = 0; h < nH; h++) {
                for (int w = 0; w < nW; w++) {
                    for (int ch = 0; ch < c; ch++) {
                        out.set(x.get(i, h, w, ch), i, h + padH, w + padW, ch);
                    }
                }
            }
        }
        return out;
    }

    /**
     * One step of a convolution: {@code sum(aSlicePrev * w) + b} for a slice {@code (f, f, cPrev)}, a
     * filter of the same shape and a bias with one element.
     */
    public static double convSingleStep(Tensor aSlicePrev, Tensor w, Tensor b) {
        if (!aSlicePrev.sameShape(w)) {
            throw new IllegalArgumentException("convSingleStep: slice " + aSlicePrev.shapeString()
                    + " and filter " + w.shapeString() + " must have the same shape");
        }
        if (b.size() != 1) {
            throw new IllegalArgumentException("convSingleStep: bias must have one element, got shape " + b.shapeString());
        }
        double s = 0;
        float[] a = aSlicePrev.data();
        float[] f = w.data();
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * f[i];
        }
        return s + b.data()[0];
    }

    /** Convolution with the same stride and padding on both axes. */
    public static ConvResult convForward(Tensor aPrev, Tensor w, Tensor b, int stride, int pad) {
        return convForward(aPrev, w, b, stride, stride, pad, pad);
    }

    /**
     * Forward convolution of {@code aPrev} {@code (m, nHPrev, nWPrev, cPrev)} with {@code w}
     * {@code (kh, kw, cPrev, c)} and {@code b} {@code (1, 1, 1, c)}; returns {@code Z} {@code (m, nH, nW, c)}.
     */
    public static ConvResult convForward(Tensor aPrev, Tensor w, Tensor b, int strideH, int strideW,
                                         int padH, int padW) {
        ConvGeometry g = ConvGeometry.of(aPrev, w, strideH, strideW, padH, padW);
        g.requireBias(b);
        Tensor aPad = zeroPad(aPrev, padH, padW);
        Tensor z = Tensor.zeros(g.outputShape());
        for (int i = 0; i < g.n(); i++) {
            for (int h = 0; h < g.outH(); h++) {
                int vertStart = h * strideH;
                for (int x = 0; x < g.outW(); x++) {
                    int horizStart = x * strideW;
                    Tensor slice = window(aPad, i, vertStart, horizStart, g.kh(), g.kw());
                    for (int c = 0; c < g.cOut(); c++) {
                        Tensor filter = filter(w, c);
                        Tensor bias = Tensor.scalar(b.get(0, 0, 0, c)).reshape(1, 1, 1);
                        z.set((float) convSingleStep(slice, filter, bias), i, h, x, c);
                    }
                }
            }
        }
        return new ConvResult(z, new ConvCache(aPrev, w, b, g));
    }

    /** Backward convolution: gradients of the loss for aPrev, W and b given {@code dZ} {@code (m, nH, nW, c)}. */
    public static ConvGradients convBackward(Tensor dZ, ConvCache cache) {
        ConvGeometry g = cache.geometry();
        dZ.requireShape("convBackward dZ", g.outputShape());
        Tensor aPad = zeroPad(cache.aPrev(), g.padH(), g.padW());
        int hp = g.h() + 2 * g.padH();
        int wp = g.w() + 2 * g.padW();
        double[] dAPad = new double[g.n() * hp * wp * g.cIn()];
        double[] dW = new double[g.kh() * g.kw() * g.cIn() * g.cOut()];
        double[] db = new double[g.cOut()];
        Tensor w = cache.w();
        for (int i = 0; i < g.n(); i++) {
            for (int h = 0; h < g.outH(); h++) {
                for (int x = 0; x < g.outW(); x++) {
                    for (int c = 0; c < g.cOut(); c++) {
                        double dz = dZ.get(i, h, x, c);
                        // da_prev_pad[vert, horiz, :] += W[:, :, :, c] * dZ; dW[..., c] += a_slice * dZ
                        for (int u = 0; u < g.kh(); u++) {
                            for (int v = 0; v < g.kw(); v++) {
                                int ph = h * g.strideH() + u;
                                int pw = x * g.strideW() + v;
                                for (int k = 0; k < g.cIn(); k++) {
                                    int wi = ((u * g.kw() + v) * g.cIn() + k) * g.cOut() + c;
                                    dAPad[((i * hp + ph) * wp + pw) * g.cIn() + k] += w.data()[wi] * dz;
                                    dW[wi] += aPad.get(i, ph, pw, k) * dz;
                                }
                            }
                        }
                        db[c] += dz;
                    }
                }
            }
        }
        Tensor dAPrev = Tensor.zeros(g.inputShape());
        for (int i = 0; i < g.n(); i++) {
            for (int h = 0; h < g.h(); h++) {
                for (int x = 0; x < g.w(); x++) {
                    for (int k = 0; k < g.cIn(); k++) {
                        double v = dAPad[((i * hp + h + g.padH()) * wp + x + g.padW()) * g.cIn() + k];
                        dAPrev.set((float) v, i, h, x, k);
                    }
                }
            }
        }
        return new ConvGradients(dAPrev, Tensor.of(dW, g.weightShape()), Tensor.of(db, g.biasShape()));
    }

    /** Pooling with a square {@code f x f} window and the same stride on both axes. */
    public static PoolResult poolForward(Tensor aPrev, int f, int stride, PoolMode mode) {
        return poolForward(aPrev, f, f, stride, stride, mode);
    }

    /** Pooling of {@code aPrev} {@code (m, nHPrev, nWPrev, c)} with an {@code fh x fw} window. */
    public static PoolResult poolForward(Tensor aPrev, int fh, int fw, int strideH, int strideW, PoolMode mode) {
        PoolGeometry g = PoolGeometry.of(aPrev, fh, fw, strideH, strideW);
        Tensor a = Tensor.zeros(g.outputShape());
        for (int i = 0; i < g.n(); i++) {
            for (int h = 0; h < g.outH(); h++) {
                for (int x = 0; x < g.outW(); x++) {
                    for (int c = 0; c < g.c(); c++) {
                        Tensor slice = channelWindow(aPrev, i, h * strideH, x * strideW, fh, fw, c);
                        a.set((float) (mode == PoolMode.MAX ? max(slice) : slice.mean()), i, h, x, c);
                    }
                }
            }
        }
        return new PoolResult(a, new PoolCache(aPrev, g, mode));
    }

    /** {@code x == max(x)} for a 2-D window {@code x}: true where the maximum is (every tie included). */
    public static boolean[][] createMaskFromWindow(Tensor x) {
        x.requireRank("createMaskFromWindow window", 2);
        double m = max(x);
        boolean[][] mask = new boolean[x.dim(0)][x.dim(1)];
        for (int r = 0; r < x.dim(0); r++) {
            for (int c = 0; c < x.dim(1); c++) {
                mask[r][c] = x.get(r, c) == m;
            }
        }
        return mask;
    }

    /** Spreads {@code dz} evenly over an {@code nH x nW} window: every element is {@code dz / (nH·nW)}. */
    public static Tensor distributeValue(double dz, int nH, int nW) {
        if (nH < 1 || nW < 1) {
            throw new IllegalArgumentException("distributeValue: window must be at least 1x1, got " + nH + "x" + nW);
        }
        return Tensor.full((float) (dz / (nH * nW)), nH, nW);
    }

    /** Backward pooling: the gradient for aPrev given {@code dA} {@code (m, nH, nW, c)}. */
    public static Tensor poolBackward(Tensor dA, PoolCache cache) {
        PoolGeometry g = cache.geometry();
        dA.requireShape("poolBackward dA", g.outputShape());
        double[] dAPrev = new double[g.n() * g.h() * g.w() * g.c()];
        for (int i = 0; i < g.n(); i++) {
            for (int h = 0; h < g.outH(); h++) {
                for (int x = 0; x < g.outW(); x++) {
                    for (int c = 0; c < g.c(); c++) {
                        int vs = h * g.strideH();
                        int hs = x * g.strideW();
                        double da = dA.get(i, h, x, c);
                        if (cache.mode() == PoolMode.MAX) {
                            boolean[][] mask = createMaskFromWindow(
                                    channelWindow(cache.aPrev(), i, vs, hs, g.fh(), g.fw(), c));
                            for (int u = 0; u < g.fh(); u++) {
                                for (int v = 0; v < g.fw(); v++) {
                                    if (mask[u][v]) {
                                        dAPrev[((i * g.h() + vs + u) * g.w() + hs + v) * g.c() + c] += da;
                                    }
                                }
                            }
                        } else {
                            Tensor share = distributeValue(da, g.fh(), g.fw());
                            for (int u = 0; u < g.fh(); u++) {
                                for (int v = 0; v < g.fw(); v++) {
                                    dAPrev[((i * g.h() + vs + u) * g.w() + hs + v) * g.c() + c] += share.get(u, v);
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor.of(dAPrev, g.inputShape());
    }

    /** {@code aPad[i, vs:vs+fh, hs:hs+fw, :]} as a {@code (fh, fw, c)} tensor. */
    private static Tensor window(Tensor aPad, int i, int vs, int hs, int fh, int fw) {
        int c = aPad.dim(3);
        Tensor s = Tensor.zeros(fh, fw, c);
        for (int u = 0; u < fh; u++) {
            for (int v = 0; v < fw; v++) {
                for (int k = 0; k < c; k++) {
                    s.set(aPad.get(i, vs + u, hs + v, k), u, v, k);
                }
            }
        }
        return s;
    }

    /** {@code a[i, vs:vs+fh, hs:hs+fw, c]} as a {@code (fh, fw)} tensor. */
    private static Tensor channelWindow(Tensor a, int i, int vs, int hs, int fh, int fw, int c) {
        Tensor s = Tensor.zeros(fh, fw);
        for (int u = 0; u < fh; u++) {
            for (int v = 0; v < fw; v++) {
                s.set(a.get(i, vs + u, hs + v, c), u, v);
            }
        }
        return s;
    }

    /** {@code w[:, :, :, c]} as a {@code (kh, kw, cPrev)} tensor. */
    private static Tensor filter(Tensor w, int c) {
        Tensor f = Tensor.zeros(w.dim(0), w.dim(1), w.dim(2));
        for (int u = 0; u < w.dim(0); u++) {
            for (int v = 0; v < w.dim(1); v++) {
                for (int k = 0; k < w.dim(2); k++) {
                    f.set(w.get(u, v, k, c), u, v, k);
                }
            }
        }
        return f;
    }

    private static double max(Tensor x) {
        double m = Double.NEGATIVE_INFINITY;
        for (float v : x.data()) {
            m = Math.max(m, v);
        }
        return m;
    }
}
