package dev.cnn.core.kernel;

import dev.cnn.core.internal.Parallel;
import java.util.Arrays;

/**
 * Stride 1 on the Vector API tiles of {@link VectorConv}: each image is zero-padded into a per-thread
 * buffer ({@code images}) at least one register tile wide, and a tile of neighbouring output positions
 * by a vector of output channels is accumulated in registers while the whole kernel is applied; tiles
 * that overhang a row go through a per-thread scratch tile ({@code cols}). The weight gradient puts the
 * taps of a kernel row across the lanes ({@link VectorConv#weightRow}), or for short kernel rows (a first
 * layer) one tap per register ({@link VectorConv#weightSmall}), into per-thread partial sums
 * ({@code dwPartial}, with an output-gradient copy in {@code dCols}); the input gradient is the same
 * convolution of the output gradient with the flipped kernel.
 */
final class DirectConv extends BufferedConv {
    DirectConv(Backend backend, Workspace ws) {
        super(backend, ws);
    }


    @Override
    public String name() {
        return "direct";
    }

    @Override
    public boolean supports(ConvGeometry g) {
        return ConvSupport.stride1(g) && backend.vectorApi();
    }

    @Override
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        ConvSupport.checkBackward(g, x, w, dy, dx);
        int lanes = VectorConv.L;
        if (g.kw() * g.cIn() < 2 * lanes && (lanes % g.cOut() == 0 || g.cOut() % lanes == 0)) {
            smallWeightGradient(g, x, dy, dw, db);
        } else {
            directWeightGradient(g, x, dy, dw, db);
        }
        inputGradient(g, w, dy, dx);
    }

    /**
     * Stride-1 convolution of {@code x} {@code (n, h, w, cIn)} zero-padded by {@code (ph, pw)} with the kernel
     * {@code wm} {@code (kh·kw·cIn) × cOut}: written to {@code y} {@code (n, h+2ph-kh+1, w+2pw-kw+1, cOut)}, or
     * added to it; with paired positions when {@code cOut} fills at most half a vector (see {@link #kernel}).
     */
    @Override
    void convValid(int n, int h, int w, int ph, int pw, int cIn, int kh, int kw, int cOut, float[] x, float[] wm,
                           float[] bias, float[] y, boolean add) {
        Kernel kk = kernel(kh, kw, cIn, cOut, wm, bias);
        convDirect(n, h, w, ph, pw, cIn, kh, kw, kk.per(), cOut, kk.w(), kk.bias(), x, y, add);
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
        // half tiles (7 pairs, kernels 5 wide): a row of at most 14 paired positions computes no position twice
        final boolean half = per == 2 && kw == 5 && (outW + VectorConv.P - 1) / VectorConv.P * VectorConv.P
                < Math.min(tilesPerRow * span, wp);
        final boolean flat = !half && wp < tilesPerRow * span;
        final int rowSpan = half ? VectorConv.P : span;
        final int wq = flat ? wp : Math.max(wp, rowSpan + kw - 1);
        final int slack = flat ? (span + kwe) * cIn : 0;
        float[] wk = VectorConv.packWeights(wmat, rows, nc, ws.wDirect);
        ws.wDirect = wk;
        float[] bp = null;
        if (bias != null) {
            if (ws.bDirect.length < groups * lanes) {
                ws.bDirect = new float[groups * lanes];
            }
            Arrays.fill(ws.bDirect, 0f);
            System.arraycopy(bias, 0, ws.bDirect, 0, nc);
            bp = ws.bDirect;
        }
        final float[] bk = bp;
        int chunks = Parallel.chunks(n, 1);
        ws.ensureImages(chunks, hp * wq * cIn + slack);
        ws.ensureCols(chunks, groups * VectorConv.P * lanes);
        // outputs go straight to y when a tile's rows are whole output positions: per == 1 with whole
        // vectors of channels, or per == 2 with pairs of positions exactly one vector wide
        final boolean whole = per == 1 ? cOut % lanes == 0 : nc == lanes;
        final int os = per == 1 ? cOut : lanes;
        Parallel.forRange(n, 1, 1, (chunk, lo, hi) -> {
            float[] xp = ws.images[chunk];
            float[] tile = ws.cols[chunk];
            Arrays.fill(xp, hp * wq * cIn, hp * wq * cIn + slack, 0f);
            for (int img = lo; img < hi; img++) {
                ConvSupport.padInto(x, img, h, w, cIn, ph, pw, wq, xp);
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
                                ConvSupport.copyOut(tile, t, per, cOut, groups, y, ((img * outH + oh) * outW + ow) * cOut, add);
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
                    for (int x0 = 0; x0 < outW; x0 += rowSpan) {
                        int xs = Math.min(x0, Math.max(0, outW - rowSpan));
                        int from = x0 - xs;
                        int count = Math.min(rowSpan, outW - xs);
                        int base = (oh * wq + xs) * cIn;
                        boolean direct = whole && from == 0 && count == rowSpan;
                        for (int g = 0; g < groups; g++) {
                            if (direct) {
                                rowTile(half, xp, base, per, wq * cIn, kh, kw, cIn, wk, g * rows * lanes, y,
                                        (rowOut + xs) * cOut + g * lanes, os, bk, g * lanes, add);
                            } else {
                                rowTile(half, xp, base, per, wq * cIn, kh, kw, cIn, wk, g * rows * lanes, tile,
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
                                ConvSupport.copyOut(tile, t, per, cOut, groups, y, (rowOut + xs + t) * cOut, add);
                            }
                        }
                    }
                }
            }
        });
    }

    /** {@link VectorConv#tile}, or its half ({@link VectorConv#halfPairTile5}) for the half tiles of {@link #convDirect}. */
    private static void rowTile(boolean half, float[] xp, int base, int per, int rowStride, int kh, int kw, int cIn,
                                float[] wk, int w0, float[] out, int oo, int os, float[] bias, int bo, boolean fromOut) {
        if (half) {
            VectorConv.halfPairTile5(xp, base, rowStride, kh, cIn, wk, w0, out, oo, os, bias, bo, fromOut);
        } else {
            VectorConv.tile(xp, base, per, rowStride, kh, kw, cIn, wk, w0, out, oo, os, bias, bo, fromOut);
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
        final int partFloats = sums + (groups + 1) * lanes;
        ws.ensureBackward(chunks, Math.max(copyDy ? outH * owp * cOut : 0, w + lanes), partFloats); // w + lanes: repeat's reads
        ws.ensureImages(chunks, cIn * plane);
        Parallel.forRange(g.n(), 1, 1, (chunk, lo, hi) -> {
            float[] e = ws.images[chunk];
            float[] part = ws.dwPartial[chunk];
            float[] buf = ws.dCols[chunk];
            Arrays.fill(part, 0, partFloats, 0f);
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
            float[] part = ws.dwPartial[c];
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
        final int lanes = VectorConv.L;
        final int taps = VectorConv.WEIGHT_TAPS;
        final int channels = VectorConv.WEIGHT_CHANNELS;
        // kernel rows of whole vectors (32 channels x 5 columns): tiles of taps run on across the kernel rows, so
        // only the last tile has padding lanes; otherwise each kernel row is padded to whole tiles
        final boolean flat = kwc % lanes == 0;
        final int rowTaps = (kwc + taps - 1) / taps * taps;
        final int tp = flat ? (kh * kwc + taps - 1) / taps * taps : kh * rowTaps;
        final int cop = (cOut + channels - 1) / channels * channels;
        final int perImage = outH * outW;
        final boolean copyDy = cop != cOut;
        // the offset in the padded image of each vector of taps (padding lanes read the image's start)
        final int[] tapOffset = new int[tp / lanes];
        for (int v = 0; v < tapOffset.length; v++) {
            int t = v * lanes;
            int u = flat ? t / kwc : t / rowTaps;
            int within = flat ? t % kwc : t % rowTaps;
            tapOffset[v] = u < kh ? u * wp * cIn + within : 0;
        }
        int chunks = Parallel.chunks(g.n(), 1);
        final int partFloats = cop * tp + cOut;
        ws.ensureBackward(chunks, copyDy ? perImage * cop : 0, partFloats);
        ws.ensureImages(chunks, hp * wp * cIn + taps);
        Parallel.forRange(g.n(), 1, 1, (chunk, lo, hi) -> {
            float[] xp = ws.images[chunk];
            float[] part = ws.dwPartial[chunk];
            float[] dyb = copyDy ? ws.dCols[chunk] : dy;
            Arrays.fill(part, 0, partFloats, 0f);
            Arrays.fill(xp, hp * wp * cIn, hp * wp * cIn + taps, 0f);
            for (int img = lo; img < hi; img++) {
                ConvSupport.padInto(x, img, g.h(), g.w(), cIn, g.padH(), g.padW(), wp, xp);
                int dyBase = img * perImage * cOut;
                if (copyDy) {
                    Arrays.fill(dyb, 0, perImage * cop, 0f);
                    for (int p = 0; p < perImage; p++) {
                        System.arraycopy(dy, dyBase + p * cOut, dyb, p * cop, cOut);
                    }
                    dyBase = 0;
                }
                for (int c0 = 0; c0 < cop; c0 += channels) {
                    for (int t0 = 0; t0 < tp; t0 += taps) {
                        int v = t0 / lanes;
                        int q = tapOffset[v];
                        VectorConv.weightRow(xp, q, tapOffset[v + 1] - q, tapOffset[v + 2] - q, cIn, (wp - outW) * cIn,
                                dyb, dyBase + c0, cop, outH, outW, part, c0 * tp + t0, tp);
                    }
                }
                ConvSupport.addSums(dy, img * perImage, perImage, cOut, part, cop * tp);
            }
        });
        for (int c = 0; c < chunks; c++) {
            float[] part = ws.dwPartial[c];
            for (int u = 0; u < kh; u++) {
                for (int t = 0; t < kwc; t++) {
                    int dst = (u * kwc + t) * cOut;
                    int src = u * (flat ? kwc : rowTaps) + t;
                    for (int co = 0; co < cOut; co++) {
                        dw[dst + co] += part[co * tp + src];
                    }
                }
            }
            if (db != null) {
                for (int co = 0; co < cOut; co++) {
                    db[co] += part[cop * tp + co];
                }
            }
        }
    }

}
