package dev.cnn.app;

import dev.cnn.core.AtomicFile;
import dev.cnn.core.Tensor;
import dev.cnn.core.Threads;
import dev.cnn.core.kernel.Gemm;
import dev.cnn.data.Augmentation;
import dev.cnn.data.TableEncoding;
import dev.cnn.nn.EarlyStopping;
import dev.cnn.nn.Model;
import dev.cnn.nn.TrainOptions;
import dev.cnn.nn.TrainingDivergedException;
import dev.cnn.nn.Transfer;
import dev.cnn.nn.io.NetworkFile;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.optimizers.Optimizer;
import dev.cnn.nn.schedules.CosineDecay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cnn train digits|housing|mnist}: trains a reference task, saves the model and its reports.
 *
 * <p>Every option is checked before anything is loaded or written; the output path is checked (and
 * locked against a second run) before the first epoch. A run that diverges, fails or trains nothing
 * leaves the file at {@code --out} as it was.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model, save it and write metrics.json, train.log and plots beside it.",
            "Tasks: digits (MNIST 2 vs 5, CNN), housing (California house prices, MLP), mnist (ten digits, CNN), "
                    + "images DIR (your folder of class folders, CNN), table FILE.csv --target COLUMN (your CSV, MLP; "
                    + "--classes for classification)."})
