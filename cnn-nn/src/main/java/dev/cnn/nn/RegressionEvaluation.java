package dev.cnn.nn;

/**
 * Regression metrics over {@code samples} samples with {@code outputs} values each: the sums behind
 * RMSE and MAE are kept so that results merge exactly. Serializable, so partial results can travel between
 * processes (e.g. Spark tasks) and be merged.
 *
 * @param samples      number of samples
 * @param loss         mean loss per sample
 * @param values       number of output values scored ({@code samples × outputs per sample})
 * @param squaredError sum of squared differences, in squared target units
 * @param absoluteError sum of absolute differences, in target units
 */
public record RegressionEvaluation(long samples, double loss, long values, double squaredError, double absoluteError)
        implements Evaluation, java.io.Serializable {

    /** Root mean squared error over every output value, in target units. */
    public double rmse() {
        return Math.sqrt(squaredError / values);
    }

    /** Mean absolute error over every output value, in target units. */
    public double mae() {
        return absoluteError / values;
    }

    @Override
    public double metric() {
        return rmse();
    }

    @Override
    public RegressionEvaluation merge(Evaluation other) {
        RegressionEvaluation o = other.regression();
        long n = samples + o.samples;
        return new RegressionEvaluation(n, n == 0 ? Double.NaN : (loss * samples + o.loss * o.samples) / n,
                values + o.values, squaredError + o.squaredError, absoluteError + o.absoluteError);
    }
}
