package dev.cnn.core.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling over a 2×2 window on the Vector API for at most one vector of channels, or a whole number
 * of vectors: one vector per input column block (or per block of {@link #L} channels), lanes past the
 * channels computed and overwritten (forward) or given a zero gradient (backward), so the caller must
 * only pass positions whose vectors stay inside the row.
 * Loaded only when {@code jdk.incubator.vector} is present.
 */
final class VectorPool {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int L = S.length();

    /** {@code KEEP[c]}: ones in the first {@code c} lanes, zeros after (c ≤ L). */
    private static final float[][] KEEP = new float[L + 1][];

    static {
        for (int c = 0; c <= L; c++) {
            KEEP[c] = new float[L];
            Arrays.fill(KEEP[c], 0, c, 1f);
        }
    }

    /** Lanes {@code 0 .. L/2 - 1} of a vector, then the same lanes again. */
    private static final VectorShuffle<Float> LOW_HALF_TWICE = VectorShuffle.fromOp(S, lane -> lane % (L / 2));

    private VectorPool() {
    }

    /**
     * Output positions {@code [0, n)} of one output row: {@code y[yo + ow·c + ch]} = max of the 2×2
     * window whose top-left value is {@code x[r0 + ow·sw·c + ch]}, the second row {@code rowStride}
     * further. Writes up to {@link #L} floats from each position's start; the caller writes the
     * positions after the last one afterwards.
     */
    static void forward2x2(float[] x, int r0, int rowStride, int sw, int c, float[] y, int yo, int n) {
        if (c > L) {
            // whole vectors of channels (c % L == 0)
            for (int ow = 0; ow < n; ow++) {
                int a = r0 + ow * sw * c;
                int b = a + rowStride;
                for (int cb = 0; cb < c; cb += L) {
                    FloatVector left = FloatVector.fromArray(S, x, a + cb).max(FloatVector.fromArray(S, x, b + cb));
                    FloatVector right = FloatVector.fromArray(S, x, a + c + cb).max(FloatVector.fromArray(S, x, b + c + cb));
                    left.max(right).intoArray(y, yo + ow * c + cb);
                }
            }
            return;
        }
        for (int ow = 0; ow < n; ow++) {
            int a = r0 + ow * sw * c;
            int b = a + rowStride;
            FloatVector left = FloatVector.fromArray(S, x, a).max(FloatVector.fromArray(S, x, b));
            FloatVector right = FloatVector.fromArray(S, x, a + c).max(FloatVector.fromArray(S, x, b + c));
            left.max(right).intoArray(y, yo + ow * c);
        }
    }

    /**
     * The gradient of {@link #forward2x2} for positions {@code [0, n)}: {@code dx} at each value of the
     * window equal to its maximum gets {@code dy} added. Lanes past {@code c} add zero.
     */
    static void backward2x2(float[] x, float[] y, float[] dy, float[] dx, int r0, int rowStride, int sw, int c, int yo,
                            int n) {
        if (c > L) {
            // whole vectors of channels (c % L == 0): every lane is a channel
            for (int ow = 0; ow < n; ow++) {
                int a = r0 + ow * sw * c;
                int b = a + rowStride;
                int o = yo + ow * c;
                for (int cb = 0; cb < c; cb += L) {
                    FloatVector m = FloatVector.fromArray(S, y, o + cb);
                    FloatVector d = FloatVector.fromArray(S, dy, o + cb);
                    add(x, dx, a + cb, m, d);
                    add(x, dx, a + c + cb, m, d);
                    add(x, dx, b + cb, m, d);
                    add(x, dx, b + c + cb, m, d);
                }
            }
            return;
        }
        if (2 * c == L && sw == 2) {
            // the window's two columns are one vector: compare it with the maximum in both halves, so each
            // position reads and writes dx once per window row and no write overlaps the next read
            for (int ow = 0; ow < n; ow++) {
                int a = r0 + ow * L;
                int o = yo + ow * c;
                FloatVector m = FloatVector.fromArray(S, y, o).rearrange(LOW_HALF_TWICE);
                FloatVector d = FloatVector.fromArray(S, dy, o).rearrange(LOW_HALF_TWICE);
                add(x, dx, a, m, d);
                add(x, dx, a + rowStride, m, d);
            }
            return;
        }
        FloatVector keep = FloatVector.fromArray(S, KEEP[c], 0);
        for (int ow = 0; ow < n; ow++) {
            int a = r0 + ow * sw * c;
            int b = a + rowStride;
            int o = yo + ow * c;
            FloatVector m = FloatVector.fromArray(S, y, o);
            FloatVector d = FloatVector.fromArray(S, dy, o).mul(keep);
            add(x, dx, a, m, d);
            add(x, dx, a + c, m, d);
            add(x, dx, b, m, d);
            add(x, dx, b + c, m, d);
        }
    }

    private static void add(float[] x, float[] dx, int at, FloatVector max, FloatVector d) {
        FloatVector g = FloatVector.zero(S).blend(d, FloatVector.fromArray(S, x, at).eq(max));
        FloatVector.fromArray(S, dx, at).add(g).intoArray(dx, at);
    }

    /**
     * How many leading output positions of a row the kernels above may take: every vector they read or
     * write must end inside the input row ({@code w·c} floats) and the output row ({@code outW·c}).
     */
    static int vectorPositions(int w, int outW, int sw, int c) {
        int n = 0;
        while (n < outW && (n * sw + 1) * c + L <= w * c && n * c + L <= outW * c) {
            n++;
        }
        return n;
    }
}
