package dev.cnn.core.kernel;

import dev.cnn.core.internal.Parallel;
import java.util.Arrays;

/**
 * Any stride and padding: rows of the im2col matrix (one window per output position) are gathered block
 * by block into a per-thread buffer ({@code cols}) and multiplied by the packed kernel with {@link Gemm};
 * the input gradient goes back through a column-gradient block ({@code dCols}) and col2im, the weight
 * gradient into per-thread partial sums ({@code dwPartial}) added in chunk order.
 */
final class Im2colGemmConv extends BufferedConv {
    Im2colGemmConv(Backend backend, Workspace ws) {
        super(backend, ws);
    }


    @Override
    public String name() {
        return "im2col-gemm";
    }

    @Override
    public boolean supports(ConvGeometry g) {
        return true;
    }

    @Override
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        ConvSupport.check(g, x, w, y);
        int k = g.kh() * g.kw() * g.cIn();
        int rows = g.n() * g.outH() * g.outW();
        int block = ConvSupport.blockRows(k);
        int chunks = Parallel.chunks(rows, block);
        ws.ensureCols(chunks, block * k);
        Gemm.PackedB pw = Gemm.pack(g.cOut(), k, w, 0, g.cOut(), 1, ws.wPack);
        ws.wPack = pw.buffer();
        Parallel.forRange(rows, block, 24, (chunk, lo, hi) -> {
            float[] buf = ws.cols[chunk];
            for (int r0 = lo; r0 < hi; r0 += block) {
                int r1 = Math.min(hi, r0 + block);
                ConvSupport.im2col(g, x, r0, r1, buf);
                pw.multiplyRows(0, r1 - r0, buf, 0, k, 1, y, r0 * g.cOut(), g.cOut(), b, false);
            }
        });
    }

    @Override
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        ConvSupport.checkBackward(g, x, w, dy, dx);
        int k = g.kh() * g.kw() * g.cIn();
        int cOut = g.cOut();
        int perImage = g.outH() * g.outW();
        Gemm.PackedB pwt = null;
        if (dx != null) {
            pwt = Gemm.pack(k, cOut, w, 0, 1, cOut, ws.wtPack); // B(p = co, j = kk) = w[kk·cOut + co]
            ws.wtPack = pwt.buffer();
        }
        Gemm.PackedB wT = pwt;
        int block = Math.max(1, ConvSupport.blockRows(k) / perImage) * perImage;
        int chunks = Parallel.chunks(g.n(), Math.max(1, block / perImage));
        ws.ensureBackward(chunks, Math.min(block, g.n() * perImage) * k, k * cOut + cOut);
        Parallel.forRange(g.n(), Math.max(1, block / perImage), 1, (chunk, imgLo, imgHi) -> {
            float[] buf = ws.cols[chunk];
            float[] dbuf = ws.dCols[chunk];
            float[] part = ws.dwPartial[chunk];
            Arrays.fill(part, 0, k * cOut + cOut, 0f);
            int lo = imgLo * perImage;
            int hi = imgHi * perImage;
            for (int r0 = lo; r0 < hi; r0 += block) {
                int r1 = Math.min(hi, r0 + block);
                int n = r1 - r0;
                ConvSupport.im2col(g, x, r0, r1, buf);
                // dW(kk, co) += sum over rows of ws.cols(row, kk) · dy(row, co)
                Gemm.PackedB pdy = Gemm.pack(cOut, n, dy, r0 * cOut, cOut, 1, ws.dyPack[chunk]);
                ws.dyPack[chunk] = pdy.buffer();
                pdy.multiplyRows(0, k, buf, 0, 1, k, part, 0, cOut, null, true);
                for (int r = r0; r < r1; r++) {
                    int o = r * cOut;
                    for (int co = 0; co < cOut; co++) {
                        part[k * cOut + co] += dy[o + co];
                    }
                }
                if (wT != null) {
                    wT.multiplyRows(0, n, dy, r0 * cOut, cOut, 1, dbuf, 0, k, null, false);
                    ConvSupport.col2im(g, dbuf, r0, r1, dx);
                }
            }
        });
        addPartials(chunks, k * cOut, cOut, dw, db);
    }
}