final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(TrainCommand.class);
    /** Largest --epochs accepted: far beyond any useful run, far below an overflow. */
    static final int MAX_EPOCHS = 1_000_000;
    static final double DEFAULT_LEARNING_RATE = 0.002;
    /** The learning rate decays along a cosine to this fraction of the initial one over the planned epochs. */
    static final double LEARNING_RATE_FLOOR = 0.05;
    /** mnist's default augmentation: 99.38 % test accuracy without it, 99.50 % with it (seed 1, 6 epochs). */
    static final String MNIST_AUGMENTATION = "2,10";

    @Parameters(index = "0", paramLabel = "TASK", description = "digits, housing, mnist, images (with DIR) or table (with "
            + "FILE.csv and --target)")
    String taskName;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR|FILE", description = "images: a folder with one sub-folder "
            + "of .png/.jpg/.jpeg images per class, all of one size (grayscale or RGB as the first image); table: a CSV "
            + "file with a header row; numeric columns are used as they are, text columns as categories.")
    Path source;

    @Option(names = "--resize", paramLabel = "HxW", description = "images: resize every image to H x W pixels "
            + "(bilinear; area averaging when shrinking by more than 2x), for folders of mixed sizes; saved with the model "
            + "and applied by predict and evaluate.")
    String resize;

    @Option(names = "--missing", paramLabel = "error|drop|mean", description = "table: what an empty cell means: an "
            + "error naming it (the default), leave the row out, or the column's training mean (a category: none of them).")
    String missing;

    @Option(names = "--delimiter", paramLabel = "CHAR", description = "table: the character between cells (default ','; "
            + "'tab' or '\\t' for tab-separated files).")
    String delimiterOption;

    @Option(names = "--target", paramLabel = "COLUMN", description = "table: the column to predict from all the others.")
    String target;

    @Option(names = "--classes", description = "table: the target holds class labels (text or integers, at most "
            + "100 classes) to classify instead of a number to predict (regression).")
    boolean classify;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    /** Wall time of the latest {@link #train}'s training, without loading or saving. */
    private double trainSeconds;

    @Option(names = "--data", paramLabel = "DIR", description = "Datasets directory (default: $CNN_DATA, else ~/.cache/cnn/datasets; MNIST is downloaded there when missing and online).")
    Path data;

    @Option(names = "--epochs", description = "Epochs, 1 to " + MAX_EPOCHS + " (task default: digits 2, housing 100, mnist 6; "
            + "with --resume: the epochs left of the saved plan).")
    Integer epochs;

    @Option(names = "--batch-size", description = "Batch size, at most the training set (task default: digits 32, housing 64, mnist 64).")
    Integer batchSize;

    @Option(names = "--lr", description = "Initial learning rate (default 0.002), decayed to 5%% of it along a cosine over "
            + "the epochs. With --resume it replaces the saved one.")
    Double learningRate;

    @Option(names = "--optimizer", description = "adam, adamw (weight decay 0.004), rmsprop, gd, sgd (momentum 0.9) or "
            + "nesterov (Nesterov momentum 0.9) (default adam).")
    String optimizer;

    @Option(names = "--l2", paramLabel = "LAMBDA", description = "L2 regularisation of the weights: adds LAMBDA·Σ‖W‖² to the "
            + "training loss (default 0: none).")
    Double l2;

    @Option(names = "--clip-norm", paramLabel = "NORM", description = "Scale the gradients down when their global norm "
            + "exceeds NORM (default 0: no clipping).")
    Double clipNorm;

    @Option(names = "--early-stopping", paramLabel = "PATIENCE", description = "Stop when the validation loss has not "
            + "improved for PATIENCE epochs and keep the best epoch's weights (default: train every epoch).")
    Integer patience;

    @Option(names = "--model", paramLabel = "FILE.json", description = "The network to train instead of the task's: "
            + "a list of layers as in a model file's config.json (or that whole config.json), with fresh weights.")
    Path network;

    @Option(names = "--from", paramLabel = "MODEL", description = "Image tasks: fine-tune MODEL.onnx (imported) or "
            + "MODEL.cnn: keep its network up to its last pooling or flatten layer, frozen, and train a new classifier "
            + "for this data's classes on it. Its input must be the images' size (see --resize).")
    Path from;

    @Option(names = "--unfreeze", paramLabel = "N", description = "With --from: train the last N layers with weights "
            + "of MODEL too (default 0: only the new classifier).")
    Integer unfreeze;

    @Option(names = "--augment", paramLabel = "SHIFT,DEGREES", description = "Image tasks: move each training image "
            + "by up to SHIFT pixels and turn it by up to DEGREES, drawn anew every epoch from the seed (default: mnist "
            + "2,10; others off; 0,0 turns it off).")
    String augment;

    @Option(names = "--init", description = "random, xavier or he (default he).")
    String init;

    @Option(names = "--seed", description = "Seed for weights, split and shuffling, 0 to 4294967295 (default 1).")
    Long seed;

    @Option(names = "--val-fraction", description = "Share of the training set held out for validation, in [0, 1) (default 0.1).")
    Double valFraction;

    @Option(names = "--out", paramLabel = "FILE", description = "Model file (default runs/<task>/model.cnn); reports go beside it.")
    Path out;

    @Option(names = "--save-every", paramLabel = "N", description = "Save an atomic checkpoint every N epochs (default: only at the end).",
            defaultValue = "0")
    int saveEvery;

    @Option(names = "--resume", paramLabel = "FILE", description = "Continue training a saved model with its optimizer state; "
            + "its seed, batch size, optimizer, init and validation split are kept.")
    Path resume;

    /** What the run trains and how. */
    private record Plan(Model model, TaskData data, RunSettings settings, int epochs) {
    }

    @Override
    public Integer call() throws Exception {
        Task task = Task.parse(taskName);
        if (task == Task.IMAGES && source == null) {
            throw CommonOptions.usage(spec, "train images needs the image folder: cnn train images DIR");
        }
        if (task == Task.TABLE && (source == null || target == null)) {
            throw CommonOptions.usage(spec, "train table needs the file and the column to predict: cnn train table "
                    + "FILE.csv --target COLUMN [--classes]");
        }
        if (task != Task.IMAGES && task != Task.TABLE && source != null) {
            throw CommonOptions.usage(spec, "train " + task.id + " takes no DIR (its data comes from --data), got " + source);
        }
        if (task != Task.TABLE && (target != null || classify)) {
            throw CommonOptions.usage(spec, "--target and --classes are for train table");
        }
        checkOptions();
        common.applyThreads();
        Path given = out != null ? out : Path.of("runs", task.id, "model.cnn");
        Path modelFile = AtomicFile.checkWritable(given); // symlinks followed; directories and devices refused
        Path dir = given.toAbsolutePath().getParent();
        // one run at a time per output directory (its reports) and per model file
        try (RunLock reports = RunLock.acquire(dir.resolve(".cnn-train.lock"), dir);
             RunLock model = modelFile.getParent().equals(dir) ? null
                     : RunLock.acquire(modelFile.resolveSibling("." + modelFile.getFileName() + ".lock"), modelFile)) {
            // what a run killed in this directory left behind: its temporary files, whose locks are free now
            for (String f : List.of("metrics.json", "loss.png", "misclassified.png", "predicted-vs-actual.png")) {
                AtomicFile.removeStaleTemporaries(dir.resolve(f));
            }
            AtomicFile.removeStaleTemporaries(modelFile);
            Logging.addFile(dir.resolve("train.log"));
            try {
                return run(task, modelFile, dir);
            } catch (Exception | Error e) {
                LOG.error(Logging.FILE_ONLY, "failed: {}", Main.oneLine(e));
                throw e;
            } finally {
                Logging.removeFile();
            }
        }
    }

    /** Rejects, as usage errors, values that cannot train. */
    private void checkOptions() {
        if (epochs != null && (epochs < 1 || epochs > MAX_EPOCHS)) {
            throw CommonOptions.usage(spec, "--epochs must be from 1 to " + MAX_EPOCHS + ", got " + epochs);
        }
        if (batchSize != null && batchSize < 1) {
            throw CommonOptions.usage(spec, "--batch-size must be >= 1, got " + batchSize);
        }
        if (learningRate != null && !(learningRate > 0 && Double.isFinite(learningRate))) {
            throw CommonOptions.usage(spec, "--lr must be a positive finite number, got " + learningRate);
        }
        if (valFraction != null && !(valFraction >= 0 && valFraction < 1)) {
            throw CommonOptions.usage(spec, "--val-fraction must be in [0, 1), got " + valFraction);
        }
        if (seed != null && (seed < 0 || seed > 0xFFFFFFFFL)) {
            throw CommonOptions.usage(spec, "--seed must be from 0 to 4294967295, got " + seed);
        }
        if (saveEvery < 0) {
            throw CommonOptions.usage(spec, "--save-every must be >= 0 epochs, got " + saveEvery);
        }
        if (optimizer != null) {
            optimizerName(optimizer);
        }
        if (l2 != null && !(l2 >= 0 && Double.isFinite(l2))) {
            throw CommonOptions.usage(spec, "--l2 must be a finite number >= 0, got " + l2);
        }
        if (clipNorm != null && !(clipNorm >= 0 && Double.isFinite(clipNorm))) {
            throw CommonOptions.usage(spec, "--clip-norm must be a finite number >= 0, got " + clipNorm);
        }
        if (augment != null) {
            augmentation(augment);
        }
        if (missing != null) {
            try {
                TableEncoding.Missing.parse(missing);
            } catch (IllegalArgumentException e) {
                throw CommonOptions.usage(spec, "--missing: " + e.getMessage());
            }
        }
        if (delimiterOption != null) {
            delimiter();
        }
        if (resize != null) {
            resizeTo();
            if (!"images".equalsIgnoreCase(taskName)) {
                throw CommonOptions.usage(spec, "--resize is for train images");
            }
        }
        if ((missing != null || delimiterOption != null) && !"table".equalsIgnoreCase(taskName)) {
            throw CommonOptions.usage(spec, "--missing and --delimiter are for train table");
        }
        if (network != null && resume != null) {
            throw CommonOptions.usage(spec, "--model starts a new network; --resume continues a saved one: use one of them");
        }
        if (from != null && (network != null || resume != null)) {
            throw CommonOptions.usage(spec, "--from starts from a saved network's features; --model and --resume "
                    + "cannot be given with it");
        }
        if (from != null && !(Task.parse(taskName) == Task.IMAGES || Task.parse(taskName) == Task.DIGITS
                || Task.parse(taskName) == Task.MNIST)) {
            throw CommonOptions.usage(spec, "--from is for the image tasks (images, digits, mnist), not " + taskName);
        }
        if (unfreeze != null && (from == null || unfreeze < 0)) {
            throw CommonOptions.usage(spec, from == null ? "--unfreeze is for --from" : "--unfreeze must be >= 0 layers, got "
                    + unfreeze);
        }
        if (patience != null && patience < 0) {
            throw CommonOptions.usage(spec, "--early-stopping must be >= 0 epochs, got " + patience);
        }
        if (patience != null && valFraction != null && valFraction == 0) {
            throw CommonOptions.usage(spec, "--early-stopping watches the validation loss: it needs --val-fraction > 0");
        }
        if (init != null) {
            initFor(init);
        }
    }

    private int run(Task task, Path modelFile, Path dir) throws Exception {
        Path root = task == Task.IMAGES || task == Task.TABLE ? source : CommonOptions.dataRoot(data);
        Plan plan = resume != null ? resumed(task, root) : fresh(task, root);
        Model model = plan.model();
        TaskData d = plan.data();
        if (plan.settings().batchSize() > d.train.size()) {
            throw CommonOptions.usage(spec, "--batch-size " + plan.settings().batchSize() + " is larger than the "
                    + d.train.size() + " training samples");
        }
        String held = d.validation == d.test ? d.test.size() + " validation samples (also what the model is scored on)"
                : (d.validation == null ? 0 : d.validation.size()) + " validation, " + d.test.size() + " test samples";
        LOG.info("{}: {} training, {}; {} parameters; {} threads, {} kernels", task.id, d.train.size(), held,
                model.parameterCount(), Threads.count(), Gemm.backendName());
        if (!common.quiet && !common.json) {
            System.out.print(model.summary());
        }
        long stepsBefore = model.optimizer().steps();
        boolean existed = Files.exists(modelFile);
        Outcome outcome = train(plan, modelFile);
        double seconds = trainSeconds;
        if (outcome == Outcome.INTERRUPTED) {
            return 130;
        }
        if (outcome == Outcome.DIVERGED) {
            return 1; // the message is printed by train
        }
        if (model.optimizer().steps() == stepsBefore) {
            throw new IllegalStateException("no batch was trained; " + modelFile + " was left as it was");
        }
        int trained = model.history().epochs();
        LOG.info("trained {} epoch{} in {} s; model saved to {}{}", trained, trained == 1 ? "" : "s",
                String.format("%.1f", seconds),
                modelFile, existed ? " (replacing the previous file)" : "");
        report(task, plan, modelFile, dir, seconds);
        return 0;
    }

    /** --resize HxW as {height, width}, or null without it. */
    private int[] resizeTo() {
        if (resize == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,5})[xX](\\d{1,5})").matcher(resize.trim());
        if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(2)) < 1
                || (long) Integer.parseInt(m.group(1)) * Integer.parseInt(m.group(2)) > 4096L * 4096) {
            throw CommonOptions.usage(spec, "--resize must be HEIGHTxWIDTH in pixels, e.g. 64x64 (at most 4096x4096), "
                    + "got '" + resize + "'");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** The --delimiter character: ',' by default; 'tab' or '\t' for a tab. */
    private char delimiter() {
        if (delimiterOption == null) {
            return ',';
        }
        String d = delimiterOption.equalsIgnoreCase("tab") || delimiterOption.equals("\\t") ? "\t" : delimiterOption;
        if (d.length() != 1 || d.charAt(0) == '"' || d.charAt(0) == '\n' || d.charAt(0) == '\r') {
            throw CommonOptions.usage(spec, "--delimiter must be one character other than a quote or a line break (or "
                    + "'tab'), got '" + delimiterOption + "'");
        }
        return d.charAt(0);
    }

    /** A new model from the options (or the task's defaults). */
    private Plan fresh(Task task, Path root) throws IOException {
        int epochCount = epochs != null ? epochs : task.epochs;
        long s = seed != null ? seed : 1;
        double val = valFraction != null ? valFraction : 0.1;
        double lr = learningRate != null ? learningRate : DEFAULT_LEARNING_RATE;
        Optimizer opt = Optimizer.named(optimizer != null ? optimizer : "adam", lr);
        Init weights = init != null ? initFor(init) : Init.HE;
        TaskData d = task == Task.TABLE ? TaskData.table(root, target, classify, val, s, delimiter(),
                missing != null ? TableEncoding.Missing.parse(missing) : TableEncoding.Missing.ERROR)
                : task == Task.IMAGES ? TaskData.folder(root, val, s, resizeTo())
                : TaskData.forTraining(task, root, val, s, !common.quiet);
        int classes = d.metadata.get("classNames") instanceof List<?> names ? names.size() : 0;
        Model model = from != null ? fineTune(d, opt, s)
                : network != null ? NetworkFile.read(network, d.train.sampleShape(), weights, s).optimizer(opt).build()
                : task.build(weights, opt, s, d.train.sampleShape(), classes);
        if (!java.util.Arrays.equals(model.outputShape(), d.train.targetShape())) {
            throw CommonOptions.usage(spec, (network != null ? network + ": the network" : "the network") + " outputs "
                    + Tensor.shapeText(model.outputShape()) + " per sample but " + task.id + " needs "
                    + Tensor.shapeText(d.train.targetShape()));
        }
        if (augment != null && (task == Task.HOUSING || task == Task.TABLE)) {
            throw CommonOptions.usage(spec, "--augment is for the image tasks, not " + task.id);
        }
        String aug = augment != null ? augment : task == Task.MNIST ? MNIST_AUGMENTATION : null;
        if (aug != null && (augmentation(aug).maxShift() > 0 || augmentation(aug).maxDegrees() > 0)) {
            model.metadata().put("augment", aug);
        }
        model.setL2(l2 != null ? l2 : 0);
        model.setClipGlobalNorm(clipNorm != null ? clipNorm : 0);
        model.metadata().putAll(d.metadata);
        if (d.train.size() == 0) {
            throw new dev.cnn.data.DataException("no training samples left after holding out the validation split ("
                    + d.validation.size() + " samples, --val-fraction " + val + "); give more data or a smaller "
                    + "--val-fraction");
        }
        int batch = batchSize != null ? batchSize : task.batchSize;
        if (batchSize == null && batch > d.train.size()) {
            // the default is for the reference data sets; a smaller folder or table trains in whole-set batches
            LOG.info("{} training samples, fewer than the default batch size {}: training in batches of {}",
                    d.train.size(), batch, d.train.size());
            batch = d.train.size();
        }
        RunSettings settings = new RunSettings(epochCount, batch, lr, opt.type(), weights.name(), s, val);
        model.metadata().put("settings", settings.toMap());
        return new Plan(model, d, settings, epochCount);
    }

    /**
     * {@code --from}: the base model's features, frozen but for the last {@code --unfreeze} layers with weights,
     * under a new classifier for {@code d}'s classes (one sigmoid output for two, else a softmax).
     */
    private Model fineTune(TaskData d, Optimizer opt, long s) throws IOException {
        String file = from.getFileName().toString();
        Model base = file.endsWith(".onnx") ? Model.importOnnx(from) : Model.load(from);
        if (!java.util.Arrays.equals(base.inputShape(), d.train.sampleShape())) {
            throw CommonOptions.usage(spec, from + " takes " + Tensor.shapeText(base.inputShape()) + " inputs but the "
                    + "images are " + Tensor.shapeText(d.train.sampleShape()) + (base.inputShape().length == 3
                    ? "; --resize " + base.inputShape()[0] + "x" + base.inputShape()[1] + " resizes them" : ""));
        }
        Object baseScale = base.metadata().get("inputScale");
        if (baseScale instanceof Number b0 && d.metadata.get("inputScale") instanceof Number d0
                && b0.doubleValue() != d0.doubleValue()) {
            LOG.warn("{} was trained on pixels scaled by {}; these images are scaled by {}", from, b0, d0);
        }
        String end = Transfer.featureEnd(base);
        Model.Builder b = Transfer.features(base, end).seed(s).optimizer(opt);
        int outputs = d.train.targetShape()[0];
        String fc = fresh(base, "classifier");
        b.add(fc, new FullyConnected(outputs, Init.XAVIER));
        b.add(fresh(base, outputs == 1 ? "sigmoid" : "softmax"), outputs == 1 ? Activation.sigmoid() : Activation.softmax());
        Model model = b.build();
        List<String> withWeights = model.layerNames().stream()
                .filter(n -> !n.equals(fc) && !model.layer(n).parameters().isEmpty()).toList();
        int n = unfreeze != null ? unfreeze : 0;
        if (n > withWeights.size()) {
            throw CommonOptions.usage(spec, "--unfreeze " + n + ": " + from + " has " + withWeights.size()
                    + " layers with weights up to '" + end + "'");
        }
        List<String> trained = withWeights.subList(withWeights.size() - n, withWeights.size());
        trained.forEach(name -> model.setTrainable(name, true));
        LOG.info("fine-tuning {}: its {} layers up to '{}' ({} frozen), a new classifier '{}' of {} output{}{}",
                from, model.layerNames().size() - 2, end, withWeights.size() - n, fc, outputs, outputs == 1 ? "" : "s",
                n == 0 ? "" : "; training " + trained + " too");
        model.metadata().put("fineTunedFrom", file);
        return model;
    }

    /** {@code name}, or {@code name_2}, {@code name_3}... when {@code base} already has a layer of that name. */
    private static String fresh(Model base, String name) {
        String n = name;
        for (int i = 2; base.layerNames().contains(n); i++) {
            n = name + "_" + i;
        }
        return n;
    }

    /**
     * A saved model continued with its own settings. Options that would change how it continues (seed,
     * batch size, optimizer, init, validation split) must be left out or repeat the saved value; {@code --lr}
     * replaces the saved rate and {@code --epochs} the epochs left.
     */
    private Plan resumed(Task task, Path root) throws IOException {
        Model model = Model.load(resume);
        SavedTask saved = SavedTask.of(model, resume);
        if (saved.task() != task) {
            throw CommonOptions.usage(spec, resume + " is a '" + saved.task().id + "' model, not '" + task.id + "'");
        }
        RunSettings s = saved.settings();
        if (s == null) {
            throw new IllegalArgumentException(resume + " has no 'settings' in its metadata, so it cannot be resumed");
        }
        keep("--seed", seed, s.seed());
        keep("--batch-size", batchSize, s.batchSize());
        keep("--optimizer", optimizer, optimizer == null ? null : optimizerName(optimizer), s.optimizer());
        keep("--init", init, init == null ? null : initFor(init).name(), s.init());
        keep("--val-fraction", valFraction, s.valFraction());
        keep("--l2", l2, model.l2());
        keep("--augment", augment, model.metadata().get("augment"));
        if (resize != null && !java.util.Arrays.equals(resizeTo(), TaskData.resize(model.metadata()))) {
            throw CommonOptions.usage(spec, "--resize " + resize + " differs from the " + resume + " was trained with ("
                    + model.metadata().getOrDefault("resize", "none") + "); leave it out to continue");
        }
        keep("--clip-norm", clipNorm, model.clipGlobalNorm());
        if (learningRate != null && learningRate != s.learningRate()) {
            LOG.info("learning rate {} from --lr replaces the saved {}", learningRate, s.learningRate());
            s = new RunSettings(s.epochs(), s.batchSize(), learningRate, s.optimizer(), s.init(), s.seed(), s.valFraction());
            model.metadata().put("settings", s.toMap());
        }
        int left = (int) Math.max(0, (long) s.epochs() - model.epochsDone());
        int epochCount = epochs != null ? epochs : left;
        if (epochCount == 0) {
            throw CommonOptions.usage(spec, resume + " has already trained the " + s.epochs() + " epochs it planned; "
                    + "pass --epochs N to train N more");
        }
        if ((long) model.epochsDone() + epochCount > Integer.MAX_VALUE) {
            throw CommonOptions.usage(spec, "--epochs " + epochCount + " on top of the " + model.epochsDone()
                    + " epochs done is too many");
        }
        TaskData d = TaskData.again(task, root, model.metadata(), s.valFraction(), s.seed(), !common.quiet);
        LOG.info("resuming {} at epoch {} (batch {}) for {} more epochs", resume, model.epochsDone() + 1,
                model.batchesDoneInEpoch(), epochCount);
        return new Plan(model, d, s, epochCount);
    }

    private void keep(String option, Object given, Object saved) {
        keep(option, given, given, saved);
    }

    /** Fails unless {@code value} (the option as typed: {@code given}) is absent or equals the saved one. */
    private void keep(String option, Object given, Object value, Object saved) {
        if (value != null && !Objects.equals(value, saved)
                && !(value instanceof Number g && saved instanceof Number v && g.doubleValue() == v.doubleValue())) {
            throw CommonOptions.usage(spec, option + " " + given + " differs from the resumed model's " + saved + "; a "
                    + "resumed run keeps its seed, batch size, optimizer, init and validation split so that it continues "
                    + "exactly (leave the option out)");
        }
    }

    private String optimizerName(String name) {
        try {
            return Optimizer.named(name, 1).type();
        } catch (IllegalArgumentException e) {
            throw CommonOptions.usage(spec, "--optimizer must be adam, adamw, rmsprop, gd, sgd or nesterov, got " + name);
        }
    }

    /** {@code SHIFT,DEGREES} as an augmentation with zero fill. */
    private Augmentation augmentation(String value) {
        String[] parts = value.split(",");
        try {
            if (parts.length != 2) {
                throw new IllegalArgumentException("two values");
            }
            return new Augmentation(Integer.parseInt(parts[0].trim()), Double.parseDouble(parts[1].trim()),
                    Augmentation.Fill.ZERO);
        } catch (IllegalArgumentException e) {
            throw CommonOptions.usage(spec, "--augment must be SHIFT,DEGREES with SHIFT >= 0 pixels and DEGREES in "
                    + "[0, 180], e.g. 2,10; got " + value);
        }
    }

    private Init initFor(String name) {
        try {
            return Init.parse(name);
        } catch (IllegalArgumentException e) {
            throw CommonOptions.usage(spec, "--init must be random, xavier or he, got " + name);
        }
    }

    private enum Outcome { TRAINED, INTERRUPTED, DIVERGED }

    /**
     * Trains, with Ctrl-C stopping after the current batch, and saves the model at the end. A diverged
     * run saves nothing: the file keeps the last checkpoint of this run, or what was there before.
     */
    private Outcome train(Plan plan, Path modelFile) throws IOException {
        Model model = plan.model();
        RunSettings s = plan.settings();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean interruptedByUser = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            interruptedByUser.set(true);
            model.requestStop();
            try {
                finished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cnn-interrupt");
        boolean tty = System.console() != null;
        TrainOptions opts = TrainOptions.defaults().withEpochs(plan.epochs()).withBatchSize(s.batchSize())
                .withShuffle(true, s.seed()).withValidation(plan.data().validation).withVerbose(true)
                .withCheckpoint(modelFile, saveEvery)
                .withSchedule(new CosineDecay(s.learningRate(), s.epochs(), LEARNING_RATE_FLOOR))
                .withListener(new ConsoleProgress(System.err, model.epochsDone() + plan.epochs(), common.quiet
                        ? ConsoleProgress.Mode.OFF : tty ? ConsoleProgress.Mode.BAR : ConsoleProgress.Mode.LINES));
        if (patience != null && plan.data().validation != null) {
            opts = opts.withEarlyStopping(EarlyStopping.onValidationLoss(patience));
        }
        int checkpointsBefore = model.epochsDone();
        boolean hookRemoved = false;
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            long start = System.nanoTime();
            try {
                Object aug = model.metadata().get("augment");
                model.train(aug == null ? plan.data().train : augmentation(aug.toString()).apply(plan.data().train,
                        s.seed()), opts);
            } finally {
                trainSeconds = (System.nanoTime() - start) / 1e9; // training only, as the README reports it
            }
            if (!interruptedByUser.get()) {
                model.save(modelFile);
            }
            // the library saved a checkpoint when the stop request ended training
        } catch (TrainingDivergedException e) {
            int lastCheckpoint = saveEvery > 0 ? model.epochsDone() - model.epochsDone() % saveEvery : -1;
            String kept = lastCheckpoint > checkpointsBefore
                    ? modelFile + " holds this run's checkpoint after epoch " + lastCheckpoint
                    : Files.exists(modelFile) ? modelFile + " was left as it was before this run"
                    : "no model was saved";
            System.err.println("cnn: error: " + e.getMessage() + "; " + kept);
            LOG.error(Logging.FILE_ONLY, "{}; {}", e.getMessage(), kept);
            return Outcome.DIVERGED;
        } finally {
            try {
                if (interruptedByUser.get()) {
                    // the JVM is shutting down: say it on stderr directly (before releasing the hook, which lets
                    // the JVM halt), logging may already be stopped
                    boolean midEpoch = model.batchesDoneInEpoch() > 0;
                    System.err.printf("%ncnn: interrupted %s; model saved to %s; continue with --resume %s%n",
                            midEpoch ? "during epoch " + (model.epochsDone() + 1) : "after epoch " + model.epochsDone(),
                            modelFile, modelFile);
                    System.err.flush();
                }
            } finally {
                finished.countDown();
                try {
                    hookRemoved = Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    hookRemoved = false;
                }
            }
        }
        return interruptedByUser.get() || !hookRemoved ? Outcome.INTERRUPTED : Outcome.TRAINED;
    }

    /** metrics.json, the plots and the result line. */
    private void report(Task task, Plan plan, Path modelFile, Path dir, double seconds) throws IOException {
        Model model = plan.model();
        TaskData d = plan.data();
        Metrics.Result result = Metrics.test(model, d);
        Map<String, Object> settings = new LinkedHashMap<>(plan.settings().toMap());
        settings.put("trainSeconds", seconds);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("task", task.id);
        report.put("model", modelFile.toString());
        report.put("test", result.metrics());
        report.put("history", Reports.historyMap(model.history()));
        report.put("seed", plan.settings().seed());
        report.put("settings", settings);
        report.put("trainSeconds", seconds);
        report.put("threads", Threads.count());
        report.put("kernels", Gemm.backendName());
        report.put("parameters", model.parameterCount());
        report.put("finished", Instant.now().toString());
        Reports.writeJson(dir.resolve("metrics.json"), report);
        Reports.lossCurve(dir.resolve("loss.png"), model.history(), task.id + ": loss per epoch");
        if (task == Task.HOUSING) {
            Reports.scatter(dir.resolve("predicted-vs-actual.png"), result.predicted(), result.targets(),
                    "housing: test predictions (RMSE $" + String.format("%,.0f", (Double) result.metrics().get("rmse")) + ")",
                    "price ($)", "houses");
        } else if (d.targetScaler != null) {
            Reports.scatter(dir.resolve("predicted-vs-actual.png"), result.predicted(), result.targets(),
                    task.id + ": validation predictions of " + d.metadata.get("target") + " (RMSE "
                            + String.format("%.4g", (Double) result.metrics().get("rmse")) + ")",
                    String.valueOf(d.metadata.get("target")), "rows");
        } else if (d.testImages != null) {
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
            System.out.println(Json.LINE.toJson(report));
        } else {
            System.out.println(task.id + ": " + Metrics.describe(task, result.metrics()));
            System.out.printf("training took %.1f s; model, metrics.json and plots in %s%n", seconds, dir);
        }
    }
}
