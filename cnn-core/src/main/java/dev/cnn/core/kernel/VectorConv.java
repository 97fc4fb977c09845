package dev.cnn.core.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct stride-1 convolution with the Vector API: output channels across the lanes of a vector,
 * {@value #P} neighbouring output positions of one row held in registers while the whole kernel is
 * applied to a zero-padded copy of the image. Outputs of at most half a vector of channels compute
 * two neighbouring positions per vector (a kernel one column wider holding the filter twice).
 * Kernels 3 and 5 wide broadcast each input value once for all the positions whose window covers it.
 * The weight gradient puts the taps of a kernel row across the lanes instead.
 *
 * <p>The tiles are fully unrolled (one variable per accumulator, which C2 keeps in registers) and each method
 * stays below ~1,700 bytecodes: JDK 17's C2 sometimes compiled larger ones with part of their vector
 * calls left as calls into the Java fallback, several times slower. Loaded only when
 * {@code jdk.incubator.vector} is present; {@link ConvKernel} falls back to its GEMM formulation
 * otherwise.
 */
final class VectorConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int L = S.length();
    /** Output positions (or pairs of positions) per register tile. */
    static final int P = 14;
    /** Output channels per weight-gradient tile. */
    static final int WEIGHT_CHANNELS = 8;
    /** Taps per tile of {@link #weightSmall}. */
    static final int SMALL_TAPS = 13;
    /** Taps (floats of a kernel row) per weight-gradient tile. */
    static final int WEIGHT_TAPS = 3 * L;
    /**
     * {@code SPREAD[rep][k]} (for {@code rep} dividing {@link #L}) moves lanes {@code k·m .. k·m + m - 1},
     * {@code m = L / rep}, of a vector into {@code rep} lanes each, in order; null rows for other {@code rep}.
     */
    private static final VectorShuffle<Float>[][] SPREAD = spreadShuffles();

    private VectorConv() {
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[][] spreadShuffles() {
        VectorShuffle<Float>[][] table = new VectorShuffle[L + 1][];
        for (int rep = 1; rep <= L; rep++) {
            if (L % rep == 0) {
                int m = L / rep;
                table[rep] = new VectorShuffle[rep];
                for (int k = 0; k < rep; k++) {
                    int first = k * m;
                    final int r = rep;
                    table[rep][k] = VectorShuffle.fromOp(S, lane -> first + lane / r);
                }
            }
        }
        return table;
    }

    /**
     * Packs a kernel matrix {@code wm} ({@code rows × nc}, row-major) into groups of {@link #L} columns,
     * zero-padded: element (row, col) goes to {@code [(col / L)·rows + row]·L + col % L}.
     */
    static float[] packWeights(float[] wm, int rows, int nc, float[] reuse) {
        int groups = (nc + L - 1) / L;
        int size = groups * rows * L;
        float[] out = reuse != null && reuse.length >= size ? reuse : new float[size];
        for (int g = 0; g < groups; g++) {
            int cols = Math.min(L, nc - g * L);
            for (int row = 0; row < rows; row++) {
                int dst = (g * rows + row) * L;
                System.arraycopy(wm, row * nc + g * L, out, dst, cols);
                Arrays.fill(out, dst + cols, dst + L, 0f);
            }
        }
        return out;
    }

    /**
     * One register tile: {@value #P} output positions (or pairs of neighbouring positions when
     * {@code per == 2}) {@code per·cIn} floats apart in the padded image {@code xp}, whose rows are
     * {@code rowStride} floats apart, for one group of {@link #L} output columns.
     * {@code out[oo + p·os + lane]} receives the bias ({@code bias[bo + lane]}, or zero when null) plus
     * the products, or has them added when {@code fromOut}. The kernel {@code wk} ({@code kh × kwe × cIn}
     * rows, {@code kwe = kw + per - 1}) is packed by {@link #packWeights}, this group starting at {@code w0}.
     */
    static void tile(float[] xp, int base, int per, int rowStride, int kh, int kw, int cIn, float[] wk, int w0,
                     float[] out, int oo, int os, float[] bias, int bo, boolean fromOut) {
        if (!fromOut) {
            start(out, oo, os, P, bias, bo);
        }
        if (per == 1 && kw == 5) {
            tile5(xp, base, cIn, rowStride, kh, wk, w0, out, oo, os);
        } else if (per == 1 && kw == 3) {
            tile3(xp, base, cIn, rowStride, kh, wk, w0, out, oo, os);
        } else if (per == 2 && kw == 5) {
            // two calls of seven pairs: one of fourteen made a method large enough that JDK 17's C2
            // sometimes left part of its vector calls unintrinsified
            pair5Half(xp, base, cIn, rowStride, kh, wk, w0, out, oo, os);
            pair5Half(xp, base + P * cIn, cIn, rowStride, kh, wk, w0, out, oo + P / 2 * os, os);
        } else if (per == 2 && kw == 3) {
            pair3(xp, base, cIn, rowStride, kh, wk, w0, out, oo, os);
        } else {
            tileAny(xp, base, per * cIn, rowStride, kh, (kw + per - 1) * cIn, wk, w0, out, oo, os);
        }
    }

    /**
     * Half a {@link #tile} of paired positions with a kernel 5 wide: {@value #P} / 2 pairs ({@value #P} neighbouring
     * positions), for output rows of at most {@value #P} positions that a whole tile of pairs would overhang.
     * Arguments and results as {@link #tile} with {@code per == 2}, {@code kw == 5}; the positions get the same
     * operations in the same order.
     */
    static void halfPairTile5(float[] xp, int base, int rowStride, int kh, int cIn, float[] wk, int w0,
                              float[] out, int oo, int os, float[] bias, int bo, boolean fromOut) {
        if (!fromOut) {
            start(out, oo, os, P / 2, bias, bo);
        }
        pair5Half(xp, base, cIn, rowStride, kh, wk, w0, out, oo, os);
    }

    /**
     * Sets the {@code rows} tile rows {@code out[oo + p·os ..+ L]} to the bias ({@code bias[bo ..+ L]}) or zero. The
     * kernels always start from out: a single source for the accumulators keeps C2 from merging two kinds of vector
     * values before the loop.
     */
    private static void start(float[] out, int oo, int os, int rows, float[] bias, int bo) {
        for (int p = 0; p < rows; p++) {
            if (bias == null) {
                Arrays.fill(out, oo + p * os, oo + p * os + L, 0f);
            } else {
                System.arraycopy(bias, bo, out, oo + p * os, L);
            }
        }
    }

    /**
     * Any kernel: 14 positions {@code ps} apart, each kernel row {@code kwc} contiguous floats of the padded image,
     * one broadcast per multiply-add.
     */
    private static void tileAny(float[] xp, int base, int ps, int rowStride, int kh, int kwc, float[] wk, int w0,
                                float[] out, int oo, int os) {
        // registers: 14 accumulators + 1 kernel column + 1 broadcast = 16 of AVX-512's 32
        FloatVector a0 = FloatVector.fromArray(S, out, oo);
        FloatVector a1 = FloatVector.fromArray(S, out, oo + os);
        FloatVector a2 = FloatVector.fromArray(S, out, oo + 2 * os);
        FloatVector a3 = FloatVector.fromArray(S, out, oo + 3 * os);
        FloatVector a4 = FloatVector.fromArray(S, out, oo + 4 * os);
        FloatVector a5 = FloatVector.fromArray(S, out, oo + 5 * os);
        FloatVector a6 = FloatVector.fromArray(S, out, oo + 6 * os);
        FloatVector a7 = FloatVector.fromArray(S, out, oo + 7 * os);
        FloatVector a8 = FloatVector.fromArray(S, out, oo + 8 * os);
        FloatVector a9 = FloatVector.fromArray(S, out, oo + 9 * os);
        FloatVector a10 = FloatVector.fromArray(S, out, oo + 10 * os);
        FloatVector a11 = FloatVector.fromArray(S, out, oo + 11 * os);
        FloatVector a12 = FloatVector.fromArray(S, out, oo + 12 * os);
        FloatVector a13 = FloatVector.fromArray(S, out, oo + 13 * os);
        int q = base;
        int j = 0;
        for (int i = 0; i < kh * kwc; i++) {
            FloatVector w = FloatVector.fromArray(S, wk, w0 + i * L);
            a0 = FloatVector.broadcast(S, xp[q]).fma(w, a0);
            a1 = FloatVector.broadcast(S, xp[q + ps]).fma(w, a1);
            a2 = FloatVector.broadcast(S, xp[q + 2 * ps]).fma(w, a2);
            a3 = FloatVector.broadcast(S, xp[q + 3 * ps]).fma(w, a3);
            a4 = FloatVector.broadcast(S, xp[q + 4 * ps]).fma(w, a4);
            a5 = FloatVector.broadcast(S, xp[q + 5 * ps]).fma(w, a5);
            a6 = FloatVector.broadcast(S, xp[q + 6 * ps]).fma(w, a6);
            a7 = FloatVector.broadcast(S, xp[q + 7 * ps]).fma(w, a7);
            a8 = FloatVector.broadcast(S, xp[q + 8 * ps]).fma(w, a8);
            a9 = FloatVector.broadcast(S, xp[q + 9 * ps]).fma(w, a9);
            a10 = FloatVector.broadcast(S, xp[q + 10 * ps]).fma(w, a10);
            a11 = FloatVector.broadcast(S, xp[q + 11 * ps]).fma(w, a11);
            a12 = FloatVector.broadcast(S, xp[q + 12 * ps]).fma(w, a12);
            a13 = FloatVector.broadcast(S, xp[q + 13 * ps]).fma(w, a13);
            q++;
            if (++j == kwc) {
                j = 0;
                q += rowStride - kwc;
            }
        }
        a0.intoArray(out, oo);
        a1.intoArray(out, oo + os);
        a2.intoArray(out, oo + 2 * os);
        a3.intoArray(out, oo + 3 * os);
        a4.intoArray(out, oo + 4 * os);
        a5.intoArray(out, oo + 5 * os);
        a6.intoArray(out, oo + 6 * os);
        a7.intoArray(out, oo + 7 * os);
        a8.intoArray(out, oo + 8 * os);
        a9.intoArray(out, oo + 9 * os);
        a10.intoArray(out, oo + 10 * os);
        a11.intoArray(out, oo + 11 * os);
        a12.intoArray(out, oo + 12 * os);
        a13.intoArray(out, oo + 13 * os);
    }

    /**
     * A kernel 3 wide on positions one pixel apart: each input value is broadcast once for every position whose
     * window covers it (16 broadcasts for 42 multiply-adds per channel and kernel row).
     */
    private static void tile3(float[] xp, int base, int cIn, int rowStride, int kh, float[] wk, int w0,
                              float[] out, int oo, int os) {
        // registers: 14 accumulators + 3 kernel columns + 1 broadcast = 18 of AVX-512's 32
        FloatVector a0 = FloatVector.fromArray(S, out, oo);
        FloatVector a1 = FloatVector.fromArray(S, out, oo + os);
        FloatVector a2 = FloatVector.fromArray(S, out, oo + 2 * os);
        FloatVector a3 = FloatVector.fromArray(S, out, oo + 3 * os);
        FloatVector a4 = FloatVector.fromArray(S, out, oo + 4 * os);
        FloatVector a5 = FloatVector.fromArray(S, out, oo + 5 * os);
        FloatVector a6 = FloatVector.fromArray(S, out, oo + 6 * os);
        FloatVector a7 = FloatVector.fromArray(S, out, oo + 7 * os);
        FloatVector a8 = FloatVector.fromArray(S, out, oo + 8 * os);
        FloatVector a9 = FloatVector.fromArray(S, out, oo + 9 * os);
        FloatVector a10 = FloatVector.fromArray(S, out, oo + 10 * os);
        FloatVector a11 = FloatVector.fromArray(S, out, oo + 11 * os);
        FloatVector a12 = FloatVector.fromArray(S, out, oo + 12 * os);
        FloatVector a13 = FloatVector.fromArray(S, out, oo + 13 * os);
        int q = base;
        int wb = w0;
        int c = 0;
        for (int i = 0; i < kh * cIn; i++) {
            FloatVector k0 = FloatVector.fromArray(S, wk, wb);
            FloatVector k1 = FloatVector.fromArray(S, wk, wb + cIn * L);
            FloatVector k2 = FloatVector.fromArray(S, wk, wb + 2 * cIn * L);
            FloatVector x;
            x = FloatVector.broadcast(S, xp[q]);
            a0 = x.fma(k0, a0);
            x = FloatVector.broadcast(S, xp[q + cIn]);
            a0 = x.fma(k1, a0);
            a1 = x.fma(k0, a1);
            x = FloatVector.broadcast(S, xp[q + 2 * cIn]);
            a0 = x.fma(k2, a0);
            a1 = x.fma(k1, a1);
            a2 = x.fma(k0, a2);
            x = FloatVector.broadcast(S, xp[q + 3 * cIn]);
            a1 = x.fma(k2, a1);
            a2 = x.fma(k1, a2);
            a3 = x.fma(k0, a3);
            x = FloatVector.broadcast(S, xp[q + 4 * cIn]);
            a2 = x.fma(k2, a2);
            a3 = x.fma(k1, a3);
            a4 = x.fma(k0, a4);
            x = FloatVector.broadcast(S, xp[q + 5 * cIn]);
            a3 = x.fma(k2, a3);
            a4 = x.fma(k1, a4);
            a5 = x.fma(k0, a5);
            x = FloatVector.broadcast(S, xp[q + 6 * cIn]);
            a4 = x.fma(k2, a4);
            a5 = x.fma(k1, a5);
            a6 = x.fma(k0, a6);
            x = FloatVector.broadcast(S, xp[q + 7 * cIn]);
            a5 = x.fma(k2, a5);
            a6 = x.fma(k1, a6);
            a7 = x.fma(k0, a7);
            x = FloatVector.broadcast(S, xp[q + 8 * cIn]);
            a6 = x.fma(k2, a6);
            a7 = x.fma(k1, a7);
            a8 = x.fma(k0, a8);
            x = FloatVector.broadcast(S, xp[q + 9 * cIn]);
            a7 = x.fma(k2, a7);
            a8 = x.fma(k1, a8);
            a9 = x.fma(k0, a9);
            x = FloatVector.broadcast(S, xp[q + 10 * cIn]);
            a8 = x.fma(k2, a8);
            a9 = x.fma(k1, a9);
            a10 = x.fma(k0, a10);
            x = FloatVector.broadcast(S, xp[q + 11 * cIn]);
            a9 = x.fma(k2, a9);
            a10 = x.fma(k1, a10);
            a11 = x.fma(k0, a11);
            x = FloatVector.broadcast(S, xp[q + 12 * cIn]);
            a10 = x.fma(k2, a10);
            a11 = x.fma(k1, a11);
            a12 = x.fma(k0, a12);
            x = FloatVector.broadcast(S, xp[q + 13 * cIn]);
            a11 = x.fma(k2, a11);
            a12 = x.fma(k1, a12);
            a13 = x.fma(k0, a13);
            x = FloatVector.broadcast(S, xp[q + 14 * cIn]);
            a12 = x.fma(k2, a12);
            a13 = x.fma(k1, a13);
            x = FloatVector.broadcast(S, xp[q + 15 * cIn]);
            a13 = x.fma(k2, a13);
            q++;
            wb += L;
            if (++c == cIn) {
                c = 0;
                q += rowStride - cIn;
                wb += 2 * cIn * L;
            }
        }
        a0.intoArray(out, oo);
        a1.intoArray(out, oo + os);
        a2.intoArray(out, oo + 2 * os);
        a3.intoArray(out, oo + 3 * os);
        a4.intoArray(out, oo + 4 * os);
        a5.intoArray(out, oo + 5 * os);
        a6.intoArray(out, oo + 6 * os);
        a7.intoArray(out, oo + 7 * os);
        a8.intoArray(out, oo + 8 * os);
        a9.intoArray(out, oo + 9 * os);
        a10.intoArray(out, oo + 10 * os);
        a11.intoArray(out, oo + 11 * os);
        a12.intoArray(out, oo + 12 * os);
        a13.intoArray(out, oo + 13 * os);
    }

    /**
     * A kernel 5 wide on positions one pixel apart: each input value is broadcast once for every position whose
     * window covers it (18 broadcasts for 70 multiply-adds per channel and kernel row).
     */
    private static void tile5(float[] xp, int base, int cIn, int rowStride, int kh, float[] wk, int w0,
                              float[] out, int oo, int os) {
        // registers: 14 accumulators + 5 kernel columns + 1 broadcast = 20 of AVX-512's 32
        FloatVector a0 = FloatVector.fromArray(S, out, oo);
        FloatVector a1 = FloatVector.fromArray(S, out, oo + os);
        FloatVector a2 = FloatVector.fromArray(S, out, oo + 2 * os);
        FloatVector a3 = FloatVector.fromArray(S, out, oo + 3 * os);
        FloatVector a4 = FloatVector.fromArray(S, out, oo + 4 * os);
        FloatVector a5 = FloatVector.fromArray(S, out, oo + 5 * os);
        FloatVector a6 = FloatVector.fromArray(S, out, oo + 6 * os);
        FloatVector a7 = FloatVector.fromArray(S, out, oo + 7 * os);
        FloatVector a8 = FloatVector.fromArray(S, out, oo + 8 * os);
        FloatVector a9 = FloatVector.fromArray(S, out, oo + 9 * os);
        FloatVector a10 = FloatVector.fromArray(S, out, oo + 10 * os);
        FloatVector a11 = FloatVector.fromArray(S, out, oo + 11 * os);
        FloatVector a12 = FloatVector.fromArray(S, out, oo + 12 * os);
        FloatVector a13 = FloatVector.fromArray(S, out, oo + 13 * os);
        int q = base;
        int wb = w0;
        int c = 0;
        for (int i = 0; i < kh * cIn; i++) {
            FloatVector k0 = FloatVector.fromArray(S, wk, wb);
            FloatVector k1 = FloatVector.fromArray(S, wk, wb + cIn * L);
            FloatVector k2 = FloatVector.fromArray(S, wk, wb + 2 * cIn * L);
            FloatVector k3 = FloatVector.fromArray(S, wk, wb + 3 * cIn * L);
            FloatVector k4 = FloatVector.fromArray(S, wk, wb + 4 * cIn * L);
            FloatVector x;
            x = FloatVector.broadcast(S, xp[q]);
            a0 = x.fma(k0, a0);
            x = FloatVector.broadcast(S, xp[q + cIn]);
            a0 = x.fma(k1, a0);
            a1 = x.fma(k0, a1);
            x = FloatVector.broadcast(S, xp[q + 2 * cIn]);
            a0 = x.fma(k2, a0);
            a1 = x.fma(k1, a1);
            a2 = x.fma(k0, a2);
            x = FloatVector.broadcast(S, xp[q + 3 * cIn]);
            a0 = x.fma(k3, a0);
            a1 = x.fma(k2, a1);
            a2 = x.fma(k1, a2);
            a3 = x.fma(k0, a3);
            x = FloatVector.broadcast(S, xp[q + 4 * cIn]);
            a0 = x.fma(k4, a0);
            a1 = x.fma(k3, a1);
            a2 = x.fma(k2, a2);
            a3 = x.fma(k1, a3);
            a4 = x.fma(k0, a4);
            x = FloatVector.broadcast(S, xp[q + 5 * cIn]);
            a1 = x.fma(k4, a1);
            a2 = x.fma(k3, a2);
            a3 = x.fma(k2, a3);
            a4 = x.fma(k1, a4);
            a5 = x.fma(k0, a5);
            x = FloatVector.broadcast(S, xp[q + 6 * cIn]);
            a2 = x.fma(k4, a2);
            a3 = x.fma(k3, a3);
            a4 = x.fma(k2, a4);
            a5 = x.fma(k1, a5);
            a6 = x.fma(k0, a6);
            x = FloatVector.broadcast(S, xp[q + 7 * cIn]);
            a3 = x.fma(k4, a3);
            a4 = x.fma(k3, a4);
            a5 = x.fma(k2, a5);
            a6 = x.fma(k1, a6);
            a7 = x.fma(k0, a7);
            x = FloatVector.broadcast(S, xp[q + 8 * cIn]);
            a4 = x.fma(k4, a4);
            a5 = x.fma(k3, a5);
            a6 = x.fma(k2, a6);
            a7 = x.fma(k1, a7);
            a8 = x.fma(k0, a8);
            x = FloatVector.broadcast(S, xp[q + 9 * cIn]);
            a5 = x.fma(k4, a5);
            a6 = x.fma(k3, a6);
            a7 = x.fma(k2, a7);
            a8 = x.fma(k1, a8);
            a9 = x.fma(k0, a9);
            x = FloatVector.broadcast(S, xp[q + 10 * cIn]);
            a6 = x.fma(k4, a6);
            a7 = x.fma(k3, a7);
            a8 = x.fma(k2, a8);
            a9 = x.fma(k1, a9);
            a10 = x.fma(k0, a10);
            x = FloatVector.broadcast(S, xp[q + 11 * cIn]);
            a7 = x.fma(k4, a7);
            a8 = x.fma(k3, a8);
            a9 = x.fma(k2, a9);
            a10 = x.fma(k1, a10);
            a11 = x.fma(k0, a11);
            x = FloatVector.broadcast(S, xp[q + 12 * cIn]);
            a8 = x.fma(k4, a8);
            a9 = x.fma(k3, a9);
            a10 = x.fma(k2, a10);
            a11 = x.fma(k1, a11);
            a12 = x.fma(k0, a12);
            x = FloatVector.broadcast(S, xp[q + 13 * cIn]);
            a9 = x.fma(k4, a9);
            a10 = x.fma(k3, a10);
            a11 = x.fma(k2, a11);
            a12 = x.fma(k1, a12);
            a13 = x.fma(k0, a13);
            x = FloatVector.broadcast(S, xp[q + 14 * cIn]);
            a10 = x.fma(k4, a10);
            a11 = x.fma(k3, a11);
            a12 = x.fma(k2, a12);
            a13 = x.fma(k1, a13);
            x = FloatVector.broadcast(S, xp[q + 15 * cIn]);
            a11 = x.fma(k4, a11);
            a12 = x.fma(k3, a12);
            a13 = x.fma(k2, a13);
            x = FloatVector.broadcast(S, xp[q + 16 * cIn]);
            a12 = x.fma(k4, a12);
            a13 = x.fma(k3, a13);
            x = FloatVector.broadcast(S, xp[q + 17 * cIn]);
            a13 = x.fma(k4, a13);
            q++;
            wb += L;
            if (++c == cIn) {
                c = 0;
                q += rowStride - cIn;
                wb += 4 * cIn * L;
            }
        }
        a0.intoArray(out, oo);
        a1.intoArray(out, oo + os);
        a2.intoArray(out, oo + 2 * os);
        a3.intoArray(out, oo + 3 * os);
        a4.intoArray(out, oo + 4 * os);
        a5.intoArray(out, oo + 5 * os);
        a6.intoArray(out, oo + 6 * os);
        a7.intoArray(out, oo + 7 * os);
        a8.intoArray(out, oo + 8 * os);
        a9.intoArray(out, oo + 9 * os);
        a10.intoArray(out, oo + 10 * os);
        a11.intoArray(out, oo + 11 * os);
        a12.intoArray(out, oo + 12 * os);
        a13.intoArray(out, oo + 13 * os);
    }

    /**
     * A kernel 3 wide on paired positions (weights 4 columns wide, two positions per vector): each input value
     * is broadcast once for every pair whose window covers it (30 broadcasts for 56 multiply-adds per
     * channel and kernel row).
     */
    private static void pair3(float[] xp, int base, int cIn, int rowStride, int kh, float[] wk, int w0,
                              float[] out, int oo, int os) {
        // registers: 14 accumulators + 4 paired kernel columns + 1 broadcast = 19 of AVX-512's 32
        FloatVector a0 = FloatVector.fromArray(S, out, oo);
        FloatVector a1 = FloatVector.fromArray(S, out, oo + os);
        FloatVector a2 = FloatVector.fromArray(S, out, oo + 2 * os);
        FloatVector a3 = FloatVector.fromArray(S, out, oo + 3 * os);
        FloatVector a4 = FloatVector.fromArray(S, out, oo + 4 * os);
        FloatVector a5 = FloatVector.fromArray(S, out, oo + 5 * os);
        FloatVector a6 = FloatVector.fromArray(S, out, oo + 6 * os);
        FloatVector a7 = FloatVector.fromArray(S, out, oo + 7 * os);
        FloatVector a8 = FloatVector.fromArray(S, out, oo + 8 * os);
        FloatVector a9 = FloatVector.fromArray(S, out, oo + 9 * os);
        FloatVector a10 = FloatVector.fromArray(S, out, oo + 10 * os);
        FloatVector a11 = FloatVector.fromArray(S, out, oo + 11 * os);
        FloatVector a12 = FloatVector.fromArray(S, out, oo + 12 * os);
        FloatVector a13 = FloatVector.fromArray(S, out, oo + 13 * os);
        int q = base;
        int wb = w0;
        int c = 0;
        for (int i = 0; i < kh * cIn; i++) {
            FloatVector k0 = FloatVector.fromArray(S, wk, wb);
            FloatVector k1 = FloatVector.fromArray(S, wk, wb + cIn * L);
            FloatVector k2 = FloatVector.fromArray(S, wk, wb + 2 * cIn * L);
            FloatVector k3 = FloatVector.fromArray(S, wk, wb + 3 * cIn * L);
            FloatVector x;
            x = FloatVector.broadcast(S, xp[q]);
            a0 = x.fma(k0, a0);
            x = FloatVector.broadcast(S, xp[q + cIn]);
            a0 = x.fma(k1, a0);
            x = FloatVector.broadcast(S, xp[q + 2 * cIn]);
            a0 = x.fma(k2, a0);
            a1 = x.fma(k0, a1);
            x = FloatVector.broadcast(S, xp[q + 3 * cIn]);
            a0 = x.fma(k3, a0);
            a1 = x.fma(k1, a1);
            x = FloatVector.broadcast(S, xp[q + 4 * cIn]);
            a1 = x.fma(k2, a1);
            a2 = x.fma(k0, a2);
            x = FloatVector.broadcast(S, xp[q + 5 * cIn]);
            a1 = x.fma(k3, a1);
            a2 = x.fma(k1, a2);
            x = FloatVector.broadcast(S, xp[q + 6 * cIn]);
            a2 = x.fma(k2, a2);
            a3 = x.fma(k0, a3);
            x = FloatVector.broadcast(S, xp[q + 7 * cIn]);
            a2 = x.fma(k3, a2);
            a3 = x.fma(k1, a3);
            x = FloatVector.broadcast(S, xp[q + 8 * cIn]);
            a3 = x.fma(k2, a3);
            a4 = x.fma(k0, a4);
            x = FloatVector.broadcast(S, xp[q + 9 * cIn]);
            a3 = x.fma(k3, a3);
            a4 = x.fma(k1, a4);
            x = FloatVector.broadcast(S, xp[q + 10 * cIn]);
            a4 = x.fma(k2, a4);
            a5 = x.fma(k0, a5);
            x = FloatVector.broadcast(S, xp[q + 11 * cIn]);
            a4 = x.fma(k3, a4);
            a5 = x.fma(k1, a5);
            x = FloatVector.broadcast(S, xp[q + 12 * cIn]);
            a5 = x.fma(k2, a5);
            a6 = x.fma(k0, a6);
            x = FloatVector.broadcast(S, xp[q + 13 * cIn]);
            a5 = x.fma(k3, a5);
            a6 = x.fma(k1, a6);
            x = FloatVector.broadcast(S, xp[q + 14 * cIn]);
            a6 = x.fma(k2, a6);
            a7 = x.fma(k0, a7);
            x = FloatVector.broadcast(S, xp[q + 15 * cIn]);
            a6 = x.fma(k3, a6);
            a7 = x.fma(k1, a7);
            x = FloatVector.broadcast(S, xp[q + 16 * cIn]);
            a7 = x.fma(k2, a7);
            a8 = x.fma(k0, a8);
            x = FloatVector.broadcast(S, xp[q + 17 * cIn]);
            a7 = x.fma(k3, a7);
            a8 = x.fma(k1, a8);
            x = FloatVector.broadcast(S, xp[q + 18 * cIn]);
            a8 = x.fma(k2, a8);
            a9 = x.fma(k0, a9);
            x = FloatVector.broadcast(S, xp[q + 19 * cIn]);
            a8 = x.fma(k3, a8);
            a9 = x.fma(k1, a9);
            x = FloatVector.broadcast(S, xp[q + 20 * cIn]);
            a9 = x.fma(k2, a9);
            a10 = x.fma(k0, a10);
            x = FloatVector.broadcast(S, xp[q + 21 * cIn]);
            a9 = x.fma(k3, a9);
            a10 = x.fma(k1, a10);
            x = FloatVector.broadcast(S, xp[q + 22 * cIn]);
            a10 = x.fma(k2, a10);
            a11 = x.fma(k0, a11);
            x = FloatVector.broadcast(S, xp[q + 23 * cIn]);
            a10 = x.fma(k3, a10);
            a11 = x.fma(k1, a11);
            x = FloatVector.broadcast(S, xp[q + 24 * cIn]);
            a11 = x.fma(k2, a11);
            a12 = x.fma(k0, a12);
            x = FloatVector.broadcast(S, xp[q + 25 * cIn]);
            a11 = x.fma(k3, a11);
            a12 = x.fma(k1, a12);
            x = FloatVector.broadcast(S, xp[q + 26 * cIn]);
            a12 = x.fma(k2, a12);
            a13 = x.fma(k0, a13);
            x = FloatVector.broadcast(S, xp[q + 27 * cIn]);
            a12 = x.fma(k3, a12);
            a13 = x.fma(k1, a13);
            x = FloatVector.broadcast(S, xp[q + 28 * cIn]);
            a13 = x.fma(k2, a13);
            x = FloatVector.broadcast(S, xp[q + 29 * cIn]);
            a13 = x.fma(k3, a13);
            q++;
            wb += L;
            if (++c == cIn) {
                c = 0;
                q += rowStride - cIn;
                wb += 3 * cIn * L;
            }
        }
        a0.intoArray(out, oo);
        a1.intoArray(out, oo + os);
        a2.intoArray(out, oo + 2 * os);
        a3.intoArray(out, oo + 3 * os);
        a4.intoArray(out, oo + 4 * os);
        a5.intoArray(out, oo + 5 * os);
        a6.intoArray(out, oo + 6 * os);
        a7.intoArray(out, oo + 7 * os);
        a8.intoArray(out, oo + 8 * os);
        a9.intoArray(out, oo + 9 * os);
        a10.intoArray(out, oo + 10 * os);
        a11.intoArray(out, oo + 11 * os);
        a12.intoArray(out, oo + 12 * os);
        a13.intoArray(out, oo + 13 * os);
    }

    /**
     * A kernel 5 wide on paired positions (weights 6 columns wide, two positions per vector): each input value
     * is broadcast once for every pair whose window covers it (18 broadcasts for 42 multiply-adds per
     * channel and kernel row).
     */
    private static void pair5Half(float[] xp, int base, int cIn, int rowStride, int kh, float[] wk, int w0,
                              float[] out, int oo, int os) {
        // registers: 7 accumulators + 6 paired kernel columns + 1 broadcast = 14 of AVX-512's 32
        FloatVector a0 = FloatVector.fromArray(S, out, oo);
        FloatVector a1 = FloatVector.fromArray(S, out, oo + os);
        FloatVector a2 = FloatVector.fromArray(S, out, oo + 2 * os);
        FloatVector a3 = FloatVector.fromArray(S, out, oo + 3 * os);
        FloatVector a4 = FloatVector.fromArray(S, out, oo + 4 * os);
        FloatVector a5 = FloatVector.fromArray(S, out, oo + 5 * os);
        FloatVector a6 = FloatVector.fromArray(S, out, oo + 6 * os);
        int q = base;
        int wb = w0;
        int c = 0;
        for (int i = 0; i < kh * cIn; i++) {
            FloatVector k0 = FloatVector.fromArray(S, wk, wb);
            FloatVector k1 = FloatVector.fromArray(S, wk, wb + cIn * L);
            FloatVector k2 = FloatVector.fromArray(S, wk, wb + 2 * cIn * L);
            FloatVector k3 = FloatVector.fromArray(S, wk, wb + 3 * cIn * L);
            FloatVector k4 = FloatVector.fromArray(S, wk, wb + 4 * cIn * L);
            FloatVector k5 = FloatVector.fromArray(S, wk, wb + 5 * cIn * L);
            FloatVector x;
            x = FloatVector.broadcast(S, xp[q]);
            a0 = x.fma(k0, a0);
            x = FloatVector.broadcast(S, xp[q + cIn]);
            a0 = x.fma(k1, a0);
            x = FloatVector.broadcast(S, xp[q + 2 * cIn]);
            a0 = x.fma(k2, a0);
            a1 = x.fma(k0, a1);
            x = FloatVector.broadcast(S, xp[q + 3 * cIn]);
            a0 = x.fma(k3, a0);
            a1 = x.fma(k1, a1);
            x = FloatVector.broadcast(S, xp[q + 4 * cIn]);
            a0 = x.fma(k4, a0);
            a1 = x.fma(k2, a1);
            a2 = x.fma(k0, a2);
            x = FloatVector.broadcast(S, xp[q + 5 * cIn]);
            a0 = x.fma(k5, a0);
            a1 = x.fma(k3, a1);
            a2 = x.fma(k1, a2);
            x = FloatVector.broadcast(S, xp[q + 6 * cIn]);
            a1 = x.fma(k4, a1);
            a2 = x.fma(k2, a2);
            a3 = x.fma(k0, a3);
            x = FloatVector.broadcast(S, xp[q + 7 * cIn]);
            a1 = x.fma(k5, a1);
            a2 = x.fma(k3, a2);
            a3 = x.fma(k1, a3);
            x = FloatVector.broadcast(S, xp[q + 8 * cIn]);
            a2 = x.fma(k4, a2);
            a3 = x.fma(k2, a3);
            a4 = x.fma(k0, a4);
            x = FloatVector.broadcast(S, xp[q + 9 * cIn]);
            a2 = x.fma(k5, a2);
            a3 = x.fma(k3, a3);
            a4 = x.fma(k1, a4);
            x = FloatVector.broadcast(S, xp[q + 10 * cIn]);
            a3 = x.fma(k4, a3);
            a4 = x.fma(k2, a4);
            a5 = x.fma(k0, a5);
            x = FloatVector.broadcast(S, xp[q + 11 * cIn]);
            a3 = x.fma(k5, a3);
            a4 = x.fma(k3, a4);
            a5 = x.fma(k1, a5);
            x = FloatVector.broadcast(S, xp[q + 12 * cIn]);
            a4 = x.fma(k4, a4);
            a5 = x.fma(k2, a5);
            a6 = x.fma(k0, a6);
            x = FloatVector.broadcast(S, xp[q + 13 * cIn]);
            a4 = x.fma(k5, a4);
            a5 = x.fma(k3, a5);
            a6 = x.fma(k1, a6);
            x = FloatVector.broadcast(S, xp[q + 14 * cIn]);
            a5 = x.fma(k4, a5);
            a6 = x.fma(k2, a6);
            x = FloatVector.broadcast(S, xp[q + 15 * cIn]);
            a5 = x.fma(k5, a5);
            a6 = x.fma(k3, a6);
            x = FloatVector.broadcast(S, xp[q + 16 * cIn]);
            a6 = x.fma(k4, a6);
            x = FloatVector.broadcast(S, xp[q + 17 * cIn]);
            a6 = x.fma(k5, a6);
            q++;
            wb += L;
            if (++c == cIn) {
                c = 0;
                q += rowStride - cIn;
                wb += 5 * cIn * L;
            }
        }
        a0.intoArray(out, oo);
        a1.intoArray(out, oo + os);
        a2.intoArray(out, oo + 2 * os);
        a3.intoArray(out, oo + 3 * os);
        a4.intoArray(out, oo + 4 * os);
        a5.intoArray(out, oo + 5 * os);
        a6.intoArray(out, oo + 6 * os);
    }


    /**
     * Weight gradient for 8 output channels and 3 vectors of taps, summed over {@code rows} rows of
     * {@code count} output positions: {@code acc[ao + c·as + j·L + t] += dy[d + c] · xp[q + o_j + t]} for
     * {@code c < 8}, {@code j < 3}, {@code t < L}, with {@code o_0 = 0} and {@code o_1}, {@code o_2} given (each
     * vector of taps is L contiguous values of the padded image: {@code L} and {@code 2·L} when the three lie in
     * one kernel row); {@code d} steps by {@code dys} per position, {@code q} by {@code ps} per position and
     * {@code xRowStep} more per row. Lanes past the taps are computed and never read.
     */
    static void weightRow(float[] xp, int xr, int o1, int o2, int ps, int xRowStep, float[] dy, int dyr, int dys, int rows,
                          int count, float[] acc, int ao, int as) {
        // registers: 8 channels x 3 tap accumulators + 3 tap loads + 1 broadcast = 28 of AVX-512's 32
        FloatVector a00 = FloatVector.fromArray(S, acc, ao);
        FloatVector a01 = FloatVector.fromArray(S, acc, ao + L);
        FloatVector a02 = FloatVector.fromArray(S, acc, ao + 2 * L);
        FloatVector a10 = FloatVector.fromArray(S, acc, ao + 1 * as);
        FloatVector a11 = FloatVector.fromArray(S, acc, ao + 1 * as + L);
        FloatVector a12 = FloatVector.fromArray(S, acc, ao + 1 * as + 2 * L);
        FloatVector a20 = FloatVector.fromArray(S, acc, ao + 2 * as);
        FloatVector a21 = FloatVector.fromArray(S, acc, ao + 2 * as + L);
        FloatVector a22 = FloatVector.fromArray(S, acc, ao + 2 * as + 2 * L);
        FloatVector a30 = FloatVector.fromArray(S, acc, ao + 3 * as);
        FloatVector a31 = FloatVector.fromArray(S, acc, ao + 3 * as + L);
        FloatVector a32 = FloatVector.fromArray(S, acc, ao + 3 * as + 2 * L);
        FloatVector a40 = FloatVector.fromArray(S, acc, ao + 4 * as);
        FloatVector a41 = FloatVector.fromArray(S, acc, ao + 4 * as + L);
        FloatVector a42 = FloatVector.fromArray(S, acc, ao + 4 * as + 2 * L);
        FloatVector a50 = FloatVector.fromArray(S, acc, ao + 5 * as);
        FloatVector a51 = FloatVector.fromArray(S, acc, ao + 5 * as + L);
        FloatVector a52 = FloatVector.fromArray(S, acc, ao + 5 * as + 2 * L);
        FloatVector a60 = FloatVector.fromArray(S, acc, ao + 6 * as);
        FloatVector a61 = FloatVector.fromArray(S, acc, ao + 6 * as + L);
        FloatVector a62 = FloatVector.fromArray(S, acc, ao + 6 * as + 2 * L);
        FloatVector a70 = FloatVector.fromArray(S, acc, ao + 7 * as);
        FloatVector a71 = FloatVector.fromArray(S, acc, ao + 7 * as + L);
        FloatVector a72 = FloatVector.fromArray(S, acc, ao + 7 * as + 2 * L);
        int q = xr;
        int d = dyr;
        int ow = 0;
        for (int i = 0; i < rows * count; i++) {
            FloatVector x0 = FloatVector.fromArray(S, xp, q);
            FloatVector x1 = FloatVector.fromArray(S, xp, q + o1);
            FloatVector x2 = FloatVector.fromArray(S, xp, q + o2);
            FloatVector d0 = FloatVector.broadcast(S, dy[d]);
            a00 = x0.fma(d0, a00);
            a01 = x1.fma(d0, a01);
            a02 = x2.fma(d0, a02);
            FloatVector d1 = FloatVector.broadcast(S, dy[d + 1]);
            a10 = x0.fma(d1, a10);
            a11 = x1.fma(d1, a11);
            a12 = x2.fma(d1, a12);
            FloatVector d2 = FloatVector.broadcast(S, dy[d + 2]);
            a20 = x0.fma(d2, a20);
            a21 = x1.fma(d2, a21);
            a22 = x2.fma(d2, a22);
            FloatVector d3 = FloatVector.broadcast(S, dy[d + 3]);
            a30 = x0.fma(d3, a30);
            a31 = x1.fma(d3, a31);
            a32 = x2.fma(d3, a32);
            FloatVector d4 = FloatVector.broadcast(S, dy[d + 4]);
            a40 = x0.fma(d4, a40);
            a41 = x1.fma(d4, a41);
            a42 = x2.fma(d4, a42);
            FloatVector d5 = FloatVector.broadcast(S, dy[d + 5]);
            a50 = x0.fma(d5, a50);
            a51 = x1.fma(d5, a51);
            a52 = x2.fma(d5, a52);
            FloatVector d6 = FloatVector.broadcast(S, dy[d + 6]);
            a60 = x0.fma(d6, a60);
            a61 = x1.fma(d6, a61);
            a62 = x2.fma(d6, a62);
            FloatVector d7 = FloatVector.broadcast(S, dy[d + 7]);
            a70 = x0.fma(d7, a70);
            a71 = x1.fma(d7, a71);
            a72 = x2.fma(d7, a72);
            q += ps;
            d += dys;
            if (++ow == count) {
                ow = 0;
                q += xRowStep;
            }
        }
        a00.intoArray(acc, ao);
        a01.intoArray(acc, ao + L);
        a02.intoArray(acc, ao + 2 * L);
        a10.intoArray(acc, ao + 1 * as);
        a11.intoArray(acc, ao + 1 * as + L);
        a12.intoArray(acc, ao + 1 * as + 2 * L);
        a20.intoArray(acc, ao + 2 * as);
        a21.intoArray(acc, ao + 2 * as + L);
        a22.intoArray(acc, ao + 2 * as + 2 * L);
        a30.intoArray(acc, ao + 3 * as);
        a31.intoArray(acc, ao + 3 * as + L);
        a32.intoArray(acc, ao + 3 * as + 2 * L);
        a40.intoArray(acc, ao + 4 * as);
        a41.intoArray(acc, ao + 4 * as + L);
        a42.intoArray(acc, ao + 4 * as + 2 * L);
        a50.intoArray(acc, ao + 5 * as);
        a51.intoArray(acc, ao + 5 * as + L);
        a52.intoArray(acc, ao + 5 * as + 2 * L);
        a60.intoArray(acc, ao + 6 * as);
        a61.intoArray(acc, ao + 6 * as + L);
        a62.intoArray(acc, ao + 6 * as + 2 * L);
        a70.intoArray(acc, ao + 7 * as);
        a71.intoArray(acc, ao + 7 * as + L);
        a72.intoArray(acc, ao + 7 * as + 2 * L);
    }

    /**
     * Weight gradient for short kernel rows: 13 taps in registers, each a vector of m groups of cOut lanes
     * (positions ow..ow+m-1, {@code m = L / cOut}) or of L of the output channels ({@code m = 1}), summed over every output position of an
     * image: {@code acc[ao + t·L + lane] += e[eq + tOff[t0 + t] + lane] · d[dq + lane]}, where {@code d} walks
     * the output gradient {@code dStep} floats at a time and {@code e} (the padded image, channel-planar, each
     * value repeated) walks {@code L} floats per step and {@code eRowStep} more after each of
     * {@code rows} rows of {@code steps} steps. The sum of the output gradient vectors is added at {@code sumOff}.
     */
    static void weightSmall(float[] e, int eRowStep, float[] d, int dq, int dStep, int rows, int steps, int[] tOff, int t0,
                            float[] acc, int ao, int sumOff) {
        // registers: 13 tap accumulators + image load + gradient + gradient sum = 16 of AVX-512's 32
        int o0 = tOff[t0 + 0];
        int o1 = tOff[t0 + 1];
        int o2 = tOff[t0 + 2];
        int o3 = tOff[t0 + 3];
        int o4 = tOff[t0 + 4];
        int o5 = tOff[t0 + 5];
        int o6 = tOff[t0 + 6];
        int o7 = tOff[t0 + 7];
        int o8 = tOff[t0 + 8];
        int o9 = tOff[t0 + 9];
        int o10 = tOff[t0 + 10];
        int o11 = tOff[t0 + 11];
        int o12 = tOff[t0 + 12];
        FloatVector a0 = FloatVector.fromArray(S, acc, ao);
        FloatVector a1 = FloatVector.fromArray(S, acc, ao + L);
        FloatVector a2 = FloatVector.fromArray(S, acc, ao + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, acc, ao + 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, acc, ao + 4 * L);
        FloatVector a5 = FloatVector.fromArray(S, acc, ao + 5 * L);
        FloatVector a6 = FloatVector.fromArray(S, acc, ao + 6 * L);
        FloatVector a7 = FloatVector.fromArray(S, acc, ao + 7 * L);
        FloatVector a8 = FloatVector.fromArray(S, acc, ao + 8 * L);
        FloatVector a9 = FloatVector.fromArray(S, acc, ao + 9 * L);
        FloatVector a10 = FloatVector.fromArray(S, acc, ao + 10 * L);
        FloatVector a11 = FloatVector.fromArray(S, acc, ao + 11 * L);
        FloatVector a12 = FloatVector.fromArray(S, acc, ao + 12 * L);
        FloatVector sum = FloatVector.fromArray(S, acc, sumOff);
        int eq = 0;
        int st = 0;
        for (int i = 0; i < rows * steps; i++) {
            FloatVector dv = FloatVector.fromArray(S, d, dq);
            a0 = FloatVector.fromArray(S, e, eq + o0).fma(dv, a0);
            a1 = FloatVector.fromArray(S, e, eq + o1).fma(dv, a1);
            a2 = FloatVector.fromArray(S, e, eq + o2).fma(dv, a2);
            a3 = FloatVector.fromArray(S, e, eq + o3).fma(dv, a3);
            a4 = FloatVector.fromArray(S, e, eq + o4).fma(dv, a4);
            a5 = FloatVector.fromArray(S, e, eq + o5).fma(dv, a5);
            a6 = FloatVector.fromArray(S, e, eq + o6).fma(dv, a6);
            a7 = FloatVector.fromArray(S, e, eq + o7).fma(dv, a7);
            a8 = FloatVector.fromArray(S, e, eq + o8).fma(dv, a8);
            a9 = FloatVector.fromArray(S, e, eq + o9).fma(dv, a9);
            a10 = FloatVector.fromArray(S, e, eq + o10).fma(dv, a10);
            a11 = FloatVector.fromArray(S, e, eq + o11).fma(dv, a11);
            a12 = FloatVector.fromArray(S, e, eq + o12).fma(dv, a12);
            sum = sum.add(dv);
            dq += dStep;
            eq += L;
            if (++st == steps) {
                st = 0;
                eq += eRowStep;
            }
        }
        a0.intoArray(acc, ao);
        a1.intoArray(acc, ao + L);
        a2.intoArray(acc, ao + 2 * L);
        a3.intoArray(acc, ao + 3 * L);
        a4.intoArray(acc, ao + 4 * L);
        a5.intoArray(acc, ao + 5 * L);
        a6.intoArray(acc, ao + 6 * L);
        a7.intoArray(acc, ao + 7 * L);
        a8.intoArray(acc, ao + 8 * L);
        a9.intoArray(acc, ao + 9 * L);
        a10.intoArray(acc, ao + 10 * L);
        a11.intoArray(acc, ao + 11 * L);
        a12.intoArray(acc, ao + 12 * L);
        sum.intoArray(acc, sumOff);
    }

    /**
     * {@code dst[dstOff + i·rep + j] = src[srcOff + i]} for {@code i < count}, {@code j < rep}. When {@code rep}
     * divides {@link #L}, {@code src} must hold {@link #L} floats past {@code srcOff + count} (read, not used).
     */
    static void repeat(float[] src, int srcOff, int count, int rep, float[] dst, int dstOff) {
        int o = dstOff;
        int i = 0;
        if (rep <= L && L % rep == 0) {
            VectorShuffle<Float>[] spread = SPREAD[rep];
            int m = L / rep; // source values per output vector
            for (; i + m <= count; i += L) {
                FloatVector v = FloatVector.fromArray(S, src, srcOff + i);
                // output vector k holds source values k·m .. k·m + m - 1 of this source vector, each rep times
                int whole = Math.min(rep, (count - i) / m);
                for (int k = 0; k < whole; k++) {
                    v.rearrange(spread[k]).intoArray(dst, o);
                    o += L;
                }
                if (whole < rep) {
                    i += whole * m;
                    break;
                }
            }
        }
        for (; i < count; i++) {
            float v = src[srcOff + i];
            for (int j = 0; j < rep; j++) {
                dst[o + j] = v;
            }
            o += rep;
        }
    }
}
