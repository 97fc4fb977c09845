package dev.cnn.core.kernel;

import dev.cnn.core.internal.Parallel;
import java.util.Arrays;

/**
 * Stride 1 on the plain-Java (or any) GEMM, nothing gathered: each image is zero-padded into a per-thread
 * buffer ({@code images}) and multiplied by the kernel as an implicit im2col: the rows of A are
 * consecutive positions of the padded image (a few in the padding columns are computed and dropped) and
 * its columns offsets into the window. Products land in a per-thread block ({@code cols}) and are copied
 * to the output. The weight gradient is one product per image into per-thread partial sums
 * ({@code dwPartial}, with the output gradient block in {@code dCols}); the input gradient is the same
 * convolution of the output gradient with the flipped kernel.
 */
final class ImplicitGemmConv extends BufferedConv {
    ImplicitGemmConv(Backend backend, Workspace ws) {
        super(backend, ws);
    }

    @Override
    public String name() {
        return "implicit-gemm";
    }

    @Override
    public boolean supports(ConvGeometry g) {
        return ConvSupport.stride1(g);
    }

    @Override
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        ConvSupport.checkBackward(g, x, w, dy, dx);
        gemmWeightGradient(g, x, dy, dw, db);
        inputGradient(g, w, dy, dx);
    }

    /**
     * Stride-1 convolution of {@code x} {@code (n, h, w, cIn)} zero-padded by {@code (ph, pw)} with the kernel
     * {@code wm} {@code (kh·kw·cIn) × cOut}: written to {@code y} {@code (n, h+2ph-kh+1, w+2pw-kw+1, cOut)}, or
     * added to it. When {@code cOut} fills at most half a vector, two neighbouring positions are computed
     * per row of the product with a kernel one column wider ({@code kw + 1}) that holds the filter twice,
     * shifted by one position, so the vectors run full.
     */
    @Override
    void convValid(int n, int h, int w, int ph, int pw, int cIn, int kh, int kw, int cOut, float[] x, float[] wm,
                           float[] bias, float[] y, boolean add) {
        int hp = h + 2 * ph;
        int wp = w + 2 * pw;
        int outH = hp - kh + 1;
        int outW = wp - kw + 1;
        Kernel kk = kernel(kh, kw, cIn, cOut, wm, bias);
        int per = kk.per();
        int nc = per * cOut;
        float[] wmat = kk.w();
        float[] b2 = kk.bias();
        int kwe = kw + per - 1;
        Gemm.PackedB pb = Gemm.pack(nc, kh * kwe * cIn, wmat, 0, nc, 1, ws.wPack);
        int[] kOff = windowOffsets(kh, kwe, cIn, wp);
        ws.wPack = pb.buffer();
        float[] bb = b2;
        int v = (outH - 1) * wp + outW; // positions per image, stopping at the last valid one
        int block = Math.min(v, Math.max(1, ConvSupport.BLOCK_OUT_ROWS / wp) * wp);
        int chunks = Parallel.chunks(n, 1);
        ws.ensureCols(chunks, (block + 1) * cOut);
        ws.ensureImages(chunks, (hp * wp + ConvSupport.SLACK) * cIn);
        Parallel.forRange(n, 1, 1, (chunk, lo, hi) -> {
            float[] cs = ws.cols[chunk];
            float[] xp = ws.images[chunk];
            for (int img = lo; img < hi; img++) {
                ConvSupport.padOne(x, img, h, w, cIn, ph, pw, xp);
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
        final int block = Math.min(v, Math.max(1, ConvSupport.BLOCK_OUT_ROWS / wp) * wp);
        final int[] along = Gemm.linear(block, cIn);
        int chunks = Parallel.chunks(g.n(), 1);
        ws.ensureBackward(chunks, block * cOut, k * cOut + cOut);
        ws.ensureImages(chunks, (hp * wp + ConvSupport.SLACK) * cIn);
        Parallel.forRange(g.n(), 1, 1, (chunk, lo, hi) -> {
            float[] dyv = ws.dCols[chunk];
            float[] part = ws.dwPartial[chunk];
            float[] xp = ws.images[chunk];
            Arrays.fill(part, 0, k * cOut + cOut, 0f);
            for (int img = lo; img < hi; img++) {
                ConvSupport.padOne(x, img, g.h(), g.w(), cIn, g.padH(), g.padW(), xp);
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
                    Gemm.PackedB pdy = Gemm.pack(cOut, v1 - v0, dyv, 0, cOut, 1, ws.dyPack[chunk]);
                    ws.dyPack[chunk] = pdy.buffer();
                    pdy.multiplyRows(0, k, xp, v0 * cIn, 0, kOff, along, part, 0, cOut, null, true);
                }
                ConvSupport.addSums(dy, img * outH * outW, outH * outW, cOut, part, k * cOut);
            }
        });
        addPartials(chunks, k * cOut, cOut, dw, db);
    }

}
