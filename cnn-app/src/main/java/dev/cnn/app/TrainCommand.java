package dev.cnn.app;

import dev.cnn.core.Gemm;
import dev.cnn.core.Parallel;
import dev.cnn.nn.Adam;
import dev.cnn.nn.GradientDescent;
import dev.cnn.nn.Init;
import dev.cnn.nn.Model;
import dev.cnn.nn.Optimizer;
import dev.cnn.nn.TrainOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cnn train digits|housing|mnist}: trains a reference task, saves the model and its reports. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a reference task, save the model and write metrics.json and plots beside it.",
            "Tasks: digits (MNIST 2 vs 5, CNN), housing (California house prices, MLP), mnist (ten digits, CNN)."})
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TASK", description = "digits, housing or mnist")
    String taskName;

    @Mixin
    CommonOptions common;

    @Option(names = "--data", paramLabel = "DIR", description = "Datasets directory (default: $CNN_DATA, else ~/.cache/cnn/datasets; MNIST is downloaded there when missing and online).")
    Path data;

    @Option(names = "--epochs", description = "Epochs (task default: digits 3, housing 60, mnist 6).")
    Integer epochs;

    @Option(names = "--batch-size", description = "Batch size (task default: digits 32, housing 64, mnist 64).")
    Integer batchSize;

    @Option(names = "--lr", description = "Initial learning rate (default 0.002), decayed to 5% of it along a cosine over the epochs.")
    Double learningRate;

    @Option(names = "--optimizer", description = "gd or adam (default adam).", defaultValue = "adam")
    String optimizer;

    @Option(names = "--init", description = "random, xavier or he (default he).", defaultValue = "he")
    String init;

    @Option(names = "--seed", description = "Seed for weights, split and shuffling (default ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Option(names = "--val-fraction", description = "Share of the training set held out for validation (default ${DEFAULT-VALUE}).",
            defaultValue = "0.1")
    double valFraction;

    @Option(names = "--out", paramLabel = "FILE", description = "Model file (default runs/<task>/model.cnn); reports go beside it.")
    Path out;

    @Option(names = "--save-every", paramLabel = "N", description = "Save an atomic checkpoint every N epochs (default: only at the end).",
            defaultValue = "0")
    int saveEvery;

    @Option(names = "--resume", paramLabel = "FILE", description = "Continue training a saved model with its optimizer state.")
    Path resume;

    @Override
    public Integer call() throws Exception {
        Logger log = LogManager.getLogger(TrainCommand.class);
        Task task = Task.parse(taskName);
        common.applyThreads();
        if (valFraction < 0 || valFraction >= 1) {
            throw new IllegalArgumentException("--val-fraction must be in [0, 1), got " + valFraction);
        }
        Path modelFile = (out != null ? out : Path.of("runs", task.id, "model.cnn")).toAbsolutePath();
        Path dir = modelFile.getParent();
        Files.createDirectories(dir);
        Logging.addFile(dir.resolve("train.log"));
        Path root = CommonOptions.dataRoot(data);

        Model model;
        TaskData d;
        int epochCount;
        int batch;
        long shuffleSeed;
        Map<String, Object> settings;
        if (resume != null) {
            model = Model.load(resume);
            Object savedTask = model.metadata().get("task");
            if (!task.id.equals(savedTask)) {
                throw new IllegalArgumentException(resume + " is a '" + savedTask + "' model, not '" + task.id + "'");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> saved = (Map<String, Object>) model.metadata().get("settings");
            settings = new LinkedHashMap<>(saved);
            double savedVal = ((Number) saved.get("valFraction")).doubleValue();
            shuffleSeed = ((Number) saved.get("seed")).longValue();
            batch = ((Number) saved.get("batchSize")).intValue();
            int planned = ((Number) saved.get("epochs")).intValue();
            epochCount = epochs != null ? epochs
                    : Math.max(0, planned - model.epochsDone());
            d = TaskData.forTraining(task, root, savedVal, shuffleSeed, !common.quiet);
            log.info("resuming {} at epoch {} (batch {}) for {} more epochs", resume, model.epochsDone() + 1,
                    model.batchesDoneInEpoch(), epochCount);
        } else {
            epochCount = epochs != null ? epochs : task.epochs;
            batch = batchSize != null ? batchSize : task.batchSize;
            shuffleSeed = seed;
            double lr = learningRate != null ? learningRate : task.learningRate;
            d = TaskData.forTraining(task, root, valFraction, seed, !common.quiet);
            Optimizer opt = switch (optimizer.toLowerCase(Locale.ROOT)) {
                case "adam" -> new Adam(lr);
                case "gd" -> new GradientDescent(lr);
                default -> throw new IllegalArgumentException("--optimizer must be gd or adam, got " + optimizer);
            };
            Init weights = switch (init.toLowerCase(Locale.ROOT)) {
                case "random" -> Init.RANDOM;
                case "xavier" -> Init.XAVIER;
                case "he" -> Init.HE;
                default -> throw new IllegalArgumentException("--init must be random, xavier or he, got " + init);
            };
            model = task.build(weights, opt, seed, d.train.sampleShape()[0]);
            model.metadata().putAll(d.metadata);
            settings = new LinkedHashMap<>();
            settings.put("epochs", epochCount);
            settings.put("batchSize", batch);
            settings.put("learningRate", lr);
            settings.put("optimizer", opt.type());
            settings.put("init", weights.name());
            settings.put("seed", seed);
            settings.put("valFraction", valFraction);
            model.metadata().put("settings", settings);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batch);
        }
        log.info("{}: {} training, {} validation, {} test samples; {} parameters; {} threads, {} kernels", task.id,
                d.train.size(), d.validation == null ? 0 : d.validation.size(), d.test.size(), model.parameterCount(),
                Parallel.threads(), Gemm.backendName());
        if (!common.quiet && !common.json) {
            System.out.print(model.summary());
        }

        Model training = model;
        int plannedEpochs = ((Number) settings.get("epochs")).intValue();
        double baseLr = ((Number) settings.get("learningRate")).doubleValue();
        CountDownLatch saved = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean interruptedByUser = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hook = new Thread(() -> {
            interruptedByUser.set(true);
            training.requestStop();
            try {
                saved.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cnn-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        long start = System.nanoTime();
        boolean tty = System.console() != null;
        TrainOptions opts = TrainOptions.defaults().withEpochs(epochCount).withBatchSize(batch)
                .withShuffle(true, shuffleSeed).withValidation(d.validation).withVerbose(true)
                .withCheckpoint(modelFile, saveEvery)
                .withListener(new ConsoleProgress(System.err, model.epochsDone() + epochCount, tty && !common.quiet) {
                    @Override
                    public void onEpochStart(int epoch, int batches) {
                        super.onEpochStart(epoch, batches);
                        // cosine decay from the base rate to 5% of it over the planned epochs
                        double t = Math.min(1.0, epoch / (double) Math.max(1, plannedEpochs - 1));
                        training.optimizer().setLearningRate(baseLr * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t))));
                    }
                });
        try {
            model.train(d.train, opts);
        } finally {
            double seconds = (System.nanoTime() - start) / 1e9;
            boolean interrupted = model.batchesDoneInEpoch() > 0;
            try {
                model.save(modelFile);
            } finally {
                saved.countDown();
            }
            if (interruptedByUser.get()) {
                // the JVM is shutting down: say it on stderr directly, logging may already be stopped
                System.err.printf("%ncnn: interrupted %s; model saved to %s; continue with --resume %s%n",
                        interrupted ? "during epoch " + (model.epochsDone() + 1) : "after epoch " + model.epochsDone(),
                        modelFile, modelFile);
                System.err.flush();
            }
            settings.put("trainSeconds", seconds);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return 130;
        }
        double seconds = ((Number) settings.get("trainSeconds")).doubleValue();
        log.info("trained {} epochs in {} s; model saved to {}", model.history().epochs(), String.format("%.1f", seconds),
                modelFile);

        Metrics.Result result = Metrics.test(model, d);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("task", task.id);
        report.put("model", modelFile.toString());
        report.put("test", result.metrics());
        report.put("history", Reports.historyMap(model.history()));
        report.put("seed", shuffleSeed);
        report.put("settings", settings);
        report.put("trainSeconds", seconds);
        report.put("threads", Parallel.threads());
        report.put("kernels", Gemm.backendName());
        report.put("parameters", model.parameterCount());
        report.put("finished", Instant.now().toString());
        Reports.writeJson(dir.resolve("metrics.json"), report);
        Reports.lossCurve(dir.resolve("loss.png"), model.history(), task.id + ": loss per epoch");
        if (task == Task.HOUSING) {
            Reports.scatter(dir.resolve("predicted-vs-actual.png"), result.predicted(), result.targets(),
                    "housing: test predictions (RMSE $" + String.format("%,.0f", (Double) result.metrics().get("rmse")) + ")");
        } else {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) d.metadata.get("classNames");
            List<String> captions = new ArrayList<>();
            for (int i : result.wrong()) {
                captions.add("pred " + names.get((int) result.predicted()[i]) + String.format(" (%.2f)",
                        result.confidence()[i]) + "\ntrue " + names.get((int) result.targets()[i]));
            }
            Reports.misclassifiedGrid(dir.resolve("misclassified.png"), d.testImages, d.testIndices, result.wrong(),
                    captions);
        }
        if (common.json) {
            System.out.println(new com.google.gson.Gson().toJson(report));
        } else {
            System.out.println(task.id + ": " + Metrics.describe(task, result.metrics()));
            System.out.printf("training took %.1f s; model, metrics.json and plots in %s%n", seconds, dir);
        }
        return 0;
    }
}
