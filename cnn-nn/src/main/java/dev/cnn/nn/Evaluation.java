package dev.cnn.nn;

/**
 * Metrics of a model on a dataset. Classification fills {@code accuracy} and {@code confusion}
 * ({@code confusion[actual][predicted]} counts); regression fills {@code rmse} and {@code mae} in the
 * model's target units. Unused fields are NaN or null.
 */
public record Evaluation(int samples, double loss, double accuracy, long[][] confusion, double rmse, double mae) {

    /** Precision of class {@code c}: correct predictions of c over all predictions of c (NaN if none). */
    public double precision(int c) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[c];
        }
        return predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
    }

    /** Recall of class {@code c}: correct predictions of c over all samples of c (NaN if none). */
    public double recall(int c) {
        long actual = 0;
        for (long v : confusion[c]) {
            actual += v;
        }
        return actual == 0 ? Double.NaN : (double) confusion[c][c] / actual;
    }

    /** Number of misclassified samples. */
    public long errors() {
        long wrong = 0;
        for (int a = 0; a < confusion.length; a++) {
            for (int p = 0; p < confusion[a].length; p++) {
                wrong += a == p ? 0 : confusion[a][p];
            }
        }
        return wrong;
    }
}
