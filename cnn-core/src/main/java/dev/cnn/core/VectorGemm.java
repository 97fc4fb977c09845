package dev.cnn.core;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API matrix multiply: register-blocked tiles of 6 rows × 2 vectors (or 8 rows × 1 vector when
 * C has at most one vector of columns), fused multiply-add, over packed panels of B, the k loop in
 * blocks so a tile's rows of A stay in the L1 cache. Loaded only when {@code jdk.incubator.vector}
 * is present.
 */
final class VectorGemm implements Gemm.GemmBackend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int KC = 384;

    @Override
    public int panelWidth(int n) {
        return n <= L ? L : 2 * L;
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public void rows(int i0, int i1, int n, int k, float[] a, int aOff, int ars, int acs, float[] bp, int width,
                     float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        float[] tile = new float[8 * width];
        int panels = (n + width - 1) / width;
        int mr = width == L ? 8 : 6;
        for (int p0 = 0; p0 < Math.max(k, 1); p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean acc = accumulate || p0 > 0;
            for (int panel = 0; panel < panels; panel++) {
                int j0 = panel * width;
                int cols = Math.min(width, n - j0);
                int bBase = panel * k * width + p0 * width;
                int i = i0;
                for (; i + mr <= i1; i += mr) {
                    int aBase = aOff + i * ars + p0 * acs;
                    if (width == L) {
                        tile8x1(kc, a, aBase, ars, acs, bp, bBase, c, cOff + i * ldc + j0, ldc, cols, bias, j0, acc, tile);
                    } else {
                        tile6x2(kc, a, aBase, ars, acs, bp, bBase, c, cOff + i * ldc + j0, ldc, cols, bias, j0, acc, tile);
                    }
                }
                for (; i < i1; i++) {
                    row(kc, width, a, aOff + i * ars + p0 * acs, acs, bp, bBase, c, cOff + i * ldc + j0, cols, bias, j0,
                            acc, tile);
                }
            }
        }
    }

    private static FloatVector init(float[] c, int off, int col, int cols, float[] bias, int j, boolean acc,
                                    float[] tile, int tileOff) {
        if (col + L <= cols) {
            if (acc) {
                return FloatVector.fromArray(S, c, off + col);
            }
            return bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, j + col);
        }
        for (int t = 0; t < L; t++) {
            int cc = col + t;
            tile[tileOff + t] = cc >= cols ? 0f : acc ? c[off + cc] : bias == null ? 0f : bias[j + cc];
        }
        return FloatVector.fromArray(S, tile, tileOff);
    }

    private static void store(FloatVector v, float[] c, int off, int col, int cols, float[] tile) {
        if (col + L <= cols) {
            v.intoArray(c, off + col);
        } else if (col < cols) {
            v.intoArray(tile, 0);
            System.arraycopy(tile, 0, c, off + col, cols - col);
        }
    }

    private static void tile6x2(int kc, float[] a, int aBase, int ars, int acs, float[] bp, int bBase, float[] c,
                                int cBase, int ldc, int cols, float[] bias, int j, boolean acc, float[] tile) {
        FloatVector c00 = init(c, cBase, 0, cols, bias, j, acc, tile, 0);
        FloatVector c01 = init(c, cBase, L, cols, bias, j, acc, tile, L);
        FloatVector c10 = init(c, cBase + ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c11 = init(c, cBase + ldc, L, cols, bias, j, acc, tile, L);
        FloatVector c20 = init(c, cBase + 2 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c21 = init(c, cBase + 2 * ldc, L, cols, bias, j, acc, tile, L);
        FloatVector c30 = init(c, cBase + 3 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c31 = init(c, cBase + 3 * ldc, L, cols, bias, j, acc, tile, L);
        FloatVector c40 = init(c, cBase + 4 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c41 = init(c, cBase + 4 * ldc, L, cols, bias, j, acc, tile, L);
        FloatVector c50 = init(c, cBase + 5 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c51 = init(c, cBase + 5 * ldc, L, cols, bias, j, acc, tile, L);
        int a0 = aBase;
        int a1 = aBase + ars;
        int a2 = aBase + 2 * ars;
        int a3 = aBase + 3 * ars;
        int a4 = aBase + 4 * ars;
        int a5 = aBase + 5 * ars;
        int bo = bBase;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            bo += 2 * L;
            int q = p * acs;
            FloatVector v = FloatVector.broadcast(S, a[a0 + q]);
            c00 = v.fma(b0, c00);
            c01 = v.fma(b1, c01);
            v = FloatVector.broadcast(S, a[a1 + q]);
            c10 = v.fma(b0, c10);
            c11 = v.fma(b1, c11);
            v = FloatVector.broadcast(S, a[a2 + q]);
            c20 = v.fma(b0, c20);
            c21 = v.fma(b1, c21);
            v = FloatVector.broadcast(S, a[a3 + q]);
            c30 = v.fma(b0, c30);
            c31 = v.fma(b1, c31);
            v = FloatVector.broadcast(S, a[a4 + q]);
            c40 = v.fma(b0, c40);
            c41 = v.fma(b1, c41);
            v = FloatVector.broadcast(S, a[a5 + q]);
            c50 = v.fma(b0, c50);
            c51 = v.fma(b1, c51);
        }
        store(c00, c, cBase, 0, cols, tile);
        store(c01, c, cBase, L, cols, tile);
        store(c10, c, cBase + ldc, 0, cols, tile);
        store(c11, c, cBase + ldc, L, cols, tile);
        store(c20, c, cBase + 2 * ldc, 0, cols, tile);
        store(c21, c, cBase + 2 * ldc, L, cols, tile);
        store(c30, c, cBase + 3 * ldc, 0, cols, tile);
        store(c31, c, cBase + 3 * ldc, L, cols, tile);
        store(c40, c, cBase + 4 * ldc, 0, cols, tile);
        store(c41, c, cBase + 4 * ldc, L, cols, tile);
        store(c50, c, cBase + 5 * ldc, 0, cols, tile);
        store(c51, c, cBase + 5 * ldc, L, cols, tile);
    }

    private static void tile8x1(int kc, float[] a, int aBase, int ars, int acs, float[] bp, int bBase, float[] c,
                                int cBase, int ldc, int cols, float[] bias, int j, boolean acc, float[] tile) {
        FloatVector c0 = init(c, cBase, 0, cols, bias, j, acc, tile, 0);
        FloatVector c1 = init(c, cBase + ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c2 = init(c, cBase + 2 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c3 = init(c, cBase + 3 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c4 = init(c, cBase + 4 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c5 = init(c, cBase + 5 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c6 = init(c, cBase + 6 * ldc, 0, cols, bias, j, acc, tile, 0);
        FloatVector c7 = init(c, cBase + 7 * ldc, 0, cols, bias, j, acc, tile, 0);
        int bo = bBase;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            bo += L;
            int q = aBase + p * acs;
            c0 = FloatVector.broadcast(S, a[q]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[q + ars]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[q + 2 * ars]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[q + 3 * ars]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[q + 4 * ars]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[q + 5 * ars]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[q + 6 * ars]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[q + 7 * ars]).fma(b0, c7);
        }
        store(c0, c, cBase, 0, cols, tile);
        store(c1, c, cBase + ldc, 0, cols, tile);
        store(c2, c, cBase + 2 * ldc, 0, cols, tile);
        store(c3, c, cBase + 3 * ldc, 0, cols, tile);
        store(c4, c, cBase + 4 * ldc, 0, cols, tile);
        store(c5, c, cBase + 5 * ldc, 0, cols, tile);
        store(c6, c, cBase + 6 * ldc, 0, cols, tile);
        store(c7, c, cBase + 7 * ldc, 0, cols, tile);
    }

    private static void row(int kc, int width, float[] a, int aBase, int acs, float[] bp, int bBase, float[] c,
                            int cBase, int cols, float[] bias, int j, boolean acc, float[] tile) {
        for (int col = 0; col < width; col += L) {
            FloatVector s = init(c, cBase, col, cols, bias, j, acc, tile, L);
            int bo = bBase + col;
            for (int p = 0; p < kc; p++) {
                s = FloatVector.broadcast(S, a[aBase + p * acs]).fma(FloatVector.fromArray(S, bp, bo), s);
                bo += width;
            }
            store(s, c, cBase, col, cols, tile);
        }
    }
}
