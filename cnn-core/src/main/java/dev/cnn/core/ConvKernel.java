package dev.cnn.core;

import java.util.Arrays;

/**
 * Fast 2-D convolution on NHWC float32 data, the same semantics as {@link StepByStep#convForward}
 * and {@link StepByStep#convBackward}: kernel {@code (kh, kw, cIn, cOut)}, bias {@code cOut}, stride
 * and symmetric zero padding per axis.
 *
 * <p>Rows of the output (one per example and output position) are gathered block by block into an
 * im2col buffer of {@code kh·kw·cIn} columns and multiplied by the kernel with {@link Gemm}; the
 * blocks are spread over {@link Parallel#threads()} threads. An instance owns its work buffers and
 * reuses them from call to call, so a layer should keep one; it is not thread-safe.
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

    /**
     * {@code y = conv(x, w) + b}: {@code x} {@code (n, h, w, cIn)}, {@code w} {@code (kh, kw, cIn, cOut)},
     * {@code b} {@code (cOut)} or null, {@code y} {@code (n, outH, outW, cOut)}, all row-major.
     */
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        check(g, x, w, y);
        int k = g.kh() * g.kw() * g.cIn();
        int rows = g.n() * g.outH() * g.outW();
        Gemm.PackedB pw = Gemm.pack(g.cOut(), k, w, 0, g.cOut(), 1, wPack);
        wPack = pw.buffer();
        int block = blockRows(k);
        int chunks = Parallel.chunks(rows, block);
        ensureCols(chunks, block * k);
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
