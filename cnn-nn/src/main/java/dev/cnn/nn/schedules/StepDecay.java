package dev.cnn.nn.schedules;

import dev.cnn.core.ConfigView;
import dev.cnn.nn.optimizers.Optimizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code initialRate · factor^⌊epoch / everyEpochs⌋}: the rate drops by {@code factor} every
 * {@code everyEpochs} epochs (Keras's {@code ExponentialDecay} with {@code staircase=True}, per epoch).
 *
 * @param initialRate the rate of the first epochs, positive and finite
 * @param everyEpochs epochs between drops, at least 1
 * @param factor      the multiplier at each drop, in (0, 1]
 */
public record StepDecay(double initialRate, int everyEpochs, double factor) implements LearningRateSchedule {
    /** Checks the settings (see the record components). */
    public StepDecay {
        Optimizer.checkLearningRate(initialRate);
        if (everyEpochs < 1 || !(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("StepDecay needs everyEpochs >= 1 and a factor in (0, 1], got "
                    + everyEpochs + " and " + factor);
        }
    }

    @Override
    public double rate(int epoch) {
        return initialRate * Math.pow(factor, epoch / everyEpochs);
    }

    @Override
    public String type() {
        return "StepDecay";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("initialRate", initialRate);
        c.put("everyEpochs", everyEpochs);
        c.put("factor", factor);
        return c;
    }

    /** The step decay saved as {@link #config}. */
    public static StepDecay fromConfig(ConfigView c) {
        return new StepDecay(c.number("initialRate"), c.integer("everyEpochs", 1, Integer.MAX_VALUE), c.number("factor"));
    }
}
