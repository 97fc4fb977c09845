package dev.cnn.core.reference;

import dev.cnn.core.Tensor;
import java.util.function.ToDoubleFunction;

/**
 * Central finite-difference gradient checking: perturbs each element of a tensor by ±{@code eps},
 * evaluates the loss (in double) and compares {@code (L(x+eps) - L(x-eps)) / 2eps} with the
 * analytic gradient. An element passes when its absolute error is at most {@code absFloor} or its
 * relative error {@code |a - n| / max(|a|, |n|)} is at most {@code relTol}.
 */
public final class GradientCheck {

    private GradientCheck() {
    }

    /** The outcome: the worst element's relative error and where it was. */
    public record Result(boolean passed, double maxRelativeError, double maxAbsoluteError, int worstIndex,
                         double analytic, double numeric, int checked) {
        @Override
        public String toString() {
            return (passed ? "passed" : "FAILED") + ": max relative error " + maxRelativeError
                    + ", max absolute error " + maxAbsoluteError + " (worst at flat index " + worstIndex
                    + ": analytic " + analytic + ", numeric " + numeric + ", " + checked + " elements)";
        }
    }

    /**
     * Checks {@code analytic} (same shape as {@code x}) against central differences of {@code loss}.
     * {@code x} is modified during the check and restored exactly afterwards.
     */
    public static Result check(ToDoubleFunction<Tensor> loss, Tensor x, Tensor analytic, double eps,
                               double relTol, double absFloor) {
        if (!x.sameShape(analytic)) {
            throw new IllegalArgumentException("gradient shape " + analytic.shapeString()
                    + " differs from parameter shape " + x.shapeString());
        }
        float[] d = x.data();
        double worstScore = -1;
        double worstAbs = 0;
        int worst = -1;
        double worstAnalytic = 0;
        double worstNumeric = 0;
        for (int i = 0; i < d.length; i++) {
            float saved = d[i];
            float plus = (float) (saved + eps);
            float minus = (float) (saved - eps);
            d[i] = plus;
            double up = loss.applyAsDouble(x);
            d[i] = minus;
            double down = loss.applyAsDouble(x);
            d[i] = saved;
            double numeric = (up - down) / ((double) plus - (double) minus);
            double a = analytic.data()[i];
            double abs = Math.abs(a - numeric);
            // elements within the absolute floor count as exact; others by their relative error
            double score = abs <= absFloor ? 0 : abs / Math.max(Math.abs(a), Math.abs(numeric));
            if (score > worstScore) {
                worstScore = score;
                worst = i;
                worstAnalytic = a;
                worstNumeric = numeric;
            }
            worstAbs = Math.max(worstAbs, abs);
        }
        double worstRel = Math.max(worstScore, 0);
        boolean passed = worstRel <= relTol;
        return new Result(passed, worstRel, worstAbs, worst, worstAnalytic, worstNumeric, d.length);
    }

    /** {@code sum(y * r)} in double: a loss whose gradient with respect to {@code y} is exactly {@code r}. */
    public static double dot(Tensor y, Tensor r) {
        if (!y.sameShape(r)) {
            throw new IllegalArgumentException("dot: shapes " + y.shapeString() + " and " + r.shapeString() + " differ");
        }
        double s = 0;
        float[] a = y.data();
        float[] b = r.data();
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
