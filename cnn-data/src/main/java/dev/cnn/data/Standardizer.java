package dev.cnn.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-column standardisation {@code (v − mean) / std}, fitted on training data only and then applied
 * unchanged to validation and test data. Uses the population standard deviation (divide by n), by the
 * corrected two-pass formulas (equal bit for bit to Commons Math's, which the tests check); a constant
 * column gets std 1 so it maps to 0 rather than dividing by zero. Immutable and serializable (it travels to
 * Spark executors with a model's scaling).
 */
public final class Standardizer implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double[] mean;
    private final double[] std;

    /** A standardizer with the given mean and standard deviation of each column (same length, deviations > 0). */
    public Standardizer(double[] mean, double[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " columns but std has " + std.length);
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /**
     * Fits to {@code values}, {@code rows x columns} row-major. A NaN (a missing cell) is left out of its
     * column's statistics; a column with no values gets mean 0 and standard deviation 1.
     */
    public static Standardizer fit(float[] values, int columns) {
        if (columns < 1 || values.length % columns != 0 || values.length == 0) {
            throw new IllegalArgumentException(values.length + " values do not form rows of " + columns + " columns");
        }
        int rows = values.length / columns;
        double[] mean = new double[columns];
        double[] std = new double[columns];
        double[] col = new double[rows];
        for (int c = 0; c < columns; c++) {
            int n = 0;
            for (int r = 0; r < rows; r++) {
                float v = values[r * columns + c];
                if (!Float.isNaN(v)) {
                    col[n++] = v;
                }
            }
            if (n == 0) {
                mean[c] = 0;
                std[c] = 1;
                continue;
            }
            double[] x = n == rows ? col : java.util.Arrays.copyOf(col, n);
            mean[c] = mean(x);
            double s = populationStd(x, mean[c]);
            std[c] = s > 0 ? s : 1.0;
        }
        return new Standardizer(mean, std);
    }

    /** Number of columns. */
    public int columns() {
        return mean.length;
    }

    /** The mean of column {@code c}. */
    public double mean(int c) {
        return mean[c];
    }

    /** The standard deviation of column {@code c} (1 for a constant column). */
    public double std(int c) {
        return std[c];
    }

    /** Standardises {@code values} ({@code rows x columns}) in place; returns them. */
    public float[] apply(float[] values) {
        check(values);
        int k = mean.length;
        for (int i = 0; i < values.length; i++) {
            int c = i % k;
            values[i] = (float) ((values[i] - mean[c]) / std[c]);
        }
        return values;
    }

    /** Undoes {@link #apply} in place; returns the values. */
    public float[] invert(float[] values) {
        check(values);
        int k = mean.length;
        for (int i = 0; i < values.length; i++) {
            int c = i % k;
            values[i] = (float) (values[i] * std[c] + mean[c]);
        }
        return values;
    }

    /** Undoes {@link #apply} for one value of column {@code c}, in double. */
    public double invert(double value, int c) {
        return value * std[c] + mean[c];
    }

    private void check(float[] values) {
        if (values.length % mean.length != 0) {
            throw new IllegalArgumentException(values.length + " values do not form rows of " + mean.length + " columns");
        }
    }

    /** {@code {"mean": [...], "std": [...]}}, for saving with a model. */
    public Map<String, Object> toMap() {
        List<Double> m = new ArrayList<>();
        List<Double> s = new ArrayList<>();
        for (int i = 0; i < mean.length; i++) {
            m.add(mean[i]);
            s.add(std[i]);
        }
        Map<String, Object> map = new LinkedHashMap<>(); // fixed key order, so model files are reproducible
        map.put("mean", m);
        map.put("std", s);
        return map;
    }

    /**
     * Reads what {@link #toMap} wrote (numbers may come back as any {@link Number}). Anything else, lists
     * of different lengths, non-finite values or a standard deviation that is not positive is an
     * {@link IllegalArgumentException} saying what was expected.
     */
    public static Standardizer fromMap(Object map) {
        if (!(map instanceof Map<?, ?> m) || !(m.get("mean") instanceof List<?> ml) || !(m.get("std") instanceof List<?> sl)) {
            throw new IllegalArgumentException("scaling statistics must be {\"mean\": [...], \"std\": [...]}, got "
                    + abbreviate(map));
        }
        if (ml.isEmpty() || ml.size() != sl.size()) {
            throw new IllegalArgumentException("scaling statistics need as many std values as means (at least one), got "
                    + ml.size() + " means and " + sl.size() + " std values");
        }
        double[] mean = new double[ml.size()];
        double[] std = new double[sl.size()];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = number(ml.get(i), "mean", i);
            std[i] = number(sl.get(i), "std", i);
            if (!(std[i] > 0)) {
                throw new IllegalArgumentException("scaling statistics: std[" + i + "] must be positive, got " + std[i]);
            }
        }
        return new Standardizer(mean, std);
    }

    private static double number(Object v, String list, int i) {
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new IllegalArgumentException("scaling statistics: " + list + "[" + i + "] must be a finite number, got "
                    + abbreviate(v));
        }
        return n.doubleValue();
    }

    private static String abbreviate(Object v) {
        String s = String.valueOf(v);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    /** The mean with a second pass that corrects the first's rounding: {@code m + sum(x - m) / n}. */
    static double mean(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        double m = sum / x.length;
        double correction = 0;
        for (double v : x) {
            correction += v - m;
        }
        return m + correction / x.length;
    }

    /**
     * The population standard deviation (divisor n) about {@code mean}, by the corrected two-pass formula
     * {@code sqrt((sum(d²) - sum(d)² / n) / n)} with {@code d = x - mean}; 0 for a single value.
     */
    static double populationStd(double[] x, double mean) {
        if (x.length == 1) {
            return 0;
        }
        double squares = 0;
        double deviations = 0;
        for (double v : x) {
            double d = v - mean;
            squares += d * d;
            deviations += d;
        }
        return Math.sqrt((squares - deviations * deviations / x.length) / x.length);
    }
}
