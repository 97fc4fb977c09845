package dev.cnn.core.kernel;

import java.util.Arrays;

/** What the convolution algorithms share: padding, window offsets, im2col and col2im, bias sums, checks. */
final class ConvSupport {
    /** Target size of one im2col block, in floats (fits the L2 cache). */
    static final int BLOCK_FLOATS = 48 * 1024;
    /** Rows of the implicit products per block: about this many floats of C per block. */
    static final int BLOCK_OUT_ROWS = 1024;
    /** Paired rows may read this many positions past the padded image (always times a zero weight). */
    static final int SLACK = 2;

    private ConvSupport() {
    }

    /** Stride 1 and padding below the kernel size: a padded image holds every window (implicit and direct paths). */
    static boolean stride1(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && g.padH() < g.kh() && g.padW() < g.kw();
    }

    /**
     * Image {@code img} of {@code x} {@code (n, h, w, c)} zero-padded by {@code ph, pw} into {@code out}
     * (which has room for {@code (h+2ph)·(w+2pw)·c} values and {@link #SLACK} more, left zero), so the
     * product reads a padded image that is still in the cache.
     */
    static void padOne(float[] x, int img, int h, int w, int c, int ph, int pw, float[] out) {
        int end = (h + 2 * ph) * (w + 2 * pw) * c;
        padInto(x, img, h, w, c, ph, pw, w + 2 * pw, out);
        Arrays.fill(out, end, end + SLACK * c, 0f);
    }

    /**
     * Image {@code img} of {@code x} {@code (n, h, w, c)} zero-padded by {@code ph} rows above and
     * below, {@code pw} columns on the left and zeros up to {@code wq} columns on the right, into {@code out}.
     */
    static void padInto(float[] x, int img, int h, int w, int c, int ph, int pw, int wq, float[] out) {
        int hp = h + 2 * ph;
        Arrays.fill(out, 0, ph * wq * c, 0f);
        for (int r = 0; r < h; r++) {
            int row = (r + ph) * wq * c;
            Arrays.fill(out, row, row + pw * c, 0f);
            System.arraycopy(x, ((img * h) + r) * w * c, out, row + pw * c, w * c);
            Arrays.fill(out, row + (pw + w) * c, row + wq * c, 0f);
        }
        Arrays.fill(out, (ph + h) * wq * c, hp * wq * c, 0f);
    }

    static int[] offsets(int kh, int kw, int cIn, int wp) {
        int[] off = new int[kh * kw * cIn];
        int p = 0;
        for (int u = 0; u < kh; u++) {
            for (int q = 0; q < kw * cIn; q++) {
                off[p++] = u * wp * cIn + q;
            }
        }
        return off;
    }

    /**
     * Position {@code t} of a scratch tile of {@link VectorConv#tile} ({@code groups} groups of
     * {@code P × L} floats; with {@code per == 2}, column {@code (t % 2)·cOut + co} of pair {@code t / 2})
     * written to, or added to, {@code cOut} floats of {@code y} at {@code dst}.
     */
    static void copyOut(float[] tile, int t, int per, int cOut, int groups, float[] y, int dst, boolean add) {
        final int lanes = VectorConv.L;
        for (int g = 0; g < groups; g++) {
            int src = g * VectorConv.P * lanes + (t / per) * lanes + (t % per) * cOut;
            int len = per == 2 ? cOut : Math.min(lanes, cOut - g * lanes);
            int d = dst + g * lanes;
            if (add) {
                for (int c = 0; c < len; c++) {
                    y[d + c] += tile[src + c];
                }
            } else {
                System.arraycopy(tile, src, y, d, len);
            }
        }
    }

    /** {@code sums[off + co] += dy[(p0 + p)·cOut + co]} over {@code count} positions: the bias gradient. */
    static void addSums(float[] dy, int p0, int count, int cOut, float[] sums, int off) {
        for (int i = p0 * cOut; i < (p0 + count) * cOut; i += cOut) {
            for (int co = 0; co < cOut; co++) {
                sums[off + co] += dy[i + co];
            }
        }
    }

    static int blockRows(int k) {
        return Math.max(24, (BLOCK_FLOATS / k) / 24 * 24);
    }

