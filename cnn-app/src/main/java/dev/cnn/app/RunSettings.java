package dev.cnn.app;

import dev.cnn.core.ConfigView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of a {@code cnn train} run, saved in the model's metadata under {@code settings} so that
 * {@code --resume} continues with them.
 *
 * @param epochs       epochs planned for the run (the learning-rate schedule spans them)
 * @param batchSize    samples per batch
 * @param learningRate the schedule's initial learning rate
 * @param optimizer    the optimizer's type name ({@code Adam}, {@code AdamW}, {@code RMSprop} or {@code GradientDescent})
 * @param init         the weight initialiser's name ({@code RANDOM}, {@code XAVIER} or {@code HE})
 * @param seed         seed of the weights, the validation split and the shuffling (0 to 2^32-1)
 * @param valFraction  share of the training set held out for validation, in [0, 1)
 */
record RunSettings(int epochs, int batchSize, double learningRate, String optimizer, String init, long seed,
                   double valFraction) {

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batchSize", batchSize);
        m.put("learningRate", learningRate);
        m.put("optimizer", optimizer);
        m.put("init", init);
        m.put("seed", seed);
        m.put("valFraction", valFraction);
        return m;
    }

    /** Reads {@link #toMap}'s form; anything missing or out of range is an error naming the key. */
    static RunSettings fromMap(Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("'settings' must be an object, got " + value);
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        m.forEach((k, v) -> copy.put(String.valueOf(k), v));
        ConfigView c = new ConfigView(copy, "'settings'");
        double lr = c.number("learningRate");
        double val = c.number("valFraction");
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("'settings': 'learningRate' must be positive and finite, got " + lr);
        }
        if (!(val >= 0 && val < 1)) {
            throw new IllegalArgumentException("'settings': 'valFraction' must be in [0, 1), got " + val);
        }
        return new RunSettings(c.integer("epochs", 1, Integer.MAX_VALUE), c.integer("batchSize", 1, Integer.MAX_VALUE),
                lr, c.oneOf("optimizer", "Adam", "AdamW", "RMSprop", "GradientDescent"), c.oneOf("init", "RANDOM", "XAVIER", "HE"),
                c.wholeNumber("seed", 0, 0xFFFFFFFFL), val);
    }
}
