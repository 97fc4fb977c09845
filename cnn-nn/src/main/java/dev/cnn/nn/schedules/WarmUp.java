package dev.cnn.nn.schedules;

import dev.cnn.core.ConfigView;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A linear warm-up before another schedule: epoch {@code e < epochs} runs at
 * {@code then.rate(0) · (e + 1) / epochs}; after that, epoch {@code e} runs at {@code then.rate(e − epochs)}.
 *
 * @param epochs the warm-up epochs, at least 1
 * @param then   the schedule that follows
 */
public record WarmUp(int epochs, LearningRateSchedule then) implements LearningRateSchedule {
    /** Checks the settings (see the record components). */
    public WarmUp {
        if (epochs < 1 || then == null) {
            throw new IllegalArgumentException("WarmUp needs epochs >= 1 and a schedule to follow, got " + epochs + " and "
                    + then);
        }
    }

    @Override
    public double rate(int epoch) {
        return epoch < epochs ? then.rate(0) * (epoch + 1) / epochs : then.rate(epoch - epochs);
    }

    @Override
    public String type() {
        return "WarmUp";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("epochs", epochs);
        c.put("then", then.savedForm());
        return c;
    }

    /**
     * The warm-up saved as {@link #config}: {@code schedules} rebuilds the schedule that follows from its
     * saved form ({@code ModelTypes::schedule} does, for every registered type).
     */
    public static WarmUp fromConfig(ConfigView c, Function<ConfigView, LearningRateSchedule> schedules) {
        return new WarmUp(c.integer("epochs", 1, Integer.MAX_VALUE), schedules.apply(c.object("then")));
    }
}
