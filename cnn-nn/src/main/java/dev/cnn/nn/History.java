package dev.cnn.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per-epoch training loss, validation loss and validation metric (NaN where there was no validation data).
 * Immutable: {@link #plus} gives a history one epoch longer. Thread-safe.
 */
public final class History {
    /** No epochs. */
    public static final History EMPTY = new History(List.of(), List.of(), List.of());
    private final List<Double> trainLoss;
    private final List<Double> validationLoss;
    private final List<Double> validationMetric;

    private History(List<Double> trainLoss, List<Double> validationLoss, List<Double> validationMetric) {
        this.trainLoss = trainLoss;
        this.validationLoss = validationLoss;
        this.validationMetric = validationMetric;
    }

    /** A history of the given per-epoch values (three lists of one length). */
    public static History of(List<Double> trainLoss, List<Double> validationLoss, List<Double> validationMetric) {
        if (trainLoss.size() != validationLoss.size() || trainLoss.size() != validationMetric.size()) {
            throw new IllegalArgumentException("history lists differ in length: " + trainLoss.size() + ", "
                    + validationLoss.size() + ", " + validationMetric.size());
        }
        return new History(Collections.unmodifiableList(new ArrayList<>(trainLoss)),
                Collections.unmodifiableList(new ArrayList<>(validationLoss)),
                Collections.unmodifiableList(new ArrayList<>(validationMetric)));
    }

    /** This history and one more epoch. */
    public History plus(double train, double validation, double metric) {
        List<Double> t = new ArrayList<>(trainLoss);
        List<Double> v = new ArrayList<>(validationLoss);
        List<Double> m = new ArrayList<>(validationMetric);
        t.add(train);
        v.add(validation);
        m.add(metric);
        return new History(Collections.unmodifiableList(t), Collections.unmodifiableList(v),
                Collections.unmodifiableList(m));
    }

    /** Mean training loss of each epoch, in order. */
    public List<Double> trainLoss() {
        return trainLoss;
    }

    /** Validation loss of each epoch (NaN for epochs trained without validation data). */
    public List<Double> validationLoss() {
        return validationLoss;
    }

    /** Accuracy for classification, RMSE (in the model's target units) for regression. */
    public List<Double> validationMetric() {
        return validationMetric;
    }

    /** Number of epochs recorded. */
    public int epochs() {
        return trainLoss.size();
    }

    /** For people: {@code History(2 epochs; train loss 0.3012 -> 0.0154; validation loss 0.0127, metric 0.9979)}. */
    @Override
    public String toString() {
        int n = epochs();
        if (n == 0) {
            return "History(no epochs)";
        }
        StringBuilder sb = new StringBuilder("History(").append(n).append(n == 1 ? " epoch" : " epochs")
                .append("; train loss ");
        if (n > 1) {
            sb.append(String.format(java.util.Locale.ROOT, "%.4g -> ", trainLoss.get(0)));
        }
        sb.append(String.format(java.util.Locale.ROOT, "%.4g", trainLoss.get(n - 1)));
        double v = validationLoss.get(n - 1);
        if (!Double.isNaN(v)) {
            sb.append(String.format(java.util.Locale.ROOT, "; validation loss %.4g, metric %.4g", v,
                    validationMetric.get(n - 1)));
        }
        return sb.append(')').toString();
    }
}
