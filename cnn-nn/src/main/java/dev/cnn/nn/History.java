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
}
