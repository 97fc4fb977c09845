package dev.cnn.nn.schedules;

import dev.cnn.core.ConfigView;
import dev.cnn.nn.optimizers.Optimizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cosine decay from {@code initialRate} to {@code floor · initialRate} over {@code epochs} epochs (Keras's
 * {@code CosineDecay} with {@code alpha = floor}, per epoch): epoch {@code e} gets
 * {@code initialRate · (floor + (1 − floor) · ½(1 + cos(π·t)))} with {@code t = min(1, e / (epochs − 1))}, so
 * the first epoch runs at the full rate, the last planned one at the floor, and later ones stay there.
 *
 * @param initialRate the rate of the first epoch, positive and finite
 * @param epochs      the epochs the decay spans, at least 1
 * @param floor       the final rate as a fraction of the initial one, in [0, 1]
 */
public record CosineDecay(double initialRate, int epochs, double floor) implements LearningRateSchedule {
    /** Checks the settings (see the record components). */
    public CosineDecay {
        Optimizer.checkLearningRate(initialRate);
        if (epochs < 1 || !(floor >= 0 && floor <= 1)) {
            throw new IllegalArgumentException("CosineDecay needs epochs >= 1 and a floor in [0, 1], got " + epochs
                    + " and " + floor);
        }
    }

    @Override
    public double rate(int epoch) {
        double t = Math.min(1.0, epoch / (double) Math.max(1, epochs - 1));
        return initialRate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    @Override
    public String type() {
        return "CosineDecay";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("initialRate", initialRate);
        c.put("epochs", epochs);
        c.put("floor", floor);
        return c;
    }

    /** The cosine decay saved as {@link #config}. */
    public static CosineDecay fromConfig(ConfigView c) {
        return new CosineDecay(c.number("initialRate"), c.integer("epochs", 1, Integer.MAX_VALUE), c.number("floor"));
    }
}
