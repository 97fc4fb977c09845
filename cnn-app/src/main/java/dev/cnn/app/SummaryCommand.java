package dev.cnn.app;

import dev.cnn.nn.Model;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cnn summary MODEL}: layers, shapes, parameter counts, history and metadata. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Show a saved model: layers, output shapes, parameter counts, training history and metadata.")
final class SummaryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL")
    Path modelFile;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        Model m = Model.load(modelFile);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("epochsDone", m.epochsDone());
        info.put("optimizerSteps", m.optimizer().steps());
        info.put("history", Reports.historyMap(m.history()));
        info.put("metadata", m.metadata());
        if (common.json) {
            info.put("summary", m.summary());
            System.out.println(Json.LINE.toJson(info));
            return 0;
        }
        System.out.print(m.summary());
        System.out.printf("epochs trained: %d (optimizer steps: %d)%n", m.epochsDone(), m.optimizer().steps());
        for (int e = 0; e < m.history().epochs(); e++) {
            System.out.printf("  epoch %3d  train loss %.6f  validation loss %.6f  validation %s %.6f%n", e + 1,
                    m.history().trainLoss().get(e), m.history().validationLoss().get(e),
                    m.loss().isClassification() ? "accuracy" : "rmse (scaled)", m.history().validationMetric().get(e));
        }
        System.out.println("metadata:");
        System.out.println(Json.PRETTY.toJson(m.metadata()));
        return 0;
    }
}
