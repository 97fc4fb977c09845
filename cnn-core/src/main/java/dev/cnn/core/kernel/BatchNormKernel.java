package dev.cnn.core.kernel;

/**
 * The per-channel passes of batch normalisation over channels-last data: {@code rows} rows of {@code c}
 * channels, row {@code r} at {@code r·c}. Each method covers the rows {@code [lo, hi)}, so a caller can
 * split the rows over threads. Every value is computed with the same float operations in the same order
 * on both backends — the Vector API one puts channels across the lanes, a row at a time — so the results
 * are bit-identical to the plain-Java loops. Stateless and thread-safe.
 */
public final class BatchNormKernel {
    /** Rows whose sums are kept in float before they are added to the double totals. */
    public static final int BLOCK = 32;

    private BatchNormKernel() {
    }

    /**
     * Adds to {@code s1[j]} the sum of {@code a[r·c + j] − shift[j]} and to {@code s2[j]} the sum of that
     * difference times {@code w[r·c + j]} (its square when {@code w} is null) over the rows {@code [lo, hi)}:
     * blocks of {@link #BLOCK} rows (counted from {@code lo}) summed in float in row order, the block sums
     * added in double.
     */
    public static void sums(Backend backend, float[] a, float[] shift, float[] w, int lo, int hi, int c, double[] s1,
                            double[] s2) {
        if (backend.vectorApi() && VectorBatchNorm.worthIt(c)) {
            VectorBatchNorm.sums(a, shift, w, lo, hi, c, s1, s2);
            return;
        }
        float[] f1 = new float[c];
        float[] f2 = new float[c];
        for (int r0 = lo; r0 < hi; r0 += BLOCK) {
            int r1 = Math.min(hi, r0 + BLOCK);
            for (int r = r0; r < r1; r++) {
                int base = r * c;
                if (w == null) {
                    for (int j = 0; j < c; j++) {
                        float v = a[base + j] - shift[j];
                        f1[j] += v;
                        f2[j] += v * v;
                    }
                } else {
                    for (int j = 0; j < c; j++) {
                        float v = a[base + j] - shift[j];
                        f1[j] += v;
                        f2[j] += v * w[base + j];
                    }
                }
            }
            for (int j = 0; j < c; j++) {
                s1[j] += f1[j];
                s2[j] += f2[j];
                f1[j] = 0;
                f2[j] = 0;
            }
        }
    }

    /**
     * The normalisation of rows {@code [lo, hi)}: {@code xhat = (a − shift[j])·scale[j]} and
     * {@code y = gamma[j]·xhat + beta[j]} (a multiply, then an add); {@code xhat} is not written when null.
     */
    public static void normalize(Backend backend, float[] a, int lo, int hi, int c, float[] shift, float[] scale,
                                 float[] gamma, float[] beta, float[] xhat, float[] y) {
        if (backend.vectorApi() && VectorBatchNorm.worthIt(c)) {
            VectorBatchNorm.normalize(a, lo, hi, c, shift, scale, gamma, beta, xhat, y);
            return;
        }
        for (int r = lo; r < hi; r++) {
            int base = r * c;
            for (int j = 0; j < c; j++) {
                float v = (a[base + j] - shift[j]) * scale[j];
                if (xhat != null) {
                    xhat[base + j] = v;
                }
                y[base + j] = gamma[j] * v + beta[j];
            }
        }
    }

    /**
     * {@code xhat = (a − shift[j])·scale[j]} for rows {@code [lo, hi)}: the same values, bit for bit, as
     * {@link #normalize} computes, so a backward pass can recompute them from the input instead of keeping them.
     */
    public static void standardize(Backend backend, float[] a, int lo, int hi, int c, float[] shift, float[] scale,
                                   float[] xhat) {
        if (backend.vectorApi() && VectorBatchNorm.worthIt(c)) {
            VectorBatchNorm.standardize(a, lo, hi, c, shift, scale, xhat);
            return;
        }
        for (int r = lo; r < hi; r++) {
            int base = r * c;
            for (int j = 0; j < c; j++) {
                xhat[base + j] = (a[base + j] - shift[j]) * scale[j];
            }
        }
    }

    /**
     * The input gradient of rows {@code [lo, hi)}: {@code dx = ca[j]·dy − cb[j] − cc[j]·xhat}, in that order;
     * {@code dx} may be {@code xhat} itself (each value is read before it is written).
     */
    public static void inputGradient(Backend backend, float[] dy, float[] xhat, int lo, int hi, int c, float[] ca,
                                     float[] cb, float[] cc, float[] dx) {
        if (backend.vectorApi() && VectorBatchNorm.worthIt(c)) {
            VectorBatchNorm.inputGradient(dy, xhat, lo, hi, c, ca, cb, cc, dx);
            return;
        }
        for (int r = lo; r < hi; r++) {
            int base = r * c;
            for (int j = 0; j < c; j++) {
                dx[base + j] = ca[j] * dy[base + j] - cb[j] - cc[j] * xhat[base + j];
            }
        }
    }
}