    /**
     * The kernel for the input gradient of a stride-1 convolution, which is the convolution of the padded
     * output gradient with the kernel flipped in space and its channel axes swapped:
     * {@code Wf(u, v, co, c) = W(kh-1-u, kw-1-v, c, co)}, written into {@code out} (grown when short).
     */
    static float[] flip(ConvGeometry g, float[] w, float[] out) {
        final int kh = g.kh();
        final int kw = g.kw();
        final int cIn = g.cIn();
        final int cOut = g.cOut();
        float[] flipped = out.length < kh * kw * cIn * cOut ? new float[kh * kw * cIn * cOut] : out;
        for (int u = 0; u < kh; u++) {
            for (int vv = 0; vv < kw; vv++) {
                for (int c = 0; c < cIn; c++) {
                    for (int co = 0; co < cOut; co++) {
                        flipped[((u * kw + vv) * cOut + co) * cIn + c] = w[(((kh - 1 - u) * kw + (kw - 1 - vv)) * cIn + c) * cOut + co];
                    }
                }
            }
        }
        return flipped;
    }

    /** Rows {@code [r0, r1)} of the im2col matrix: row (i, oh, ow) holds the window in (u, v, c) order. */
    static void im2col(ConvGeometry g, float[] x, int r0, int r1, float[] out) {
        walk(g, x, out, r0, r1, true);
    }

    /** Adds rows {@code [r0, r1)} of a column-gradient matrix back into the input gradient. */
    static void col2im(ConvGeometry g, float[] dcols, int r0, int r1, float[] dx) {
        walk(g, dx, dcols, r0, r1, false);
    }

    /**
     * The im2col index walk over output positions {@code [r0, r1)}, window rows in (u, v, c) order: with
     * {@code gather}, copies each window of {@code image} into its row of {@code cols} (zeros outside the
     * image); otherwise adds each row of {@code cols} back into {@code image}. The flag is the same for the
     * whole call, so the JIT compiles the two loops apart.
     */
    private static void walk(ConvGeometry g, float[] image, float[] cols, int r0, int r1, boolean gather) {
        final int cIn = g.cIn();
        final int kh = g.kh();
        final int kw = g.kw();
        final int h = g.h();
        final int w = g.w();
        final int outW = g.outW();
        final int outH = g.outH();
        final int ohw = outH * outW;
        final int sh = g.strideH();
        final int sw = g.strideW();
        final int ph = g.padH();
        final int pw = g.padW();
        final int seg = kw * cIn;
        int i = r0 / ohw;
        int rem = r0 - i * ohw;
        int oh = rem / outW;
        int ow = rem - oh * outW;
        int col = 0;
        for (int r = r0; r < r1; r++) {
            int ih0 = oh * sh - ph;
            int iw0 = ow * sw - pw;
            int vLo = Math.max(0, -iw0);
            int vHi = Math.min(kw, w - iw0);
            for (int u = 0; u < kh; u++) {
                int ih = ih0 + u;
                boolean inside = ih >= 0 && ih < h && vHi > vLo;
                int at = inside ? ((i * h + ih) * w + iw0 + vLo) * cIn : 0;
                int len = (vHi - vLo) * cIn;
                int c = col + vLo * cIn;
                if (gather) {
                    if (!inside) {
                        for (int t = 0; t < seg; t++) {
                            cols[col + t] = 0f;
                        }
                    } else {
                        for (int t = 0; t < vLo * cIn; t++) {
                            cols[col + t] = 0f;
                        }
                        if (len >= 32) {
                            System.arraycopy(image, at, cols, c, len);
                        } else {
                            for (int t = 0; t < len; t++) {
                                cols[c + t] = image[at + t];
                            }
                        }
                        for (int t = vHi * cIn; t < seg; t++) {
                            cols[col + t] = 0f;
                        }
                    }
                } else if (inside) {
                    for (int t = 0; t < len; t++) {
                        image[at + t] += cols[c + t];
                    }
                }
                col += seg;
            }
            if (++ow == outW) {
                ow = 0;
                if (++oh == outH) {
                    oh = 0;
                    i++;
                }
            }
        }
    }

    /** {@link #check} for a backward pass, and {@code dx} (when given) of the input's size. */
    static void checkBackward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx) {
        check(g, x, w, dy);
        if (dx != null && dx.length != g.n() * g.h() * g.w() * g.cIn()) {
            throw new IllegalArgumentException("dx has " + dx.length + " elements, expected input shape "
                    + Arrays.toString(g.inputShape()));
        }
    }

    static void check(ConvGeometry g, float[] x, float[] w, float[] y) {
        int xs = g.n() * g.h() * g.w() * g.cIn();
        int ws = g.kh() * g.kw() * g.cIn() * g.cOut();
        int ys = g.n() * g.outH() * g.outW() * g.cOut();
        if (x.length != xs || w.length != ws || y.length != ys) {
            throw new IllegalArgumentException(g + ": arrays have " + x.length + ", " + w.length + ", " + y.length
                    + " elements, expected " + xs + ", " + ws + ", " + ys);
        }
    }
}
