package dev.cnn.app;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of a {@code cnn train} run, saved in the model's metadata under {@code settings} so that
 * {@code --resume} continues with them.
 *
 * @param epochs       epochs planned for the run (the learning-rate schedule spans them)
 * @param batchSize    samples per batch
 * @param learningRate the schedule's initial learning rate
 * @param optimizer    the optimizer's type name ({@code Adam} or {@code GradientDescent})
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
        return new RunSettings(
                (int) whole(m, "epochs", 1, Integer.MAX_VALUE),
                (int) whole(m, "batchSize", 1, Integer.MAX_VALUE),
                positive(m, "learningRate"),
                oneOf(m, "optimizer", "Adam", "GradientDescent"),
                oneOf(m, "init", "RANDOM", "XAVIER", "HE"),
                whole(m, "seed", 0, 0xFFFFFFFFL),
                fraction(m, "valFraction"));
    }

    private static double number(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("'settings." + key + "' must be a number, got " + v);
        }
        return n.doubleValue();
    }

    private static long whole(Map<?, ?> m, String key, long min, long max) {
        double d = number(m, key);
        if (d != Math.rint(d) || d < min || d > max) {
            throw new IllegalArgumentException("'settings." + key + "' must be a whole number from " + min + " to " + max
                    + ", got " + d);
        }
        return (long) d;
    }

    private static double positive(Map<?, ?> m, String key) {
        double d = number(m, key);
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("'settings." + key + "' must be positive and finite, got " + d);
        }
        return d;
    }

    private static double fraction(Map<?, ?> m, String key) {
        double d = number(m, key);
        if (!(d >= 0 && d < 1)) {
            throw new IllegalArgumentException("'settings." + key + "' must be in [0, 1), got " + d);
        }
        return d;
    }

    private static String oneOf(Map<?, ?> m, String key, String... allowed) {
        Object v = m.get(key);
        for (String a : allowed) {
            if (a.equals(v)) {
                return a;
            }
        }
        throw new IllegalArgumentException("'settings." + key + "' must be one of " + String.join(", ", allowed)
                + ", got " + v);
    }
}
