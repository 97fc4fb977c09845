package dev.cnn.core.kernel;

import dev.cnn.core.Parallel;
import dev.cnn.core.reference.StepByStep;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Fast 2-D convolution on NHWC float32 data, the same semantics as {@link StepByStep#convForward}
 * and {@link StepByStep#convBackward}: kernel {@code (kh, kw, cIn, cOut)}, bias {@code cOut}, stride
 * and symmetric zero padding per axis.
 *
 * <p>With stride 1 (the common case) each image is zero-padded into a small per-thread buffer. On the
 * Vector API the convolution is then direct ({@link VectorConv}): register tiles of neighbouring output
 * positions by a vector of output channels, and the weight gradient with the taps of a kernel row
 * across the lanes. The plain-Java backend multiplies the padded image by the kernel with
 * {@link Gemm} as an implicit im2col: the rows of A are consecutive positions of the padded image
 * (including a few that fall in the padding columns, which are computed and dropped), and its
 * columns are offsets into the window, so nothing is gathered. On both, the input gradient is the
 * same convolution on the padded output gradient with the kernel flipped. Other strides gather rows
 * block by block into an im2col buffer. Work is split by examples over {@link Parallel#threads()} threads.
 * An instance owns its work buffers and reuses them from call to call, so a layer should keep one;
 * it is not thread-safe.
 */
public final class ConvKernel {
    /** Target size of one im2col block, in floats (fits the L2 cache). */
    private static final int BLOCK_FLOATS = 48 * 1024;

    private float[][] cols = new float[0][];
    private float[][] dCols = new float[0][];
    private float[][] dwPartial = new float[0][];
    private float[][] dyPack = new float[0][];
    private float[] wPack;
    private float[] wtPack;
    private float[][] images = new float[0][];
    private float[] flipped = new float[0];
    private float[] paired = new float[0];
    private float[] pairedBias = new float[0];
    private float[] wDirect;
    private float[] bDirect = new float[0];
    /** Rows of the implicit products per block: about this many floats of C per block. */
    private static final int BLOCK_OUT_ROWS = 1024;

    /**
     * {@code y = conv(x, w) + b}: {@code x} {@code (n, h, w, cIn)}, {@code w} {@code (kh, kw, cIn, cOut)},
     * {@code b} {@code (cOut)} or null, {@code y} {@code (n, outH, outW, cOut)}, all row-major.
     */
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        check(g, x, w, y);
        int k = g.kh() * g.kw() * g.cIn();
        int rows = g.n() * g.outH() * g.outW();
        if (implicit(g)) {
            convValid(g.n(), g.h(), g.w(), g.padH(), g.padW(), g.cIn(), g.kh(), g.kw(), g.cOut(), x, w, b, y, false);
            return;
        }
        int block = blockRows(k);
        int chunks = Parallel.chunks(rows, block);
        ensureCols(chunks, block * k);
        Gemm.PackedB pw = Gemm.pack(g.cOut(), k, w, 0, g.cOut(), 1, wPack);
        wPack = pw.buffer();
        Parallel.forRange(rows, block, 24, (chunk, lo, hi) -> {
            float[] buf = cols[chunk];
            for (int r0 = lo; r0 < hi; r0 += block) {
                int r1 = Math.min(hi, r0 + block);
                im2col(g, x, r0, r1, buf);
                pw.multiplyRows(0, r1 - r0, buf, 0, k, 1, y, r0 * g.cOut(), g.cOut(), b, false);
            }
        });
    }

    /**
     * Gradients of a convolution, added into {@code dx} (may be null when the input needs none),
     * {@code dw} and {@code db} (may be null): {@code dy} is the gradient of the output
     * {@code (n, outH, outW, cOut)}.
     */
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        check(g, x, w, dy);
        if (dx != null && dx.length != g.n() * g.h() * g.w() * g.cIn()) {
            throw new IllegalArgumentException("dx has " + dx.length + " elements, expected input shape "
                    + Arrays.toString(g.inputShape()));
        }
        if (implicit(g)) {
            implicitBackward(g, x, w, dy, dx, dw, db);
            return;
        }
        int k = g.kh() * g.kw() * g.cIn();
        int cOut = g.cOut();
        int perImage = g.outH() * g.outW();
        Gemm.PackedB pwt = null;
        if (dx != null) {
            pwt = Gemm.pack(k, cOut, w, 0, 1, cOut, wtPack); // B(p = co, j = kk) = w[kk·cOut + co]
            wtPack = pwt.buffer();
        }
        Gemm.PackedB wT = pwt;
        int block = Math.max(1, blockRows(k) / perImage) * perImage;
        int chunks = Parallel.chunks(g.n(), Math.max(1, block / perImage));
        ensureBackward(chunks, Math.min(block, g.n() * perImage) * k, k * cOut + cOut);
        Parallel.forRange(g.n(), Math.max(1, block / perImage), 1, (chunk, imgLo, imgHi) -> {
            float[] buf = cols[chunk];
            float[] dbuf = dCols[chunk];
            float[] part = dwPartial[chunk];
            Arrays.fill(part, 0f);
            int lo = imgLo * perImage;
            int hi = imgHi * perImage;
            for (int r0 = lo; r0 < hi; r0 += block) {
                int r1 = Math.min(hi, r0 + block);
                int n = r1 - r0;
                im2col(g, x, r0, r1, buf);
                // dW(kk, co) += sum over rows of cols(row, kk) · dy(row, co)
                Gemm.PackedB pdy = Gemm.pack(cOut, n, dy, r0 * cOut, cOut, 1, dyPack[chunk]);
                dyPack[chunk] = pdy.buffer();
                pdy.multiplyRows(0, k, buf, 0, 1, k, part, 0, cOut, null, true);
                for (int r = r0; r < r1; r++) {
                    int o = r * cOut;
                    for (int co = 0; co < cOut; co++) {
                        part[k * cOut + co] += dy[o + co];
                    }
                }
                if (wT != null) {
                    wT.multiplyRows(0, n, dy, r0 * cOut, cOut, 1, dbuf, 0, k, null, false);
                    col2im(g, dbuf, r0, r1, dx);
                }
            }
        });
        for (int c = 0; c < chunks; c++) {
            float[] part = dwPartial[c];
            for (int i = 0; i < k * cOut; i++) {
                dw[i] += part[i];
            }
            if (db != null) {
                for (int co = 0; co < cOut; co++) {
                    db[co] += part[k * cOut + co];
                }
            }
        }
    }

    /** Stride 1 and padding below the kernel size: the implicit path applies. */
    private static boolean implicit(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && g.padH() < g.kh() && g.padW() < g.kw();
    }

    /**
     * Image {@code img} of {@code x} {@code (n, h, w, c)} zero-padded by {@code ph, pw} into {@code out}
     * (which has room for {@code (h+2ph)·(w+2pw)·c} values and {@link #SLACK} more, left zero), so the
     * product reads a padded image that is still in the cache.
     */
    private static void padOne(float[] x, int img, int h, int w, int c, int ph, int pw, float[] out) {
        int end = (h + 2 * ph) * (w + 2 * pw) * c;
        padInto(x, img, h, w, c, ph, pw, w + 2 * pw, out);
        Arrays.fill(out, end, end + SLACK * c, 0f);
    }

    /** Paired rows may read this many positions past the padded image (always times a zero weight). */
    private static final int SLACK = 2;

    /** Offset tables by window shape: a layer's forward, weight-gradient and input-gradient products each use one. */
    private final Map<Long, int[]> windowOffsets = new HashMap<>();

    /** Column offsets of the implicit im2col: window element (u, v, c) of an image row {@code wp·cIn} wide. */
    private int[] windowOffsets(int kh, int kw, int cIn, int wp) {
        long key = (((long) kh * 64 + kw) * 65536 + cIn) * 65536 + wp;
        return windowOffsets.computeIfAbsent(key, unused -> offsets(kh, kw, cIn, wp));
    }

    private static int[] offsets(int kh, int kw, int cIn, int wp) {
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
     * Stride-1 convolution of {@code x} {@code (n, h, w, cIn)} zero-padded by {@code (ph, pw)} with the kernel
     * {@code wm} {@code (kh·kw·cIn) × cOut}: written to {@code y} {@code (n, h+2ph-kh+1, w+2pw-kw+1, cOut)}, or
     * added to it. When {@code cOut} fills at most half a vector, two neighbouring positions are computed
     * per row of the product with a kernel one column wider ({@code kw + 1}) that holds the filter twice,
     * shifted by one position, so the vectors run full.
     */
    private void convValid(int n, int h, int w, int ph, int pw, int cIn, int kh, int kw, int cOut, float[] x, float[] wm,
                           float[] bias, float[] y, boolean add) {
        int hp = h + 2 * ph;
        int wp = w + 2 * pw;
        int outH = hp - kh + 1;
        int outW = wp - kw + 1;
        boolean pair = Gemm.paddedWidth(cOut) >= 2 * cOut;
        int per = pair ? 2 : 1;
        int nc = per * cOut;
        float[] wmat = wm;
        float[] b2 = bias;
        if (pair) {
            int k2 = kh * (kw + 1) * cIn;
            if (paired.length < k2 * nc) {
                paired = new float[k2 * nc];
            }
            Arrays.fill(paired, 0, k2 * nc, 0f);
            for (int u = 0; u < kh; u++) {
                for (int q = 0; q <= kw; q++) {
                    for (int c = 0; c < cIn; c++) {
                        int row = ((u * (kw + 1) + q) * cIn + c) * nc;
                        if (q < kw) {
                            System.arraycopy(wm, ((u * kw + q) * cIn + c) * cOut, paired, row, cOut);
                        }
                        if (q >= 1) {
                            System.arraycopy(wm, ((u * kw + q - 1) * cIn + c) * cOut, paired, row + cOut, cOut);
                        }
                    }
                }
            }
            wmat = paired;
            if (bias != null) {
                if (pairedBias.length != nc) {
                    pairedBias = new float[nc];
                }
                System.arraycopy(bias, 0, pairedBias, 0, cOut);
                System.arraycopy(bias, 0, pairedBias, cOut, cOut);
                b2 = pairedBias;
            }
        }
        if (Gemm.vectorActive()) {
            convDirect(n, h, w, ph, pw, cIn, kh, kw, per, cOut, wmat, b2, x, y, add);
            return;
        }
        int kwe = kw + per - 1;
        Gemm.PackedB pb = Gemm.pack(nc, kh * kwe * cIn, wmat, 0, nc, 1, wPack);
        int[] kOff = windowOffsets(kh, kwe, cIn, wp);
        wPack = pb.buffer();
        float[] bb = b2;
        int v = (outH - 1) * wp + outW; // positions per image, stopping at the last valid one
        int block = Math.min(v, Math.max(1, BLOCK_OUT_ROWS / wp) * wp);
        int chunks = Parallel.chunks(n, 1);
        ensureCols(chunks, (block + 1) * cOut);
        ensureImages(chunks, (hp * wp + SLACK) * cIn);
        Parallel.forRange(n, 1, 1, (chunk, lo, hi) -> {
            float[] cs = cols[chunk];
            float[] xp = images[chunk];
            for (int img = lo; img < hi; img++) {
                padOne(x, img, h, w, cIn, ph, pw, xp);
                for (int v0 = 0; v0 < v; v0 += block) {
                    int v1 = Math.min(v, v0 + block);
                    int rows = (v1 - v0 + per - 1) / per;
                    pb.multiplyRows(0, rows, xp, v0 * cIn, per * cIn, null, kOff, cs, 0, nc, bb, false);
                    int oh = v0 / wp;
                    int ow = v0 - oh * wp;
                    for (int r = v0; r < v1; r++) {
                        if (ow < outW) {
                            int dst = ((img * outH + oh) * outW + ow) * cOut;
                            int src = (r - v0) * cOut; // paired rows hold positions 2i and 2i+1 side by side
                            if (add) {
                                for (int co = 0; co < cOut; co++) {
                                    y[dst + co] += cs[src + co];
                                }
                            } else {
                                System.arraycopy(cs, src, y, dst, cOut);
                            }
                        }
                        if (++ow == wp) {
                            ow = 0;
                            oh++;
                        }
                    }
                }
            }
        });
    }

    /**
     * {@link #convValid} on the Vector API kernels of {@link VectorConv}: {@code wmat} is the kernel
     * matrix ({@code kh·(kw+per-1)·cIn × per·cOut}, paired when {@code per == 2}), {@code bias} has
     * {@code per·cOut} values or is null. Each image is padded into a per-thread buffer at least one
     * register tile wide; tiles that overhang the row or overlap the previous tile go through a
     * per-thread scratch tile and only their new positions are written.
     */
    private void convDirect(int n, int h, int w, int ph, int pw, int cIn, int kh, int kw, int per, int cOut,
                            float[] wmat, float[] bias, float[] x, float[] y, boolean add) {
        final int lanes = VectorConv.L;
        final int span = per * VectorConv.P;
        final int nc = per * cOut;
        final int kwe = kw + per - 1;
        final int rows = kh * kwe * cIn;
        final int groups = (nc + lanes - 1) / lanes;
        final int hp = h + 2 * ph;
        final int wp = w + 2 * pw;
        final int outH = hp - kh + 1;
        final int outW = wp - kw + 1;
        // row tiles: each output row in tiles of span positions (the last overlapping the one before);
        // flat tiles: the padded image read as one long row, dropping the positions in padding columns.
        // Flat wastes less when a row is much narrower than a tile (a 14-wide row of paired positions).
        final int tilesPerRow = (outW + span - 1) / span;
        final boolean flat = wp < tilesPerRow * span;
        final int wq = flat ? wp : Math.max(wp, span + kw - 1);
        final int slack = flat ? (span + kwe) * cIn : 0;
        float[] wk = VectorConv.packWeights(wmat, rows, nc, wDirect);
        wDirect = wk;
        float[] bp = null;
        if (bias != null) {
            if (bDirect.length < groups * lanes) {
                bDirect = new float[groups * lanes];
            }
            Arrays.fill(bDirect, 0f);
            System.arraycopy(bias, 0, bDirect, 0, nc);
            bp = bDirect;
        }
        final float[] bk = bp;
        int chunks = Parallel.chunks(n, 1);
        ensureImages(chunks, hp * wq * cIn + slack);
        ensureCols(chunks, groups * VectorConv.P * lanes);
        // outputs go straight to y when a tile's rows are whole output positions: per == 1 with whole
        // vectors of channels, or per == 2 with pairs of positions exactly one vector wide
        final boolean whole = per == 1 ? cOut % lanes == 0 : nc == lanes;
        final int os = per == 1 ? cOut : lanes;
        Parallel.forRange(n, 1, 1, (chunk, lo, hi) -> {
            float[] xp = images[chunk];
            float[] tile = cols[chunk];
            Arrays.fill(xp, hp * wq * cIn, hp * wq * cIn + slack, 0f);
            for (int img = lo; img < hi; img++) {
                padInto(x, img, h, w, cIn, ph, pw, wq, xp);
                if (flat) {
                    int end = (outH - 1) * wq + outW;
                    for (int v0 = 0; v0 < end; v0 += span) {
                        for (int g = 0; g < groups; g++) {
                            VectorConv.tile(xp, v0 * cIn, per, wq * cIn, kh, kw, cIn, wk, g * rows * lanes, tile,
                                    g * VectorConv.P * lanes, lanes, bk, g * lanes, false);
                        }
                        int oh = v0 / wq;
                        int ow = v0 - oh * wq;
                        int count = Math.min(span, end - v0);
                        for (int t = 0; t < count; t++) {
                            if (ow < outW) {
                                copyOut(tile, t, per, cOut, groups, y, ((img * outH + oh) * outW + ow) * cOut, add);
                            }
                            if (++ow == wq) {
                                ow = 0;
                                oh++;
                            }
                        }
                    }
                    continue;
                }
                for (int oh = 0; oh < outH; oh++) {
                    int rowOut = (img * outH + oh) * outW;
                    for (int x0 = 0; x0 < outW; x0 += span) {
                        int xs = Math.min(x0, Math.max(0, outW - span));
                        int from = x0 - xs;
                        int count = Math.min(span, outW - xs);
                        int base = (oh * wq + xs) * cIn;
                        boolean direct = whole && from == 0 && count == span;
                        for (int g = 0; g < groups; g++) {
                            if (direct) {
                                VectorConv.tile(xp, base, per, wq * cIn, kh, kw, cIn, wk, g * rows * lanes, y,
                                        (rowOut + xs) * cOut + g * lanes, os, bk, g * lanes, add);
                            } else {
                                VectorConv.tile(xp, base, per, wq * cIn, kh, kw, cIn, wk, g * rows * lanes, tile,
                                        g * VectorConv.P * lanes, lanes, bk, g * lanes, false);
                            }
                        }
                        if (!direct && nc == lanes) {
                            // one vector per tile row holding whole positions: the tile is dense NHWC
                            int dst = (rowOut + xs + from) * cOut;
                            int len = (count - from) * cOut;
                            if (add) {
                                for (int c = 0; c < len; c++) {
                                    y[dst + c] += tile[from * cOut + c];
                                }
                            } else {
                                System.arraycopy(tile, from * cOut, y, dst, len);
                            }
                        } else if (!direct) {
                            for (int t = from; t < count; t++) {
                                copyOut(tile, t, per, cOut, groups, y, (rowOut + xs + t) * cOut, add);
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Position {@code t} of a scratch tile of {@link VectorConv#tile} ({@code groups} groups of
     * {@code P × L} floats; with {@code per == 2}, column {@code (t % 2)·cOut + co} of pair {@code t / 2})
     * written to, or added to, {@code cOut} floats of {@code y} at {@code dst}.
     */
    private static void copyOut(float[] tile, int t, int per, int cOut, int groups, float[] y, int dst, boolean add) {
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

    /**
     * Image {@code img} of {@code x} {@code (n, h, w, c)} zero-padded by {@code ph} rows above and
     * below, {@code pw} columns on the left and zeros up to {@code wq} columns on the right, into {@code out}.
     */
    private static void padInto(float[] x, int img, int h, int w, int c, int ph, int pw, int wq, float[] out) {
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

    private void implicitBackward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        final int kh = g.kh();
        final int kw = g.kw();
        final int cIn = g.cIn();
        final int cOut = g.cOut();
        final int k = kh * kw * cIn;
        final int outH = g.outH();
        final int outW = g.outW();
        int lanes = Gemm.vectorActive() ? VectorConv.L : 0;
        if (lanes > 0 && kw * cIn < 2 * lanes && (lanes % cOut == 0 || cOut % lanes == 0)) {
            smallWeightGradient(g, x, dy, dw, db);
        } else if (Gemm.vectorActive()) {
            directWeightGradient(g, x, dy, dw, db);
        } else {
            gemmWeightGradient(g, x, dy, dw, db);
        }
        if (dx == null) {
            return;
        }
        // dX = valid convolution of dY padded by (k - 1 - pad) with the kernel flipped in space and
        // its channel axes swapped: Wf(u, v, co, c) = W(kh-1-u, kw-1-v, c, co)
        int qh = kh - 1 - g.padH();
        int qw = kw - 1 - g.padW();
        if (flipped.length < k * cOut) {
            flipped = new float[k * cOut];
        }
        for (int u = 0; u < kh; u++) {
            for (int vv = 0; vv < kw; vv++) {
                for (int c = 0; c < cIn; c++) {
                    for (int co = 0; co < cOut; co++) {
                        flipped[((u * kw + vv) * cOut + co) * cIn + c] = w[(((kh - 1 - u) * kw + (kw - 1 - vv)) * cIn + c) * cOut + co];
                    }
                }
            }
        }
        convValid(g.n(), outH, outW, qh, qw, cOut, kh, kw, cIn, dy, flipped, null, dx, true);
    }

    /**
     * dW and db of a stride-1 convolution as one product per image: dW(p, co) = Σ over positions of
     * A(position, p)·dY(position, co), A the implicit im2col of the padded image; positions in the
     * padding columns get a zero dY row, so they add nothing.
     */
    private void gemmWeightGradient(ConvGeometry g, float[] x, float[] dy, float[] dw, float[] db) {
        final int kh = g.kh();
        final int kw = g.kw();
        final int cIn = g.cIn();
        final int cOut = g.cOut();
        final int k = kh * kw * cIn;
        final int hp = g.h() + 2 * g.padH();
        final int wp = g.w() + 2 * g.padW();
        final int outH = g.outH();
        final int outW = g.outW();
        final int[] kOff = windowOffsets(kh, kw, cIn, wp);
        final int v = (outH - 1) * wp + outW;
        final int block = Math.min(v, Math.max(1, BLOCK_OUT_ROWS / wp) * wp);
        final int[] along = Gemm.linear(block, cIn);
        int chunks = Parallel.chunks(g.n(), 1);
        ensureBackward(chunks, block * cOut, k * cOut + cOut);
        ensureImages(chunks, (hp * wp + SLACK) * cIn);
        Parallel.forRange(g.n(), 1, 1, (chunk, lo, hi) -> {
            float[] dyv = dCols[chunk];
            float[] part = dwPartial[chunk];
            float[] xp = images[chunk];
            Arrays.fill(part, 0f);
            for (int img = lo; img < hi; img++) {
                padOne(x, img, g.h(), g.w(), cIn, g.padH(), g.padW(), xp);
                for (int v0 = 0; v0 < v; v0 += block) {
                    int v1 = Math.min(v, v0 + block);
                    int oh = v0 / wp;
                    int ow = v0 - oh * wp;
                    for (int r = v0; r < v1; r++) {
                        int dst = (r - v0) * cOut;
                        if (ow < outW) {
                            System.arraycopy(dy, ((img * outH + oh) * outW + ow) * cOut, dyv, dst, cOut);
                        } else {
                            Arrays.fill(dyv, dst, dst + cOut, 0f);
                        }
                        if (++ow == wp) {
                            ow = 0;
                            oh++;
                        }
                    }
                    Gemm.PackedB pdy = Gemm.pack(cOut, v1 - v0, dyv, 0, cOut, 1, dyPack[chunk]);
                    dyPack[chunk] = pdy.buffer();
                    pdy.multiplyRows(0, k, xp, v0 * cIn, 0, kOff, along, part, 0, cOut, null, true);
                }
                addSums(dy, img * outH * outW, outH * outW, cOut, part, k * cOut);
            }
        });
        for (int c = 0; c < chunks; c++) {
            float[] part = dwPartial[c];
            for (int i = 0; i < k * cOut; i++) {
                dw[i] += part[i];
            }
            if (db != null) {
                for (int co = 0; co < cOut; co++) {
                    db[co] += part[k * cOut + co];
                }
            }
        }
    }

    /**
     * dW and db of a stride-1 convolution with short kernel rows (a first layer) on
     * {@link VectorConv#weightSmall}, the output gradient read as it lies and the image laid out
     * channel-planar. With fewer output channels than a vector, {@code m = L / cOut} neighbouring
     * positions share a vector and every image value is repeated {@code cOut} times; with whole vectors
     * of channels, each vector holds L channels of one position and every value is repeated L times.
     * Either way each tap is one full-width multiply-add per step.
     */
    private void smallWeightGradient(ConvGeometry g, float[] x, float[] dy, float[] dw, float[] db) {
        final int lanes = VectorConv.L;
        final int kh = g.kh();
        final int kw = g.kw();
        final int cIn = g.cIn();
        final int cOut = g.cOut();
        final int h = g.h();
        final int w = g.w();
        final int ph = g.padH();
        final int pw = g.padW();
        final int hp = h + 2 * ph;
        final int outH = g.outH();
        final int outW = g.outW();
        // few channels: m positions per vector, each value repeated cOut times; whole vectors of
        // channels: one position per vector, each value repeated L times (a broadcast), one group per vector
        final boolean few = cOut < lanes;
        final int m = few ? lanes / cOut : 1;
        final int rep = few ? cOut : lanes;
        final int groups = few ? 1 : cOut / lanes;
        final int dStep = few ? lanes : cOut;
        final int owp = (outW + m - 1) / m * m;
        final int wq = Math.max(w + 2 * pw, owp + kw - 1);
        final int plane = hp * wq * rep;
        final int taps = kh * kw * cIn;
        final int block = VectorConv.SMALL_TAPS;
        final int tb = (taps + block - 1) / block * block;
        final int[] tOff = new int[tb];
        for (int u = 0; u < kh; u++) {
            for (int v = 0; v < kw; v++) {
                for (int c = 0; c < cIn; c++) {
                    tOff[(u * kw + v) * cIn + c] = c * plane + (u * wq + v) * rep;
                }
            }
        }
        final int perImage = outH * outW;
        final boolean copyDy = owp != outW;
        final int sums = groups * tb * lanes; // then one db vector per group, then one nothing reads
        int chunks = Parallel.chunks(g.n(), 1);
        ensureBackward(chunks, Math.max(copyDy ? outH * owp * cOut : 0, w), sums + (groups + 1) * lanes);
        ensureImages(chunks, cIn * plane);
        Parallel.forRange(g.n(), 1, 1, (chunk, lo, hi) -> {
            float[] e = images[chunk];
            float[] part = dwPartial[chunk];
            float[] buf = dCols[chunk];
            Arrays.fill(part, 0f);
            Arrays.fill(e, 0, cIn * plane, 0f); // the padding stays zero; every image overwrites the rest
            for (int img = lo; img < hi; img++) {
                for (int r = 0; r < h; r++) {
                    for (int c = 0; c < cIn; c++) {
                        int src = (img * h + r) * w * cIn + c;
                        for (int col = 0; col < w; col++) {
                            buf[col] = x[src + col * cIn];
                        }
                        VectorConv.repeat(buf, 0, w, rep, e, c * plane + ((r + ph) * wq + pw) * rep);
                    }
                }
                float[] d = dy;
                int dq = img * perImage * cOut;
                if (copyDy) {
                    Arrays.fill(buf, 0, outH * owp * cOut, 0f);
                    for (int oh = 0; oh < outH; oh++) {
                        System.arraycopy(dy, dq + oh * outW * cOut, buf, oh * owp * cOut, outW * cOut);
                    }
                    d = buf;
                    dq = 0;
                }
                for (int grp = 0; grp < groups; grp++) {
                    for (int t0 = 0; t0 < tb; t0 += block) {
                        // the first block also sums dY for db; later ones put that sum where nothing reads it
                        VectorConv.weightSmall(e, (wq - owp) * rep, d, dq + grp * lanes, dStep, outH, owp / m, tOff, t0,
                                part, (grp * tb + t0) * lanes, sums + (t0 == 0 ? grp : groups) * lanes);
                    }
                }
            }
        });
        for (int c = 0; c < chunks; c++) {
            float[] part = dwPartial[c];
            for (int t = 0; t < taps; t++) {
                for (int co = 0; co < cOut; co++) {
                    float s = 0f;
                    if (few) {
                        for (int q = 0; q < m; q++) {
                            s += part[t * lanes + q * cOut + co];
                        }
                    } else {
                        s = part[((co / lanes) * tb + t) * lanes + co % lanes];
                    }
                    dw[t * cOut + co] += s;
                }
            }
            if (db != null) {
                for (int co = 0; co < cOut; co++) {
                    float s = 0f;
                    if (few) {
                        for (int q = 0; q < m; q++) {
                            s += part[sums + q * cOut + co];
                        }
                    } else {
                        s = part[sums + co];
                    }
                    db[co] += s;
                }
            }
        }
    }

    /**
     * dW and db of a stride-1 convolution on {@link VectorConv#weightRow}: dWᵀ(co, tap) accumulated per
     * kernel row over the output positions, with the taps of a kernel row ({@code kw·cIn} contiguous
     * values of the padded image) across the lanes. Per-thread partial sums are added in chunk order.
     */
    private void directWeightGradient(ConvGeometry g, float[] x, float[] dy, float[] dw, float[] db) {
        final int kh = g.kh();
        final int kw = g.kw();
        final int cIn = g.cIn();
        final int cOut = g.cOut();
        final int hp = g.h() + 2 * g.padH();
        final int wp = g.w() + 2 * g.padW();
        final int outH = g.outH();
        final int outW = g.outW();
        final int kwc = kw * cIn;
        final int taps = VectorConv.WEIGHT_TAPS;
        final int channels = VectorConv.WEIGHT_CHANNELS;
        final int tp = (kwc + taps - 1) / taps * taps;
        final int cop = (cOut + channels - 1) / channels * channels;
        final int perImage = outH * outW;
        final boolean copyDy = cop != cOut;
        int chunks = Parallel.chunks(g.n(), 1);
        ensureBackward(chunks, copyDy ? perImage * cop : 0, kh * cop * tp + cOut);
        ensureImages(chunks, hp * wp * cIn + taps);
        Parallel.forRange(g.n(), 1, 1, (chunk, lo, hi) -> {
            float[] xp = images[chunk];
            float[] part = dwPartial[chunk];
            float[] dyb = copyDy ? dCols[chunk] : dy;
            Arrays.fill(part, 0f);
            Arrays.fill(xp, hp * wp * cIn, hp * wp * cIn + taps, 0f);
            for (int img = lo; img < hi; img++) {
                padInto(x, img, g.h(), g.w(), cIn, g.padH(), g.padW(), wp, xp);
                int dyBase = img * perImage * cOut;
                if (copyDy) {
                    Arrays.fill(dyb, 0, perImage * cop, 0f);
                    for (int p = 0; p < perImage; p++) {
                        System.arraycopy(dy, dyBase + p * cOut, dyb, p * cop, cOut);
                    }
                    dyBase = 0;
                }
                for (int u = 0; u < kh; u++) {
                    for (int c0 = 0; c0 < cop; c0 += channels) {
                        for (int t0 = 0; t0 < tp; t0 += taps) {
                            VectorConv.weightRow(xp, u * wp * cIn + t0, cIn, (wp - outW) * cIn, dyb, dyBase + c0, cop,
                                    outH, outW, part, (u * cop + c0) * tp + t0, tp);
                        }
                    }
                }
                addSums(dy, img * perImage, perImage, cOut, part, kh * cop * tp);
            }
        });
        for (int c = 0; c < chunks; c++) {
            float[] part = dwPartial[c];
            for (int u = 0; u < kh; u++) {
                for (int t = 0; t < kwc; t++) {
                    int dst = (u * kwc + t) * cOut;
                    for (int co = 0; co < cOut; co++) {
                        dw[dst + co] += part[(u * cop + co) * tp + t];
                    }
                }
            }
            if (db != null) {
                for (int co = 0; co < cOut; co++) {
                    db[co] += part[kh * cop * tp + co];
                }
            }
        }
    }


    /** {@code sums[off + co] += dy[(p0 + p)·cOut + co]} over {@code count} positions: the bias gradient. */
    private static void addSums(float[] dy, int p0, int count, int cOut, float[] sums, int off) {
        for (int i = p0 * cOut; i < (p0 + count) * cOut; i += cOut) {
            for (int co = 0; co < cOut; co++) {
                sums[off + co] += dy[i + co];
            }
        }
    }

    private static int blockRows(int k) {
        return Math.max(24, (BLOCK_FLOATS / k) / 24 * 24);
    }

    private void ensureCols(int chunks, int colFloats) {
        if (cols.length < chunks) {
            cols = Arrays.copyOf(cols, chunks);
            dCols = Arrays.copyOf(dCols, chunks);
            dwPartial = Arrays.copyOf(dwPartial, chunks);
            dyPack = Arrays.copyOf(dyPack, chunks);
        }
        for (int c = 0; c < chunks; c++) {
            if (cols[c] == null || cols[c].length < colFloats) {
                cols[c] = new float[colFloats];
            }
        }
    }

    private void ensureImages(int chunks, int floats) {
        if (images.length < chunks) {
            images = Arrays.copyOf(images, chunks);
        }
        for (int c = 0; c < chunks; c++) {
            if (images[c] == null || images[c].length < floats) {
                images[c] = new float[floats];
            }
        }
    }

    private void ensureBackward(int chunks, int colFloats, int partFloats) {
        ensureCols(chunks, colFloats);
        for (int c = 0; c < chunks; c++) {
            if (dCols[c] == null || dCols[c].length < colFloats) {
                dCols[c] = new float[colFloats];
            }
            if (dwPartial[c] == null || dwPartial[c].length != partFloats) {
                dwPartial[c] = new float[partFloats];
            }
        }
    }

    /** Rows {@code [r0, r1)} of the im2col matrix: row (i, oh, ow) holds the window in (u, v, c) order. */
    static void im2col(ConvGeometry g, float[] x, int r0, int r1, float[] out) {
        final int cIn = g.cIn();
        final int kh = g.kh();
        final int kw = g.kw();
        final int h = g.h();
        final int w = g.w();
        final int outW = g.outW();
        final int ohw = g.outH() * outW;
        final int sh = g.strideH();
        final int sw = g.strideW();
        final int ph = g.padH();
        final int pw = g.padW();
        final int seg = kw * cIn;
        int i = r0 / ohw;
        int rem = r0 - i * ohw;
        int oh = rem / outW;
        int ow = rem - oh * outW;
        int dst = 0;
        for (int r = r0; r < r1; r++) {
            int ih0 = oh * sh - ph;
            int iw0 = ow * sw - pw;
            int vLo = Math.max(0, -iw0);
            int vHi = Math.min(kw, w - iw0);
            for (int u = 0; u < kh; u++) {
                int ih = ih0 + u;
                if (ih < 0 || ih >= h || vHi <= vLo) {
                    for (int t = 0; t < seg; t++) {
                        out[dst + t] = 0f;
                    }
                } else {
                    for (int t = 0; t < vLo * cIn; t++) {
                        out[dst + t] = 0f;
                    }
                    int src = ((i * h + ih) * w + iw0 + vLo) * cIn;
                    int len = (vHi - vLo) * cIn;
                    int d = dst + vLo * cIn;
                    if (len >= 32) {
                        System.arraycopy(x, src, out, d, len);
                    } else {
                        for (int t = 0; t < len; t++) {
                            out[d + t] = x[src + t];
                        }
                    }
                    for (int t = vHi * cIn; t < seg; t++) {
                        out[dst + t] = 0f;
                    }
                }
                dst += seg;
            }
            if (++ow == outW) {
                ow = 0;
                if (++oh == g.outH()) {
                    oh = 0;
                    i++;
                }
            }
        }
    }

    /** Adds rows {@code [r0, r1)} of a column-gradient matrix back into the input gradient. */
    static void col2im(ConvGeometry g, float[] dcols, int r0, int r1, float[] dx) {
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
        int src = 0;
        for (int r = r0; r < r1; r++) {
            int ih0 = oh * sh - ph;
            int iw0 = ow * sw - pw;
            int vLo = Math.max(0, -iw0);
            int vHi = Math.min(kw, w - iw0);
            for (int u = 0; u < kh; u++) {
                int ih = ih0 + u;
                if (ih >= 0 && ih < h && vHi > vLo) {
                    int d = ((i * h + ih) * w + iw0 + vLo) * cIn;
                    int s = src + vLo * cIn;
                    int len = (vHi - vLo) * cIn;
                    for (int t = 0; t < len; t++) {
                        dx[d + t] += dcols[s + t];
                    }
                }
                src += seg;
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

    private static void check(ConvGeometry g, float[] x, float[] w, float[] y) {
        int xs = g.n() * g.h() * g.w() * g.cIn();
        int ws = g.kh() * g.kw() * g.cIn() * g.cOut();
        int ys = g.n() * g.outH() * g.outW() * g.cOut();
        if (x.length != xs || w.length != ws || y.length != ys) {
            throw new IllegalArgumentException(g + ": arrays have " + x.length + ", " + w.length + ", " + y.length
                    + " elements, expected " + xs + ", " + ws + ", " + ys);
        }
    }
}
