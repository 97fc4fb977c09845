package dev.cnn.app;

import dev.cnn.nn.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cnn evaluate MODEL [DATA]}: the metrics of a saved model, on its task's test set, on the validation
 * split of the data it was trained on, or on every sample of new data.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Score a saved model: accuracy, precision/recall and confusion matrix for a classifier, RMSE and "
                + "MAE (in the target's units: dollars for housing) for a regression.",
                "Without DATA: digits, mnist and housing models on their test set (from --data), images and table models "
                        + "on the validation split of the folder or file they were trained on. With DATA (a folder of "
                        + "class folders for an image model, a CSV file for a table or housing model): every sample in it."})
final class EvaluateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by cnn train.")
    Path modelFile;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DATA",
            description = "New data to score every sample of: DIR/<class>/*.png|jpg for an image model, FILE.csv (the "
                    + "training columns and the target, by name) for a table or housing model.")
    Path newData;

    @Option(names = "--data", paramLabel = "DIR",
            description = "digits, mnist, housing: the datasets directory (default: $CNN_DATA, else ~/.cache/cnn/datasets). "
                    + "images, table: the data to score, as DATA.")
    Path data;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        common.applyThreads();
        Model model = Model.load(modelFile);
        SavedTask saved = SavedTask.of(model, modelFile);
        Task task = saved.task();
        TaskData d = load(model, saved, task);
        Metrics.Result r = Metrics.test(model, d);
        if (common.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("task", task.id);
            out.put("model", modelFile.toString());
            out.put("test", r.metrics());
            System.out.println(Json.LINE.toJson(out));
        } else {
            System.out.println(task.id + ": " + Metrics.describe(task, r.metrics()));
        }
        return 0;
    }

    private TaskData load(Model model, SavedTask saved, Task task) throws IOException {
        boolean user = task == Task.IMAGES || task == Task.TABLE;
        if (newData != null && data != null && user) {
            throw CommonOptions.usage(spec, "give the data to score once: as DATA or as --data, not both");
        }
        Path given = newData != null ? newData : user ? data : null;
        if (user) {
            Object source = model.metadata().get("source");
            Path trainedOn = source instanceof String s ? Path.of(s) : null;
            if (given == null || trainedOn != null && sameFile(given, trainedOn)) {
                // the data it was trained on: only its validation split is unseen
                if (trainedOn == null) {
                    throw new IllegalArgumentException(modelFile + " does not say what it was trained on; give the data "
                            + "to score: cnn evaluate " + modelFile + " DATA");
                }
                if (!Files.exists(trainedOn)) {
                    throw new NoSuchFileException(trainedOn.toString(), null, "the data " + modelFile + " was trained on "
                            + "is gone; give the data to score: cnn evaluate " + modelFile + " DATA");
                }
                if (saved.settings() == null) {
                    throw new IllegalArgumentException(modelFile + " has no 'settings' in its metadata, so its validation "
                            + "split of " + trainedOn + " cannot be drawn again; give other data to score");
                }
                return TaskData.again(task, trainedOn, model.metadata(), saved.settings().valFraction(),
                        saved.settings().seed(), false);
            }
        }
        if (given == null) {
            return TaskData.forEvaluation(task, CommonOptions.dataRoot(data), model.metadata());
        }
        if (!Files.exists(given)) {
            throw new NoSuchFileException(given.toString(), null, "no such file or directory to score");
        }
        boolean csv = task == Task.TABLE || task == Task.HOUSING;
        if (csv && Files.isDirectory(given)) {
            throw new IllegalArgumentException(given + " is a directory, but a " + task.id + " model is scored on a CSV "
                    + "file (" + (task == Task.HOUSING ? "the California housing columns" : "its training columns")
                    + " and the target, with a header)");
        }
        return switch (task) {
            case TABLE -> TaskData.tableRows(given, saved, model.metadata());
            case HOUSING -> TaskData.housingRows(given, saved);
            case DIGITS, MNIST, IMAGES -> TaskData.imageFolder(given, task, saved, model.inputShape(), model.metadata());
        };
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) ? Files.isSameFile(a, b)
                    : a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        } catch (IOException e) {
            return false;
        }
    }
}
