package dev.cnn.nn;

import java.util.Arrays;

/**
 * Classification metrics: the confusion matrix ({@code confusion[actual][predicted]} counts) and, for
 * top-k accuracy, how many samples had their true class at each rank of the model's scores
 * ({@code rankCounts[r]}: r classes scored above the true one, ties broken by class index as argmax
 * does). A sigmoid model is scored per output element at threshold 0.5 as classes 0 and 1. Immutable:
 * the arrays are copied in and out. Serializable, so partial results can travel between processes (e.g.
 * Spark tasks) and be {@link #merge merged}.
 */
public final class ClassificationEvaluation implements Evaluation, java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final long samples;
    private final double loss;
    private final long[][] confusion;
    private final long[] rankCounts;

    /**
     * @param samples    number of samples
     * @param loss       mean loss per sample
     * @param confusion  square matrix, {@code confusion[actual][predicted]}
     * @param rankCounts one count per class: how many scored predictions had the true class at rank r
     */
    public ClassificationEvaluation(long samples, double loss, long[][] confusion, long[] rankCounts) {
        int k = confusion.length;
        for (long[] row : confusion) {
            if (row.length != k) {
                throw new IllegalArgumentException("the confusion matrix must be square, got a row of " + row.length
                        + " in " + k + " rows");
            }
        }
        if (rankCounts.length != k) {
            throw new IllegalArgumentException("rank counts must have one entry per class (" + k + "), got "
                    + rankCounts.length);
        }
        this.samples = samples;
        this.loss = loss;
        this.confusion = new long[k][];
        for (int a = 0; a < k; a++) {
            this.confusion[a] = confusion[a].clone();
        }
        this.rankCounts = rankCounts.clone();
    }

    @Override
    public long samples() {
        return samples;
    }

    @Override
    public double loss() {
        return loss;
    }

    /** Number of classes (2 for a sigmoid model). */
    public int classes() {
        return confusion.length;
    }

    /** {@code confusion[actual][predicted]} counts (a copy). */
    public long[][] confusion() {
        long[][] c = new long[confusion.length][];
        for (int a = 0; a < c.length; a++) {
            c[a] = confusion[a].clone();
        }
        return c;
    }

    /** How many predictions had their true class at rank r (0: the top score), per r (a copy). */
    public long[] rankCounts() {
        return rankCounts.clone();
    }

    /** Number of scored predictions (samples, or output elements for a multi-output sigmoid model). */
    public long predictions() {
        long total = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                total += v;
            }
        }
        return total;
    }

    /** Share of predictions whose argmax (or thresholded) class is the true one, in [0, 1]. */
    public double accuracy() {
        return topKAccuracy(1);
    }

    @Override
    public double metric() {
        return accuracy();
    }

    /** Share of predictions whose true class is among the {@code k} highest scores (k >= 1; k >= classes gives 1). */
    public double topKAccuracy(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        long hit = 0;
        for (int r = 0; r < Math.min(k, rankCounts.length); r++) {
            hit += rankCounts[r];
        }
        return (double) hit / predictions();
    }

    /** Number of misclassified predictions. */
    public long errors() {
        long wrong = 0;
        for (int a = 0; a < confusion.length; a++) {
            for (int p = 0; p < confusion.length; p++) {
                wrong += a == p ? 0 : confusion[a][p];
            }
        }
        return wrong;
    }

    /** Precision of class {@code c}: correct predictions of c over all predictions of c (NaN if none). */
    public double precision(int c) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[checkClass(c)];
        }
        return predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
    }

    /** Recall of class {@code c}: correct predictions of c over all samples of c (NaN if none). */
    public double recall(int c) {
        long actual = 0;
        for (long v : confusion[checkClass(c)]) {
            actual += v;
        }
        return actual == 0 ? Double.NaN : (double) confusion[c][c] / actual;
    }

    /** F1 of class {@code c}: {@code 2·TP / (2·TP + FP + FN)}, NaN when the class never occurs nor is predicted. */
    public double f1(int c) {
        long tp = confusion[checkClass(c)][c];
        long fp = 0;
        long fn = 0;
        for (int o = 0; o < confusion.length; o++) {
            fp += o == c ? 0 : confusion[o][c];
            fn += o == c ? 0 : confusion[c][o];
        }
        long denominator = 2 * tp + fp + fn;
        return denominator == 0 ? Double.NaN : 2.0 * tp / denominator;
    }

    /** Unweighted mean of {@link #precision} over the classes that were predicted at least once. */
    public double macroPrecision() {
        return macro(0);
    }

    /** Unweighted mean of {@link #recall} over the classes that occur. */
    public double macroRecall() {
        return macro(1);
    }

    /** Unweighted mean of {@link #f1} over the classes that occur or are predicted. */
    public double macroF1() {
        return macro(2);
    }

    private double macro(int which) {
        double sum = 0;
        int count = 0;
        for (int c = 0; c < confusion.length; c++) {
            double v = which == 0 ? precision(c) : which == 1 ? recall(c) : f1(c);
            if (!Double.isNaN(v)) {
                sum += v;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private int checkClass(int c) {
        if (c < 0 || c >= confusion.length) {
            throw new IllegalArgumentException("class " + c + " is out of range: the model has " + confusion.length
                    + " classes (0.." + (confusion.length - 1) + ")");
        }
        return c;
    }

    @Override
    public ClassificationEvaluation merge(Evaluation other) {
        ClassificationEvaluation o = other.classification();
        if (o.classes() != classes()) {
            throw new IllegalArgumentException("cannot merge results over " + classes() + " and " + o.classes() + " classes");
        }
        long[][] c = confusion();
        long[] ranks = rankCounts.clone();
        for (int a = 0; a < c.length; a++) {
            ranks[a] += o.rankCounts[a];
            for (int p = 0; p < c.length; p++) {
                c[a][p] += o.confusion[a][p];
            }
        }
        long n = samples + o.samples;
        return new ClassificationEvaluation(n, n == 0 ? Double.NaN : (loss * samples + o.loss * o.samples) / n, c, ranks);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassificationEvaluation e && e.samples == samples && Double.compare(e.loss, loss) == 0
                && Arrays.deepEquals(e.confusion, confusion) && Arrays.equals(e.rankCounts, rankCounts);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(confusion) * 31 + Long.hashCode(samples);
    }

    @Override
    public String toString() {
        return String.format("ClassificationEvaluation[samples=%d, loss=%.6f, accuracy=%.6f, errors=%d]", samples, loss,
                accuracy(), errors());
    }
}
