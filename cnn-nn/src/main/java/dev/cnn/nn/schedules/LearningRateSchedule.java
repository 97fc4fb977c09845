package dev.cnn.nn.schedules;

import dev.cnn.core.ConfigView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The learning rate per epoch, set on the optimizer at the start of each epoch by {@link dev.cnn.nn.Model#train}
 * (see {@link dev.cnn.nn.TrainOptions#withSchedule}). A schedule is saved in the model file and restored with it, so
 * a resumed run continues on the same curve. Implementations: {@link ConstantRate}, {@link StepDecay},
 * {@link CosineDecay}, {@link WarmUp}; register others with {@link dev.cnn.nn.io.ModelTypes#registerSchedule}.
 */
public interface LearningRateSchedule {
    /** The learning rate of epoch {@code epoch} (0-based, counted over the model's life); positive. */
    double rate(int epoch);

    /** The type name saved in model files. */
    String type();

    /** The settings needed to rebuild the schedule (numbers, or nested {@code {type, config}} objects). */
    Map<String, Object> config();

    /** The schedule as a model file saves it, {@code {"type": type(), "config": config()}}. */
    default Map<String, Object> savedForm() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type());
        m.put("config", config());
        return m;
    }

    /** Rebuilds a schedule from its saved form. */
    @FunctionalInterface
    interface Factory {
        /** The schedule described by {@code config}; invalid values are an {@link IllegalArgumentException} naming the key. */
        LearningRateSchedule create(ConfigView config);
    }
}
