package dev.cnn.app;

import com.google.gson.Gson;
import dev.cnn.nn.Model;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cnn evaluate MODEL --data DIR}: the test metrics of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score a saved model on its task's test set: accuracy, precision/recall and confusion matrix, or RMSE and MAE in dollars.")
final class EvaluateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by cnn train.")
    Path modelFile;

    @Option(names = "--data", paramLabel = "DIR", description = "Datasets directory (default: $CNN_DATA, else ~/.cache/cnn/datasets).")
    Path data;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.applyThreads();
        Model model = Model.load(modelFile);
        Task task = SavedTask.of(model, modelFile).task();
        TaskData d;
        if (task == Task.IMAGES || task == Task.TABLE) { // scored on the validation split it was trained beside
            SavedTask saved = SavedTask.of(model, modelFile);
            Path folder = data != null ? data : Path.of(String.valueOf(model.metadata().get("source")));
            if (saved.settings() == null) {
                throw new IllegalArgumentException(modelFile + " has no 'settings' in its metadata, so its validation "
                        + "split cannot be drawn again");
            }
            d = task == Task.TABLE ? TaskData.table(folder, String.valueOf(model.metadata().get("target")),
                    model.metadata().containsKey("classNames"), saved.settings().valFraction(), saved.settings().seed())
                    : TaskData.forTraining(task, folder, saved.settings().valFraction(), saved.settings().seed(), false);
        } else {
            d = TaskData.forEvaluation(task, CommonOptions.dataRoot(data), model.metadata());
        }
        Metrics.Result r = Metrics.test(model, d);
        if (common.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("task", task.id);
            out.put("model", modelFile.toString());
            out.put("test", r.metrics());
            System.out.println(new Gson().toJson(out));
        } else {
            System.out.println(task.id + ": " + Metrics.describe(task, r.metrics()));
        }
        return 0;
    }
}
