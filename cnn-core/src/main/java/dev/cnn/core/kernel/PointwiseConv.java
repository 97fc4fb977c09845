package dev.cnn.core.kernel;

/**
 * A 1x1 convolution at stride 1 without padding, straight on the GEMM: the NHWC input is already the
 * {@code (n·h·w) x cIn} matrix, so {@code y = x·W + b}, {@code dx += dy·Wᵀ} and {@code dW += xᵀ·dy} are
 * three products with no im2col copy (the inverted-residual expansions and projections of MobileNetV2, the
 * squeeze and 1x1 expansion layers of SqueezeNet). Results are bit-identical for a given thread count.
 */
final class PointwiseConv implements ConvAlgorithm {
    /** Holds the packed operands between calls (nothing carries over). */
    private final Workspace ws;

    PointwiseConv(Workspace ws) {
        this.ws = ws;
    }

    @Override
    public String name() {
        return "pointwise-gemm";
    }

    @Override
    public boolean supports(ConvGeometry g) {
        return g.kh() == 1 && g.kw() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 0 && g.padW() == 0;
    }

    private static void require(ConvGeometry g) {
        if (g.kh() != 1 || g.kw() != 1 || g.strideH() != 1 || g.strideW() != 1 || g.padH() != 0 || g.padW() != 0) {
            throw new IllegalArgumentException("pointwise convolution needs a 1x1 kernel, stride 1 and no padding, got " + g);
        }
    }

    @Override
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        ConvSupport.check(g, x, w, y);
        require(g);
        int rows = g.n() * g.h() * g.w();
        ws.wPack = Gemm.gemm(rows, g.cOut(), g.cIn(), x, 0, g.cIn(), 1, w, 0, g.cOut(), 1, y, 0, g.cOut(), b, false, ws.wPack,
                true);
    }

    @Override
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        ConvSupport.checkBackward(g, x, w, dy, dx);
        require(g);
        int rows = g.n() * g.h() * g.w();
        int cIn = g.cIn();
        int cOut = g.cOut();
        if (dx != null) { // dx (rows x cIn) += dy (rows x cOut) · Wᵀ, B(co, ci) = w[ci·cOut + co]
            ws.wtPack = Gemm.gemm(rows, cIn, cOut, dy, 0, cOut, 1, w, 0, 1, cOut, dx, 0, cIn, null, true, ws.wtPack, true);
        }
        // dW (cIn x cOut) += xᵀ (cIn x rows) · dy (rows x cOut), A(ci, r) = x[r·cIn + ci]
        ws.pointwiseDyPack = Gemm.gemm(cIn, cOut, rows, x, 0, 1, cIn, dy, 0, cOut, 1, dw, 0, cOut, null, true, ws.pointwiseDyPack, true);
        if (db != null) {
            double[] sum = new double[cOut];
            for (int r = 0; r < rows; r++) {
                int o = r * cOut;
                for (int c = 0; c < cOut; c++) {
                    sum[c] += dy[o + c];
                }
            }
            for (int c = 0; c < cOut; c++) {
                db[c] += (float) sum[c];
            }
        }
    }
}
