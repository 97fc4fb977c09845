package dev.cnn.serve;

/**
 * A classifier's output row as {@code cnn predict} reads it: one sigmoid output is the probability of the second
 * of two classes (chosen at {@code p >= 0.5}), else one probability per class (the first largest chosen).
 */
final class ClassScores {
    private ClassScores() {
    }

    /** Each class's probability from the {@code k} outputs at {@code off}, for {@code classes} classes. */
    static double[] probabilities(float[] o, int off, int k, int classes) {
        double[] p = new double[classes];
        if (k == 1) {
            p[0] = 1 - (double) o[off]; // in double, as cnn predict computes it
            p[1] = o[off];
        } else {
            for (int i = 0; i < classes; i++) {
                p[i] = o[off + i];
            }
        }
        return p;
    }

    /** The chosen class of the {@code k} outputs at {@code off}. */
    static int best(float[] o, int off, int k) {
        if (k == 1) {
            return o[off] >= 0.5 ? 1 : 0;
        }
        int best = 0;
        for (int i = 1; i < k; i++) {
            if (o[off + i] > o[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
