package dev.cnn.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BatchNormKernel}'s passes on the Vector API: {@link #L} channels of a row per vector (the last
 * vector of a row masked when {@code c} is not a whole number of vectors), each lane doing the plain-Java
 * loop's float operations for its channel in the same order, so the results are bit-identical to it.
 * Loaded only when {@code jdk.incubator.vector} is present.
 */
final class VectorBatchNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int L = S.length();

    private VectorBatchNorm() {
    }

    /** Whether rows of {@code c} channels fill at least one vector (narrower rows stay on plain Java). */
    static boolean worthIt(int c) {
        return c >= L;
    }

    /** See {@link BatchNormKernel#sums}: per block, each vector of channels walks the block's rows in registers. */
    static void sums(float[] a, float[] shift, float[] w, int lo, int hi, int c, double[] s1, double[] s2) {
        float[] t1 = new float[L];
        float[] t2 = new float[L];
        for (int r0 = lo; r0 < hi; r0 += BatchNormKernel.BLOCK) {
            int r1 = Math.min(hi, r0 + BatchNormKernel.BLOCK);
            for (int j0 = 0; j0 < c; j0 += L) {
                int lanes = Math.min(L, c - j0);
                VectorMask<Float> m = S.indexInRange(j0, c);
                boolean full = lanes == L;
                FloatVector s = full ? FloatVector.fromArray(S, shift, j0) : FloatVector.fromArray(S, shift, j0, m);
                FloatVector f1 = FloatVector.zero(S);
                FloatVector f2 = FloatVector.zero(S);
                for (int r = r0; r < r1; r++) {
                    int at = r * c + j0;
                    FloatVector v = (full ? FloatVector.fromArray(S, a, at) : FloatVector.fromArray(S, a, at, m)).sub(s);
                    f1 = f1.add(v);
                    if (w == null) {
                        f2 = f2.add(v.mul(v));
                    } else {
                        f2 = f2.add(v.mul(full ? FloatVector.fromArray(S, w, at) : FloatVector.fromArray(S, w, at, m)));
                    }
                }
                f1.intoArray(t1, 0);
                f2.intoArray(t2, 0);
                for (int k = 0; k < lanes; k++) {
                    s1[j0 + k] += t1[k];
                    s2[j0 + k] += t2[k];
                }
            }
        }
    }

    /** See {@link BatchNormKernel#normalize}. */
    static void normalize(float[] a, int lo, int hi, int c, float[] shift, float[] scale, float[] gamma, float[] beta,
                          float[] xhat, float[] y) {
        for (int r = lo; r < hi; r++) {
            int base = r * c;
            for (int j0 = 0; j0 < c; j0 += L) {
                if (j0 + L <= c) {
                    FloatVector v = FloatVector.fromArray(S, a, base + j0).sub(FloatVector.fromArray(S, shift, j0))
                            .mul(FloatVector.fromArray(S, scale, j0));
                    if (xhat != null) {
                        v.intoArray(xhat, base + j0);
                    }
                    v.mul(FloatVector.fromArray(S, gamma, j0)).add(FloatVector.fromArray(S, beta, j0)).intoArray(y, base + j0);
                } else {
                    VectorMask<Float> m = S.indexInRange(j0, c);
                    FloatVector v = FloatVector.fromArray(S, a, base + j0, m).sub(FloatVector.fromArray(S, shift, j0, m))
                            .mul(FloatVector.fromArray(S, scale, j0, m));
                    if (xhat != null) {
                        v.intoArray(xhat, base + j0, m);
                    }
                    v.mul(FloatVector.fromArray(S, gamma, j0, m)).add(FloatVector.fromArray(S, beta, j0, m))
                            .intoArray(y, base + j0, m);
                }
            }
        }
    }

    /** See {@link BatchNormKernel#standardize}. */
    static void standardize(float[] a, int lo, int hi, int c, float[] shift, float[] scale, float[] xhat) {
        for (int r = lo; r < hi; r++) {
            int base = r * c;
            for (int j0 = 0; j0 < c; j0 += L) {
                if (j0 + L <= c) {
                    FloatVector.fromArray(S, a, base + j0).sub(FloatVector.fromArray(S, shift, j0))
                            .mul(FloatVector.fromArray(S, scale, j0)).intoArray(xhat, base + j0);
                } else {
                    VectorMask<Float> m = S.indexInRange(j0, c);
                    FloatVector.fromArray(S, a, base + j0, m).sub(FloatVector.fromArray(S, shift, j0, m))
                            .mul(FloatVector.fromArray(S, scale, j0, m)).intoArray(xhat, base + j0, m);
                }
            }
        }
    }

    /** See {@link BatchNormKernel#inputGradient}. */
    static void inputGradient(float[] dy, float[] xhat, int lo, int hi, int c, float[] ca, float[] cb, float[] cc,
                              float[] dx) {
        for (int r = lo; r < hi; r++) {
            int base = r * c;
            for (int j0 = 0; j0 < c; j0 += L) {
                if (j0 + L <= c) {
                    FloatVector.fromArray(S, ca, j0).mul(FloatVector.fromArray(S, dy, base + j0))
                            .sub(FloatVector.fromArray(S, cb, j0))
                            .sub(FloatVector.fromArray(S, cc, j0).mul(FloatVector.fromArray(S, xhat, base + j0)))
                            .intoArray(dx, base + j0);
                } else {
                    VectorMask<Float> m = S.indexInRange(j0, c);
                    FloatVector.fromArray(S, ca, j0, m).mul(FloatVector.fromArray(S, dy, base + j0, m))
                            .sub(FloatVector.fromArray(S, cb, j0, m))
                            .sub(FloatVector.fromArray(S, cc, j0, m).mul(FloatVector.fromArray(S, xhat, base + j0, m)))
                            .intoArray(dx, base + j0, m);
                }
            }
        }
    }
}
