package dev.cnn.app;

import dev.cnn.data.Standardizer;
import dev.cnn.nn.Model;
import dev.cnn.nn.io.ModelIO.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What {@code cnn train} stores in a model's metadata, read back and checked against the model, so a
 * file edited by hand fails at load with the key and what was expected, never later with a cast error.
 *
 * @param task          the reference task
 * @param classNames    image tasks: one name per class (2 for a single sigmoid output); empty for housing
 * @param inputScale    image tasks: the factor from pixel bytes to inputs
 * @param featureScaler housing: the feature standardisation (one column per model input); null otherwise
 * @param targetScaler  housing: the price standardisation (one column); null otherwise
 * @param settings      the run's settings, or null when the file has none (such a model cannot be resumed)
 */
record SavedTask(Task task, List<String> classNames, double inputScale, Standardizer featureScaler,
                 Standardizer targetScaler, RunSettings settings) {

    /** Reads and checks {@code model}'s metadata; {@code file} names it in errors. */
    static SavedTask of(Model model, Path file) throws ModelFormatException {
        Map<String, Object> meta = model.metadata();
        String where = file + ": metadata ";
        Object taskId = meta.get("task");
        Task task;
        try {
            task = Task.parse(String.valueOf(taskId));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + "'task' must be digits, housing, mnist or images, got " + taskId
                    + " (a model not written by cnn train?)");
        }
        RunSettings settings = null;
        if (meta.get("settings") != null) {
            try {
                settings = RunSettings.fromMap(meta.get("settings"));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(where + e.getMessage());
            }
        }
        int[] out = model.outputShape();
        if (task == Task.HOUSING) {
            int[] in = model.inputShape();
            if (in.length != 1 || in[0] != HousingFeatures.COUNT || out.length != 1 || out[0] != 1) {
                throw new ModelFormatException(file + ": a housing model must map " + HousingFeatures.COUNT
                        + " features to one price");
            }
            Standardizer fx = scaler(meta, "featureScaler", HousingFeatures.COUNT, where);
            Standardizer fy = scaler(meta, "targetScaler", 1, where);
            return new SavedTask(task, List.of(), Double.NaN, fx, fy, settings);
        }
        if (task == Task.TABLE) {
            int[] in = model.inputShape();
            if (in.length != 1 || out.length != 1 || !(meta.get("features") instanceof List<?> f) || f.size() != in[0]) {
                throw new ModelFormatException(file + ": a table model must map its 'features' (a list of " + in[0]
                        + " column names in the metadata) to one output row");
            }
            Standardizer fx = scaler(meta, "featureScaler", in[0], where);
            if (meta.containsKey("targetScaler")) {
                if (out[0] != 1) {
                    throw new ModelFormatException(file + ": a regression table model must have one output");
                }
                return new SavedTask(task, List.of(), Double.NaN, fx, scaler(meta, "targetScaler", 1, where), settings);
            }
        } else if (model.inputShape().length != 3 || out.length != 1) {
            throw new ModelFormatException(file + ": an image model must take (height, width, channels) and output "
                    + "class scores, but it maps " + Arrays.toString(model.inputShape()) + " to "
                    + Arrays.toString(out));
        }
        int classes = out[0] == 1 ? 2 : out[0];
        Object names = meta.get("classNames");
        List<String> classNames = new ArrayList<>();
        if (names instanceof List<?> l && l.size() == classes) {
            for (Object o : l) {
                if (!(o instanceof String s) || s.isEmpty()) {
                    classNames.clear();
                    break;
                }
                classNames.add(s);
            }
        }
        if (classNames.size() != classes) {
            throw new ModelFormatException(where + "'classNames' must be a list of " + classes + " non-empty names (the "
                    + "model has " + out[0] + " output" + (out[0] == 1 ? "" : "s") + "), got " + abbreviate(names));
        }
        Object scale = meta.getOrDefault("inputScale", 1.0 / 255);
        if (!(scale instanceof Number n) || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
            throw new ModelFormatException(where + "'inputScale' must be a positive number, got " + abbreviate(scale));
        }
        Standardizer features = task == Task.TABLE ? scaler(meta, "featureScaler", model.inputShape()[0], where) : null;
        return new SavedTask(task, List.copyOf(classNames), n.doubleValue(), features, null, settings);
    }

    private static Standardizer scaler(Map<String, Object> meta, String key, int columns, String where)
            throws ModelFormatException {
        Standardizer s;
        try {
            s = Standardizer.fromMap(meta.get(key));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + "'" + key + "': " + e.getMessage());
        }
        if (s.columns() != columns) {
            throw new ModelFormatException(where + "'" + key + "' has " + s.columns() + " columns, the model needs "
                    + columns);
        }
        return s;
    }

    private static String abbreviate(Object v) {
        String s = String.valueOf(v);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
