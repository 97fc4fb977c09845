package dev.cnn.core.kernel;


/**
 * The convolution as plain nested loops over the flat arrays, one output value at a time (the fast
 * algorithms' nearest reference, with their signature): slow, single-threaded, no buffers. Any
 * geometry. The values are summed in float in window order {@code (u, v, c)}.
 */
final class NaiveConv implements ConvAlgorithm {
    @Override
    public String name() {
        return "naive";
    }

    @Override
    public boolean supports(ConvGeometry g) {
        return true;
    }

    @Override
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        ConvSupport.check(g, x, w, y);
        for (int i = 0; i < g.n(); i++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int co = 0; co < g.cOut(); co++) {
                        float s = b == null ? 0f : b[co];
                        for (int u = 0; u < g.kh(); u++) {
                            int ih = oh * g.strideH() - g.padH() + u;
                            for (int v = 0; v < g.kw(); v++) {
                                int iw = ow * g.strideW() - g.padW() + v;
                                if (ih < 0 || ih >= g.h() || iw < 0 || iw >= g.w()) {
                                    continue;
                                }
                                for (int c = 0; c < g.cIn(); c++) {
                                    s += x[((i * g.h() + ih) * g.w() + iw) * g.cIn() + c]
                                            * w[((u * g.kw() + v) * g.cIn() + c) * g.cOut() + co];
                                }
                            }
                        }
                        y[((i * g.outH() + oh) * g.outW() + ow) * g.cOut() + co] = s;
                    }
                }
            }
        }
    }

    @Override
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        ConvSupport.checkBackward(g, x, w, dy, dx);
        for (int i = 0; i < g.n(); i++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int co = 0; co < g.cOut(); co++) {
                        float d = dy[((i * g.outH() + oh) * g.outW() + ow) * g.cOut() + co];
                        if (db != null) {
                            db[co] += d;
                        }
                        for (int u = 0; u < g.kh(); u++) {
                            int ih = oh * g.strideH() - g.padH() + u;
                            for (int v = 0; v < g.kw(); v++) {
                                int iw = ow * g.strideW() - g.padW() + v;
                                if (ih < 0 || ih >= g.h() || iw < 0 || iw >= g.w()) {
                                    continue;
                                }
                                for (int c = 0; c < g.cIn(); c++) {
                                    int xi = ((i * g.h() + ih) * g.w() + iw) * g.cIn() + c;
                                    int wi = ((u * g.kw() + v) * g.cIn() + c) * g.cOut() + co;
                                    dw[wi] += x[xi] * d;
                                    if (dx != null) {
                                        dx[xi] += w[wi] * d;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
