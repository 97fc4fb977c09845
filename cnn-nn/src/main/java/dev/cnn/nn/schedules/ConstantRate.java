package dev.cnn.nn.schedules;

import dev.cnn.core.ConfigView;
import dev.cnn.nn.optimizers.Optimizer;
import java.util.Map;

/**
 * The same learning rate every epoch.
 *
 * @param rate the learning rate, positive and finite
 */
public record ConstantRate(double rate) implements LearningRateSchedule {
    /** Checks that the rate is positive and finite. */
    public ConstantRate {
        Optimizer.checkLearningRate(rate);
    }

    @Override
    public double rate(int epoch) {
        return rate;
    }

    @Override
    public String type() {
        return "ConstantRate";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("rate", rate);
    }

    /** The constant rate saved as {@link #config}. */
    public static ConstantRate fromConfig(ConfigView c) {
        return new ConstantRate(c.number("rate"));
    }
}
