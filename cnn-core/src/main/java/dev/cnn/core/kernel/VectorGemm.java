package dev.cnn.core.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API matrix multiply: register tiles of 12 rows × 2 vectors (or 12 rows × 1 vector when C has at
 * most one vector of columns), fused multiply-add, over packed panels of B, the k loop in blocks of
 * {@value #KC}. For each k block, up to {@value #MC} rows of A are copied into a per-thread block of
 * 12-row slivers, each k-major (through the row and column offset tables, so an implicit im2col costs the
 * same as a dense A); then each panel of B, {@value #KC} × 32 floats that stay in the L1 cache, meets every
 * sliver of the block. The tile reads A and B at addresses linear in k, which C2 range-checks once per
 * loop instead of once per element. Each element of C is summed in the order k = 0, 1, ...; loaded only
 * when {@code jdk.incubator.vector} is present.
 */
final class VectorGemm implements Gemm.GemmBackend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int KC = 256;
    /** Rows of A packed at a time: {@value #MC} × {@value #KC} floats (120 KB) stay in the L2 cache. */
    private static final int MC = 120;
    /** Rows of C per register tile. */
    private static final int MR = 12;
    /** Per-thread work space for one partial tile (12 rows × up to 2 vectors). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[MR * 2 * L]);
    /** Per-thread block of A: {@value #MC} rows × {@value #KC}, as slivers of 12 rows, each k-major. */
    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[KC * MC]);
    private static final ThreadLocal<int[]> ROW_BASE = ThreadLocal.withInitial(() -> new int[MR]);

    @Override
    public int panelWidth(int n) {
        return n <= L ? L : 2 * L;
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public int tileRows() {
        return MR;
    }

    @Override
    public void rows(int i0, int i1, int panel0, int panel1, int n, int k, float[] a, int aOff, int ars, int[] iOff,
                     int[] kOff, int kStep, float[] bp, int width, float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        int[] rowBase = ROW_BASE.get();
        float[] scratch = SCRATCH.get();
        float[] block = BLOCK.get();
        for (int p0 = 0; p0 < Math.max(k, 1); p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean acc = accumulate || p0 > 0;
            for (int m0 = i0; m0 < i1; m0 += MC) {
                int m1 = Math.min(i1, m0 + MC);
                // A given transposed (rows adjacent, columns kStep apart) is already laid out as slivers
                boolean inPlace = iOff == null && ars == 1 && kStep >= 1
                        && (long) aOff + m1 + MR - 1 + (long) (k - 1) * kStep < a.length;
                for (int i = m0; i < m1 && !inPlace; i += MR) {
                    int rows = Math.min(MR, m1 - i);
                    if (iOff == null && kStep == 1 && rows == MR) {
                        packDense(a, aOff + i * ars, ars, p0, kc, block, (i - m0) * kc);
                        continue;
                    }
                    for (int r = 0; r < rows; r++) {
                        rowBase[r] = aOff + (iOff == null ? (i + r) * ars : iOff[i + r]);
                    }
                    packSliver(a, rowBase, rows, kOff, p0, kc, block, (i - m0) * kc);
                }
                float[] ap = inPlace ? a : block;
                int aStride = inPlace ? kStep : MR;
                // each panel of B (kc × width, in L1) meets every sliver of the block (in L2)
                for (int panel = panel0; panel < panel1; panel++) {
                    int j0 = panel * width;
                    int cols = Math.min(width, n - j0);
                    int bBase = panel * k * width + p0 * width;
                    for (int i = m0; i < m1; i += MR) {
                        int rows = Math.min(MR, m1 - i);
                        int aBase = inPlace ? aOff + i + p0 * kStep : (i - m0) * kc;
                        int cBase = cOff + i * ldc + j0;
                        if ((rows == MR || rows == 4) && cols == width) {
                            if (!acc) {
                                // tiles always start from C: one source for the accumulators keeps C2
                                // from merging two kinds of vector values (which can make it box them)
                                for (int r = 0; r < rows; r++) {
                                    int o = cBase + r * ldc;
                                    if (bias == null) {
                                        Arrays.fill(c, o, o + width, 0f);
                                    } else {
                                        System.arraycopy(bias, j0, c, o, width);
                                    }
                                }
                            }
                            if (rows == MR) {
                                tile(width, kc, ap, aBase, aStride, bp, bBase, c, cBase, ldc);
                            } else {
                                // the last 4 rows of a batch of 64 (= 5·12 + 4), without a padded copy
                                tile4(width, kc, ap, aBase, aStride, bp, bBase, c, cBase, ldc);
                            }
                        } else {
                            // partial tile: compute on a zero-padded copy so the kernel only sees whole vectors
                            for (int r = 0; r < MR; r++) {
                                for (int t = 0; t < width; t++) {
                                    boolean inside = r < rows && t < cols;
                                    scratch[r * width + t] = !inside ? 0f
                                            : acc ? c[cBase + r * ldc + t] : bias != null ? bias[j0 + t] : 0f;
                                }
                            }
                            tile(width, kc, ap, aBase, aStride, bp, bBase, scratch, 0, width);
                            for (int r = 0; r < rows; r++) {
                                System.arraycopy(scratch, r * width, c, cBase + r * ldc, cols);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #packSliver} for 12 whole rows of a row-major A ({@code ars} apart, columns adjacent): step by
     * step, so the 12 reads run along their rows and the writes are contiguous.
     */
    private static void packDense(float[] a, int row0, int ars, int p0, int kc, float[] sliver, int s) {
        int r0 = row0 + p0;
        int r1 = r0 + ars;
        int r2 = r1 + ars;
        int r3 = r2 + ars;
        int r4 = r3 + ars;
        int r5 = r4 + ars;
        int r6 = r5 + ars;
        int r7 = r6 + ars;
        int r8 = r7 + ars;
        int r9 = r8 + ars;
        int r10 = r9 + ars;
        int r11 = r10 + ars;
        for (int p = 0; p < kc; p++) {
            int o = s + p * MR;
            sliver[o] = a[r0 + p];
            sliver[o + 1] = a[r1 + p];
            sliver[o + 2] = a[r2 + p];
            sliver[o + 3] = a[r3 + p];
            sliver[o + 4] = a[r4 + p];
            sliver[o + 5] = a[r5 + p];
            sliver[o + 6] = a[r6 + p];
            sliver[o + 7] = a[r7 + p];
            sliver[o + 8] = a[r8 + p];
            sliver[o + 9] = a[r9 + p];
            sliver[o + 10] = a[r10 + p];
            sliver[o + 11] = a[r11 + p];
        }
    }

    /** Copies {@code A(row r, p0 + p)} to {@code sliver[s + p·12 + r]}; rows past {@code rows} are zero. */
    private static void packSliver(float[] a, int[] rowBase, int rows, int[] kOff, int p0, int kc, float[] sliver, int s) {
        for (int r = 0; r < rows; r++) {
            int base = rowBase[r];
            for (int p = 0; p < kc; p++) {
                sliver[s + p * MR + r] = a[base + kOff[p0 + p]];
            }
        }
        for (int r = rows; r < MR; r++) {
            for (int p = 0; p < kc; p++) {
                sliver[s + p * MR + r] = 0f;
            }
        }
    }

    /**
     * One 12-row tile over {@code kc} steps: A's 12 values of step p at {@code ap[aBase + p·aStride + r]}, B's
     * at {@code bp[bBase + p·width ...]}, added into C's 12 rows of {@code width} floats {@code ldc} apart.
     */
    private static void tile(int width, int kc, float[] ap, int aBase, int aStride, float[] bp, int bBase, float[] c,
                             int cBase, int ldc) {
        if (width == L) {
            tile12x1(kc, ap, aBase, aStride, bp, bBase, c, cBase, ldc);
        } else {
            tile12x2(kc, ap, aBase, aStride, bp, bBase, c, cBase, ldc);
        }
    }

    private static void tile12x2(int kc, float[] ap, int aBase, int aStride, float[] bp, int bBase, float[] c, int cBase, int ldc) {
        // registers: 12 rows x 2 accumulators + 2 B vectors + 1 broadcast = 27 of AVX-512's 32
        FloatVector c0_0 = FloatVector.fromArray(S, c, cBase);
        FloatVector c0_1 = FloatVector.fromArray(S, c, cBase + L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cBase + ldc);
        FloatVector c1_1 = FloatVector.fromArray(S, c, cBase + ldc + L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cBase + 2 * ldc);
        FloatVector c2_1 = FloatVector.fromArray(S, c, cBase + 2 * ldc + L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cBase + 3 * ldc);
        FloatVector c3_1 = FloatVector.fromArray(S, c, cBase + 3 * ldc + L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cBase + 4 * ldc);
        FloatVector c4_1 = FloatVector.fromArray(S, c, cBase + 4 * ldc + L);
        FloatVector c5_0 = FloatVector.fromArray(S, c, cBase + 5 * ldc);
        FloatVector c5_1 = FloatVector.fromArray(S, c, cBase + 5 * ldc + L);
        FloatVector c6_0 = FloatVector.fromArray(S, c, cBase + 6 * ldc);
        FloatVector c6_1 = FloatVector.fromArray(S, c, cBase + 6 * ldc + L);
        FloatVector c7_0 = FloatVector.fromArray(S, c, cBase + 7 * ldc);
        FloatVector c7_1 = FloatVector.fromArray(S, c, cBase + 7 * ldc + L);
        FloatVector c8_0 = FloatVector.fromArray(S, c, cBase + 8 * ldc);
        FloatVector c8_1 = FloatVector.fromArray(S, c, cBase + 8 * ldc + L);
        FloatVector c9_0 = FloatVector.fromArray(S, c, cBase + 9 * ldc);
        FloatVector c9_1 = FloatVector.fromArray(S, c, cBase + 9 * ldc + L);
        FloatVector c10_0 = FloatVector.fromArray(S, c, cBase + 10 * ldc);
        FloatVector c10_1 = FloatVector.fromArray(S, c, cBase + 10 * ldc + L);
        FloatVector c11_0 = FloatVector.fromArray(S, c, cBase + 11 * ldc);
        FloatVector c11_1 = FloatVector.fromArray(S, c, cBase + 11 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bo = bBase + p * 2 * L;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            int ao = aBase + p * aStride;
            FloatVector v;
            v = FloatVector.broadcast(S, ap[ao]);
            c0_0 = v.fma(b0, c0_0);
            c0_1 = v.fma(b1, c0_1);
            v = FloatVector.broadcast(S, ap[ao + 1]);
            c1_0 = v.fma(b0, c1_0);
            c1_1 = v.fma(b1, c1_1);
            v = FloatVector.broadcast(S, ap[ao + 2]);
            c2_0 = v.fma(b0, c2_0);
            c2_1 = v.fma(b1, c2_1);
            v = FloatVector.broadcast(S, ap[ao + 3]);
            c3_0 = v.fma(b0, c3_0);
            c3_1 = v.fma(b1, c3_1);
            v = FloatVector.broadcast(S, ap[ao + 4]);
            c4_0 = v.fma(b0, c4_0);
            c4_1 = v.fma(b1, c4_1);
            v = FloatVector.broadcast(S, ap[ao + 5]);
            c5_0 = v.fma(b0, c5_0);
            c5_1 = v.fma(b1, c5_1);
            v = FloatVector.broadcast(S, ap[ao + 6]);
            c6_0 = v.fma(b0, c6_0);
            c6_1 = v.fma(b1, c6_1);
            v = FloatVector.broadcast(S, ap[ao + 7]);
            c7_0 = v.fma(b0, c7_0);
            c7_1 = v.fma(b1, c7_1);
            v = FloatVector.broadcast(S, ap[ao + 8]);
            c8_0 = v.fma(b0, c8_0);
            c8_1 = v.fma(b1, c8_1);
            v = FloatVector.broadcast(S, ap[ao + 9]);
            c9_0 = v.fma(b0, c9_0);
            c9_1 = v.fma(b1, c9_1);
            v = FloatVector.broadcast(S, ap[ao + 10]);
            c10_0 = v.fma(b0, c10_0);
            c10_1 = v.fma(b1, c10_1);
            v = FloatVector.broadcast(S, ap[ao + 11]);
            c11_0 = v.fma(b0, c11_0);
            c11_1 = v.fma(b1, c11_1);
        }
        c0_0.intoArray(c, cBase);
        c0_1.intoArray(c, cBase + L);
        c1_0.intoArray(c, cBase + ldc);
        c1_1.intoArray(c, cBase + ldc + L);
        c2_0.intoArray(c, cBase + 2 * ldc);
        c2_1.intoArray(c, cBase + 2 * ldc + L);
        c3_0.intoArray(c, cBase + 3 * ldc);
        c3_1.intoArray(c, cBase + 3 * ldc + L);
        c4_0.intoArray(c, cBase + 4 * ldc);
        c4_1.intoArray(c, cBase + 4 * ldc + L);
        c5_0.intoArray(c, cBase + 5 * ldc);
        c5_1.intoArray(c, cBase + 5 * ldc + L);
        c6_0.intoArray(c, cBase + 6 * ldc);
        c6_1.intoArray(c, cBase + 6 * ldc + L);
        c7_0.intoArray(c, cBase + 7 * ldc);
        c7_1.intoArray(c, cBase + 7 * ldc + L);
        c8_0.intoArray(c, cBase + 8 * ldc);
        c8_1.intoArray(c, cBase + 8 * ldc + L);
        c9_0.intoArray(c, cBase + 9 * ldc);
        c9_1.intoArray(c, cBase + 9 * ldc + L);
        c10_0.intoArray(c, cBase + 10 * ldc);
        c10_1.intoArray(c, cBase + 10 * ldc + L);
        c11_0.intoArray(c, cBase + 11 * ldc);
        c11_1.intoArray(c, cBase + 11 * ldc + L);
    }

    private static void tile12x1(int kc, float[] ap, int aBase, int aStride, float[] bp, int bBase, float[] c, int cBase, int ldc) {
        // registers: 12 accumulators + 1 B vector + 1 broadcast = 14 of AVX-512's 32
        FloatVector c0 = FloatVector.fromArray(S, c, cBase);
        FloatVector c1 = FloatVector.fromArray(S, c, cBase + ldc);
        FloatVector c2 = FloatVector.fromArray(S, c, cBase + 2 * ldc);
        FloatVector c3 = FloatVector.fromArray(S, c, cBase + 3 * ldc);
        FloatVector c4 = FloatVector.fromArray(S, c, cBase + 4 * ldc);
        FloatVector c5 = FloatVector.fromArray(S, c, cBase + 5 * ldc);
        FloatVector c6 = FloatVector.fromArray(S, c, cBase + 6 * ldc);
        FloatVector c7 = FloatVector.fromArray(S, c, cBase + 7 * ldc);
        FloatVector c8 = FloatVector.fromArray(S, c, cBase + 8 * ldc);
        FloatVector c9 = FloatVector.fromArray(S, c, cBase + 9 * ldc);
        FloatVector c10 = FloatVector.fromArray(S, c, cBase + 10 * ldc);
        FloatVector c11 = FloatVector.fromArray(S, c, cBase + 11 * ldc);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bBase + p * L);
            int ao = aBase + p * aStride;
            c0 = FloatVector.broadcast(S, ap[ao]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, ap[ao + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, ap[ao + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, ap[ao + 3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, ap[ao + 4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, ap[ao + 5]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, ap[ao + 6]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, ap[ao + 7]).fma(b0, c7);
            c8 = FloatVector.broadcast(S, ap[ao + 8]).fma(b0, c8);
            c9 = FloatVector.broadcast(S, ap[ao + 9]).fma(b0, c9);
            c10 = FloatVector.broadcast(S, ap[ao + 10]).fma(b0, c10);
            c11 = FloatVector.broadcast(S, ap[ao + 11]).fma(b0, c11);
        }
        c0.intoArray(c, cBase);
        c1.intoArray(c, cBase + ldc);
        c2.intoArray(c, cBase + 2 * ldc);
        c3.intoArray(c, cBase + 3 * ldc);
        c4.intoArray(c, cBase + 4 * ldc);
        c5.intoArray(c, cBase + 5 * ldc);
        c6.intoArray(c, cBase + 6 * ldc);
        c7.intoArray(c, cBase + 7 * ldc);
        c8.intoArray(c, cBase + 8 * ldc);
        c9.intoArray(c, cBase + 9 * ldc);
        c10.intoArray(c, cBase + 10 * ldc);
        c11.intoArray(c, cBase + 11 * ldc);
    }

    /** {@link #tile} for 4 rows: their A values are the first 4 of each step's 12 (or 4 adjacent ones in place). */
    private static void tile4(int width, int kc, float[] ap, int aBase, int aStride, float[] bp, int bBase, float[] c,
                              int cBase, int ldc) {
        if (width == L) {
            tile4x1(kc, ap, aBase, aStride, bp, bBase, c, cBase, ldc);
        } else {
            tile4x2(kc, ap, aBase, aStride, bp, bBase, c, cBase, ldc);
        }
    }

    private static void tile4x2(int kc, float[] ap, int aBase, int aStride, float[] bp, int bBase, float[] c, int cBase,
                                 int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cBase);
        FloatVector c0_1 = FloatVector.fromArray(S, c, cBase + L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cBase + ldc);
        FloatVector c1_1 = FloatVector.fromArray(S, c, cBase + ldc + L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cBase + 2 * ldc);
        FloatVector c2_1 = FloatVector.fromArray(S, c, cBase + 2 * ldc + L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cBase + 3 * ldc);
        FloatVector c3_1 = FloatVector.fromArray(S, c, cBase + 3 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bo = bBase + p * 2 * L;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            int ao = aBase + p * aStride;
            FloatVector v;
            v = FloatVector.broadcast(S, ap[ao]);
            c0_0 = v.fma(b0, c0_0);
            c0_1 = v.fma(b1, c0_1);
            v = FloatVector.broadcast(S, ap[ao + 1]);
            c1_0 = v.fma(b0, c1_0);
            c1_1 = v.fma(b1, c1_1);
            v = FloatVector.broadcast(S, ap[ao + 2]);
            c2_0 = v.fma(b0, c2_0);
            c2_1 = v.fma(b1, c2_1);
            v = FloatVector.broadcast(S, ap[ao + 3]);
            c3_0 = v.fma(b0, c3_0);
            c3_1 = v.fma(b1, c3_1);
        }
        c0_0.intoArray(c, cBase);
        c0_1.intoArray(c, cBase + L);
        c1_0.intoArray(c, cBase + ldc);
        c1_1.intoArray(c, cBase + ldc + L);
        c2_0.intoArray(c, cBase + 2 * ldc);
        c2_1.intoArray(c, cBase + 2 * ldc + L);
        c3_0.intoArray(c, cBase + 3 * ldc);
        c3_1.intoArray(c, cBase + 3 * ldc + L);
    }

    private static void tile4x1(int kc, float[] ap, int aBase, int aStride, float[] bp, int bBase, float[] c, int cBase,
                                 int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cBase);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cBase + ldc);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cBase + 2 * ldc);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cBase + 3 * ldc);
        for (int p = 0; p < kc; p++) {
            int bo = bBase + p * L;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            int ao = aBase + p * aStride;
            FloatVector v;
            v = FloatVector.broadcast(S, ap[ao]);
            c0_0 = v.fma(b0, c0_0);
            v = FloatVector.broadcast(S, ap[ao + 1]);
            c1_0 = v.fma(b0, c1_0);
            v = FloatVector.broadcast(S, ap[ao + 2]);
            c2_0 = v.fma(b0, c2_0);
            v = FloatVector.broadcast(S, ap[ao + 3]);
            c3_0 = v.fma(b0, c3_0);
        }
        c0_0.intoArray(c, cBase);
        c1_0.intoArray(c, cBase + ldc);
        c2_0.intoArray(c, cBase + 2 * ldc);
        c3_0.intoArray(c, cBase + 3 * ldc);
    }
}
