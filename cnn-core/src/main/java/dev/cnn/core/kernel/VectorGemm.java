package dev.cnn.core.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API matrix multiply: register-blocked tiles of 8 rows × 2 vectors (or 8 rows × 1 vector when
 * C has at most one vector of columns), fused multiply-add, over packed panels of B, the k loop in
 * blocks so a tile's rows of A stay in the L1 cache. Loaded only when {@code jdk.incubator.vector}
 * is present.
 */
final class VectorGemm implements Gemm.GemmBackend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int KC = 384;
    /** Per-thread work space for one partial tile (8 rows × up to 2 vectors) and its row addresses. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[8 * 2 * L]);
    private static final ThreadLocal<int[]> ROW_BASE = ThreadLocal.withInitial(() -> new int[8]);

    @Override
    public int panelWidth(int n) {
        return n <= L ? L : 2 * L;
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public void rows(int i0, int i1, int n, int k, float[] a, int aOff, int ars, int[] iOff, int[] kOff, float[] bp,
                     int width, float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        int[] rowBase = ROW_BASE.get();
        float[] scratch = SCRATCH.get();
        int panels = (n + width - 1) / width;
        int mr = 8;
        for (int p0 = 0; p0 < Math.max(k, 1); p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean acc = accumulate || p0 > 0;
            for (int panel = 0; panel < panels; panel++) {
                int j0 = panel * width;
                int cols = Math.min(width, n - j0);
                int bBase = panel * k * width + p0 * width;
                for (int i = i0; i < i1; i += mr) {
                    int rows = Math.min(mr, i1 - i);
                    for (int r = 0; r < rows; r++) {
                        rowBase[r] = aOff + (iOff == null ? (i + r) * ars : iOff[i + r]);
                    }
                    int cBase = cOff + i * ldc + j0;
                    if (rows == mr && cols == width) {
                        if (!acc) {
                            // tiles always start from C: one source for the accumulators keeps C2
                            // from merging two kinds of vector values (which can make it box them)
                            for (int r = 0; r < mr; r++) {
                                int o = cBase + r * ldc;
                                if (bias == null) {
                                    Arrays.fill(c, o, o + width, 0f);
                                } else {
                                    System.arraycopy(bias, j0, c, o, width);
                                }
                            }
                        }
                        tile(mr, width, kc, a, rowBase, kOff, p0, bp, bBase, c, cBase, ldc);
                    } else {
                        // partial tile: compute on a zero-padded copy so the kernel only sees whole vectors
                        for (int r = 0; r < mr; r++) {
                            for (int t = 0; t < width; t++) {
                                boolean inside = r < rows && t < cols;
                                scratch[r * width + t] = !inside ? 0f
                                        : acc ? c[cBase + r * ldc + t] : bias != null ? bias[j0 + t] : 0f;
                            }
                        }
                        if (rows == mr) {
                            tile(mr, width, kc, a, rowBase, kOff, p0, bp, bBase, scratch, 0, width);
                        } else {
                            for (int r = 0; r < rows; r++) {
                                row(kc, width, a, rowBase[r], kOff, p0, bp, bBase, scratch, r * width);
                            }
                        }
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(scratch, r * width, c, cBase + r * ldc, cols);
                        }
                    }
                }
            }
        }
    }

    private static void tile(int mr, int width, int kc, float[] a, int[] rowBase, int[] kOff, int p0, float[] bp, int bBase,
                             float[] c, int cBase, int ldc) {
        if (width == L) {
            tile8x1(kc, a, rowBase, kOff, p0, bp, bBase, c, cBase, ldc);
        } else {
            tile8x2(kc, a, rowBase, kOff, p0, bp, bBase, c, cBase, ldc);
        }
    }

    private static void tile8x2(int kc, float[] a, int[] rowBase, int[] kOff, int p0, float[] bp, int bBase, float[] c,
                                int cBase, int ldc) {
        // registers: 8 rows x 2 accumulators + 2 B vectors + 1 broadcast = 19 of AVX-512's 32
        FloatVector c00 = FloatVector.fromArray(S, c, cBase);
        FloatVector c01 = FloatVector.fromArray(S, c, cBase + L);
        FloatVector c10 = FloatVector.fromArray(S, c, cBase + ldc);
        FloatVector c11 = FloatVector.fromArray(S, c, cBase + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, cBase + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(S, c, cBase + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, cBase + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(S, c, cBase + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, cBase + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(S, c, cBase + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, cBase + 5 * ldc);
        FloatVector c51 = FloatVector.fromArray(S, c, cBase + 5 * ldc + L);
        FloatVector c60 = FloatVector.fromArray(S, c, cBase + 6 * ldc);
        FloatVector c61 = FloatVector.fromArray(S, c, cBase + 6 * ldc + L);
        FloatVector c70 = FloatVector.fromArray(S, c, cBase + 7 * ldc);
        FloatVector c71 = FloatVector.fromArray(S, c, cBase + 7 * ldc + L);
        int a0 = rowBase[0];
        int a1 = rowBase[1];
        int a2 = rowBase[2];
        int a3 = rowBase[3];
        int a4 = rowBase[4];
        int a5 = rowBase[5];
        int a6 = rowBase[6];
        int a7 = rowBase[7];
        int bo = bBase;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            bo += 2 * L;
            int q = kOff[p0 + p];
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
            v = FloatVector.broadcast(S, a[a6 + q]);
            c60 = v.fma(b0, c60);
            c61 = v.fma(b1, c61);
            v = FloatVector.broadcast(S, a[a7 + q]);
            c70 = v.fma(b0, c70);
            c71 = v.fma(b1, c71);
        }
        c00.intoArray(c, cBase);
        c01.intoArray(c, cBase + L);
        c10.intoArray(c, cBase + ldc);
        c11.intoArray(c, cBase + ldc + L);
        c20.intoArray(c, cBase + 2 * ldc);
        c21.intoArray(c, cBase + 2 * ldc + L);
        c30.intoArray(c, cBase + 3 * ldc);
        c31.intoArray(c, cBase + 3 * ldc + L);
        c40.intoArray(c, cBase + 4 * ldc);
        c41.intoArray(c, cBase + 4 * ldc + L);
        c50.intoArray(c, cBase + 5 * ldc);
        c51.intoArray(c, cBase + 5 * ldc + L);
        c60.intoArray(c, cBase + 6 * ldc);
        c61.intoArray(c, cBase + 6 * ldc + L);
        c70.intoArray(c, cBase + 7 * ldc);
        c71.intoArray(c, cBase + 7 * ldc + L);
    }

    private static void tile8x1(int kc, float[] a, int[] rowBase, int[] kOff, int p0, float[] bp, int bBase, float[] c,
                                int cBase, int ldc) {
        // registers: 8 accumulators + 1 B vector + 1 broadcast = 10 of AVX-512's 32
        FloatVector c0 = FloatVector.fromArray(S, c, cBase);
        FloatVector c1 = FloatVector.fromArray(S, c, cBase + ldc);
        FloatVector c2 = FloatVector.fromArray(S, c, cBase + 2 * ldc);
        FloatVector c3 = FloatVector.fromArray(S, c, cBase + 3 * ldc);
        FloatVector c4 = FloatVector.fromArray(S, c, cBase + 4 * ldc);
        FloatVector c5 = FloatVector.fromArray(S, c, cBase + 5 * ldc);
        FloatVector c6 = FloatVector.fromArray(S, c, cBase + 6 * ldc);
        FloatVector c7 = FloatVector.fromArray(S, c, cBase + 7 * ldc);
        int a0 = rowBase[0];
        int a1 = rowBase[1];
        int a2 = rowBase[2];
        int a3 = rowBase[3];
        int a4 = rowBase[4];
        int a5 = rowBase[5];
        int a6 = rowBase[6];
        int a7 = rowBase[7];
        int bo = bBase;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            bo += L;
            int q = kOff[p0 + p];
            c0 = FloatVector.broadcast(S, a[a0 + q]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + q]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + q]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + q]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + q]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + q]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[a6 + q]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[a7 + q]).fma(b0, c7);
        }
        c0.intoArray(c, cBase);
        c1.intoArray(c, cBase + ldc);
        c2.intoArray(c, cBase + 2 * ldc);
        c3.intoArray(c, cBase + 3 * ldc);
        c4.intoArray(c, cBase + 4 * ldc);
        c5.intoArray(c, cBase + 5 * ldc);
        c6.intoArray(c, cBase + 6 * ldc);
        c7.intoArray(c, cBase + 7 * ldc);
    }

    /** One row of a tile, accumulated into {@code c} (the padded scratch). */
    private static void row(int kc, int width, float[] a, int aBase, int[] kOff, int p0, float[] bp, int bBase,
                            float[] c, int cBase) {
        for (int col = 0; col < width; col += L) {
            FloatVector s = FloatVector.fromArray(S, c, cBase + col);
            int bo = bBase + col;
            for (int p = 0; p < kc; p++) {
                s = FloatVector.broadcast(S, a[aBase + kOff[p0 + p]]).fma(FloatVector.fromArray(S, bp, bo), s);
                bo += width;
            }
            s.intoArray(c, cBase + col);
        }
    }
}
