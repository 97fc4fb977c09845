package dev.cnn.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Per-epoch training loss, validation loss and validation metric (NaN where there was no validation data). */
public final class History {
    private final List<Double> trainLoss = new ArrayList<>();
    private final List<Double> validationLoss = new ArrayList<>();
    private final List<Double> validationMetric = new ArrayList<>();

    void add(double train, double validation, double metric) {
        trainLoss.add(train);
        validationLoss.add(validation);
        validationMetric.add(metric);
    }

    /** Mean training loss of each epoch, in order. */
    public List<Double> trainLoss() {
        return Collections.unmodifiableList(trainLoss);
    }

    /** Validation loss of each epoch (NaN for epochs trained without validation data). */
    public List<Double> validationLoss() {
        return Collections.unmodifiableList(validationLoss);
    }

    /** Accuracy for classification, RMSE (in the model's target units) for regression. */
    public List<Double> validationMetric() {
        return Collections.unmodifiableList(validationMetric);
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
