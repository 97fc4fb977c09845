package dev.cnn.app;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import dev.cnn.data.CsvTable;
import dev.cnn.data.DataException;
import dev.cnn.data.ImageFolder;
import dev.cnn.data.ImageSet;
import dev.cnn.data.Mnist;
import dev.cnn.data.MnistDownload;
import dev.cnn.data.Splits;
import dev.cnn.data.Standardizer;
import dev.cnn.data.TableDataset;
import dev.cnn.data.TableEncoding;
import dev.cnn.data.TableInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A task's data: training, validation and test sets, and what a saved model must carry to use raw
 * inputs later (class names, scaling statistics). Images of the test set are kept for reports.
 */
final class TaskData {
    private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(TaskData.class);
    final Task task;
    final Dataset train;
    final Dataset validation;
    final Dataset test;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    /** Image tasks: the test images and, per test sample, its index in {@link #testImages}. */
    ImageSet testImages;
    int[] testIndices;
    /** Housing: the target scaling, to report dollars. */
    Standardizer targetScaler;
    /** What {@link #test} is: {@code "test"}, {@code "validation"} (of the training source) or {@code "all"} (new data). */
    String scope = "test";
    /** What is scored, for people: "200 of 2000 images of DIR (the validation split)". */
    String scored;

    private TaskData(Task task, Dataset train, Dataset validation, Dataset test) {
        this.task = task;
        this.train = train;
        this.validation = validation;
        this.test = test;
    }

    /** Where the MNIST files are (or go) under a data root: {@code root/mnist} unless they sit in root itself. */
    /**
     * {@code s}, unless {@code --val-fraction} left one side empty (the split rounds per class, so a small set
     * can hold out nothing): a {@link DataException} with the figures, not an empty set failing later.
     */
    static Splits.Split checked(Splits.Split s, double valFraction, String what) throws DataException {
        int n = s.train().length + s.validation().length;
        if (s.validation().length == 0 || s.train().length == 0) {
            throw new DataException(String.format(Locale.ROOT, "--val-fraction %s of %d %s holds out %s for %s (the split "
                    + "is rounded per class); choose a fraction that leaves some of each", valFraction, n, what,
                    s.validation().length == 0 ? "none" : "all", s.validation().length == 0 ? "validation" : "training"));
        }
        return s;
    }

    static Path mnistDir(Path root) {
        if (Mnist.missing(root).isEmpty()) {
            return root;
        }
        return root.resolve("mnist");
    }

    static Path housingFile(Path root, String split) throws DataException {
        String name = "california_housing_" + split + ".csv";
        for (Path p : List.of(root.resolve("california_housing").resolve(name), root.resolve(name))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DataException("no " + name + " in " + root + " or " + root.resolve("california_housing")
                + "; point --data (or CNN_DATA) at the datasets directory");
    }

    /** Loads everything for training; {@code valFraction} of the training set is held out (stratified for classes). */
    static TaskData forTraining(Task task, Path root, double valFraction, long seed, boolean progress) throws IOException {
        return switch (task) {
            case DIGITS, MNIST -> images(task, root, valFraction, seed, progress);
            case HOUSING -> housing(root, valFraction, seed, null);
            case IMAGES -> folder(root, valFraction, seed, null);
            case TABLE -> throw new IllegalStateException("a table is loaded with TaskData.table");
        };
    }

    /**
     * A user's CSV table: {@code target} is predicted from every other column, numeric columns as they are and
     * text columns one-hot ({@link TableEncoding}), all standardised with the training rows' statistics (and
     * the target too for regression). With {@code classify} the target holds class labels (any text or
     * integers; stratified split). Empty cells are handled as {@code missing} says. The model is scored on
     * the validation split.
     */
    static TaskData table(Path file, String target, boolean classify, double valFraction, long seed, char delimiter,
                          TableEncoding.Missing missing) throws IOException {
        if (!(valFraction > 0)) {
            throw new DataException("training on a table holds out a validation split to score on: --val-fraction must "
                    + "be > 0");
        }
        CsvTable.Text t = CsvTable.readText(file, delimiter);
        int ti = t.column(target);
        List<String> sources = new java.util.ArrayList<>(t.header());
        sources.remove(ti);
        if (sources.isEmpty()) {
            throw new DataException(file + ": no columns besides the target '" + target + "' to predict it from");
        }
        TableEncoding enc = TableEncoding.fit(t, sources, missing);
        int[] at = t.columns(sources);
        int k = enc.width();
        float[] x = new float[Math.multiplyExact(t.size(), k)];
        float[] y = new float[t.size()];
        List<String> labelTexts = new java.util.ArrayList<>();
        int n = 0;
        int dropped = 0;
        for (int r = 0; r < t.size(); r++) {
            String cell = t.rows().get(r)[ti];
            if (cell.isEmpty()) {
                if (missing == TableEncoding.Missing.ERROR) {
                    throw new DataException(file + " " + t.where(r) + ", column '" + target + "': empty target cell "
                            + "(--missing drop leaves such rows out)");
                }
                dropped++;
                continue;
            }
            if (!classify) {
                y[n] = targetNumber(t, r, target, cell);
            }
            if (!enc.encode(t, r, at, x, n * k)) {
                dropped++;
                continue;
            }
            if (classify) {
                labelTexts.add(CsvTable.canonicalLabel(cell));
            }
            n++;
        }
        if (dropped > 0) {
            LOG.info("{}: left out {} of {} rows with empty cells (--missing {})", file, dropped, t.size(),
                    missing.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (n < 2) {
            throw new DataException(file + ": " + n + " rows left to train on" + (dropped > 0 ? " after leaving out the "
                    + dropped + " with empty cells" : ""));
        }
        x = java.util.Arrays.copyOf(x, n * k);
        y = java.util.Arrays.copyOf(y, n);
        List<String> featureNames = enc.featureNames();
        int[] labels = null;
        List<String> classNames = null;
        if (classify) {
            classNames = classNames(file, target, labelTexts);
            labels = new int[n];
            Map<String, Integer> index = new java.util.HashMap<>();
            for (int c = 0; c < classNames.size(); c++) {
                index.put(classNames.get(c), c);
            }
            for (int i = 0; i < n; i++) {
                labels[i] = index.get(labelTexts.get(i));
            }
        }
        int classes = classNames == null ? 0 : classNames.size();
        Splits.Split s = checked(classify ? Splits.stratified(labels, valFraction, seed) : Splits.random(n, valFraction, seed),
                valFraction, "rows");
        Standardizer fx = Standardizer.fit(rows(x, k, s.train()), k);
        TableInput.meanForMissing(fx.apply(x));
        Standardizer fy = null;
        Tensor targets;
        if (!classify) {
            fy = Standardizer.fit(rows(y, 1, s.train()), 1);
            fy.apply(y);
            targets = Tensor.wrap(y, n, 1);
        } else {
            targets = classTargets(labels, classes);
        }
        Dataset all = Dataset.of(Tensor.wrap(x, n, k), targets);
        Dataset val = Dataset.subset(all, s.validation());
        TaskData d = new TaskData(Task.TABLE, Dataset.subset(all, s.train()), val, val);
        d.scope = "validation";
        d.scored = val.size() + " of " + n + " rows of " + file + " (the validation split)";
        d.targetScaler = fy;
        d.metadata.put("task", Task.TABLE.id);
        d.metadata.put("source", file.toAbsolutePath().normalize().toString());
        d.metadata.put("target", target);
        d.metadata.put("features", featureNames);
        d.metadata.put("encoding", enc.toMap());
        if (delimiter != ',') {
            d.metadata.put("delimiter", String.valueOf(delimiter));
        }
        d.metadata.put("featureScaler", fx.toMap());
        if (fy != null) {
            d.metadata.put("targetScaler", fy.toMap());
        } else {
            d.metadata.put("classNames", classNames);
        }
        return d;
    }

    /**
     * A saved model's training data again (to resume it, or to re-draw its validation split), read as it was in
     * training: a table with its delimiter and missing-value rule, an image folder at its resize.
     */
    static TaskData again(Task task, Path root, Map<String, Object> meta, double valFraction, long seed, boolean progress)
            throws IOException {
        return switch (task) {
            case TABLE -> table(root, String.valueOf(meta.get("target")), meta.containsKey("classNames"), valFraction,
                    seed, TableInput.delimiter(meta), TableInput.encoding(meta).missing());
            case IMAGES -> folder(root, valFraction, seed, resize(meta));
            default -> forTraining(task, root, valFraction, seed, progress);
        };
    }

    /** The target cell of row {@code r} as a number, or an error naming the row and the way forward. */
    private static float targetNumber(CsvTable.Text t, int r, String target, String cell) throws DataException {
        float v;
        try {
            v = Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            v = Float.NaN;
        }
        if (!Float.isFinite(v)) {
            throw new DataException(t.file() + " " + t.where(r) + ", column '" + target + "': '" + cell + "' is not a "
                    + "finite number; if the column holds class labels, train with --classes");
        }
        return v;
    }

    /** Targets for class indices: {@code (n, 1)} of 0 and 1 for two classes (a sigmoid output), else one-hot. */
    private static Tensor classTargets(int[] labels, int classes) {
        int n = labels.length;
        Tensor t = classes == 2 ? Tensor.zeros(n, 1) : Tensor.zeros(n, classes);
        for (int i = 0; i < n; i++) {
            if (classes == 2) {
                t.set(labels[i], i, 0);
            } else {
                t.set(1f, i, labels[i]);
            }
        }
        return t;
    }

    /** Most classes {@code --classes} takes: a target with more distinct values is a number to regress on. */
    static final int MAX_CLASSES = 100;

    /**
     * The classes of a label column, in order (numerically when every label is an integer, else by text):
     * refused when there is one, when there are more than {@link #MAX_CLASSES}, or when the labels are
     * numbers that are not whole (a continuous target), each with the way forward.
     */
    static List<String> classNames(Path file, String target, List<String> labels) throws DataException {
        java.util.TreeSet<String> distinct = new java.util.TreeSet<>(labels);
        boolean integers = true;
        for (String l : distinct) {
            try {
                Long.parseLong(l);
            } catch (NumberFormatException e) {
                integers = false;
                try {
                    double v = Double.parseDouble(l);
                    if (Double.isFinite(v)) {
                        throw new DataException(file + ", column '" + target + "': " + l + " is not a whole number, so "
                                + "the column looks continuous; leave out --classes to predict it as a number");
                    }
                } catch (NumberFormatException text) {
                    // a text label
                }
            }
        }
        if (distinct.size() < 2) {
            throw new DataException(file + ", column '" + target + "': every row has class " + distinct.first()
                    + "; a classifier needs two or more classes");
        }
        if (distinct.size() > MAX_CLASSES) {
            throw new DataException(file + ", column '" + target + "' has " + distinct.size() + " distinct values, more "
                    + "than the " + MAX_CLASSES + " classes --classes takes; leave out --classes to predict it as a number");
        }
        List<String> names = new java.util.ArrayList<>(distinct);
        if (integers) {
            names.sort(java.util.Comparator.comparingLong(Long::parseLong));
        }
        return names;
    }

    /**
     * A user's image folder ({@code root/<class>/<images>}): a stratified validation split of
     * {@code valFraction}, which is also what the model is scored on (there is no separate test set); every image
     * resized to {@code resize = {height, width}} unless it is null.
     */
    static TaskData folder(Path root, double valFraction, long seed, int[] resize) throws IOException {
        ImageSet images = resize == null ? ImageFolder.load(root) : ImageFolder.loadResized(root, resize[0], resize[1]);
        int classes = images.classNames().size();
        if (classes < 2) {
            throw new DataException(root + ": one class folder (" + images.classNames() + "); a classifier needs two or more");
        }
        if (!(valFraction > 0)) {
            throw new DataException("training on an image folder holds out a validation split to score on: "
                    + "--val-fraction must be > 0");
        }
        Dataset all = classes == 2 ? images.binary(0, 1) : images.oneHot();
        Splits.Split s = checked(Splits.stratified(images.labels(), valFraction, seed), valFraction, "images");
        Dataset val = Dataset.subset(all, s.validation());
        TaskData d = new TaskData(Task.IMAGES, Dataset.subset(all, s.train()), val, val);
        d.scope = "validation";
        d.scored = val.size() + " of " + images.count() + " images of " + root + " (the validation split)";
        d.testImages = images;
        d.testIndices = s.validation();
        d.metadata.put("task", Task.IMAGES.id);
        d.metadata.put("source", root.toAbsolutePath().normalize().toString());
        d.metadata.put("classNames", images.classNames());
        d.metadata.put("inputScale", 1.0 / 255);
        if (resize != null) {
            d.metadata.put("resize", List.of(resize[0], resize[1]));
        }
        return d;
    }

    /** The {height, width} every image is resized to for a saved image model, or null when it takes them as they are. */
    static int[] resize(Map<String, Object> meta) {
        if (meta.get("resize") instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number h
                && l.get(1) instanceof Number w && h.intValue() > 0 && w.intValue() > 0) {
            return new int[] {h.intValue(), w.intValue()};
        }
        return null;
    }

    /** Only the test set, prepared with the statistics a trained model carries. */
    static TaskData forEvaluation(Task task, Path root, Map<String, Object> modelMetadata) throws IOException {
        return switch (task) {
            case DIGITS, MNIST -> images(task, root, 0, 0, false);
            case HOUSING -> housing(root, 0, 0, modelMetadata);
            case IMAGES, TABLE -> throw new IllegalStateException("a model of a user's data is scored on its validation split");
        };
    }

    private static TaskData images(Task task, Path root, double valFraction, long seed, boolean progress)
            throws IOException {
        Mnist.Split mnist;
        Path dir = mnistDir(root);
        try {
            mnist = MnistDownload.loadOrDownload(dir, null, progress);
        } catch (DataException e) {
            // the library says what is missing; the command line says how to point it elsewhere
            throw new DataException(e.getMessage() + "; or point --data (or CNN_DATA) at a directory that has them", e);
        }
        ImageSet train = mnist.train();
        ImageSet test = mnist.test();
        Dataset all;
        Dataset testSet;
        int[] labels;
        int[] testIdx;
        List<String> classes;
        if (task == Task.DIGITS) {
            all = train.binary(2, 5);
            testSet = test.binary(2, 5);
            int[] idx = train.indicesOf(2, 5);
            labels = Arrays.stream(idx).map(i -> train.label(i) == 5 ? 1 : 0).toArray();
            testIdx = test.indicesOf(2, 5);
            classes = List.of("2", "5");
        } else {
            all = train.oneHot();
            testSet = test.oneHot();
            labels = train.labels();
            testIdx = test.indicesOf(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            classes = train.classNames();
        }
        Dataset trainSet = all;
        Dataset val = null;
        if (valFraction > 0) {
            Splits.Split s = checked(Splits.stratified(labels, valFraction, seed), valFraction, "images");
            trainSet = Dataset.subset(all, s.train());
            val = Dataset.subset(all, s.validation());
        }
        TaskData d = new TaskData(task, trainSet, val, testSet);
        // --data at a folder of IDX files of its own (Fashion-MNIST, say) is named as such, not as MNIST
        d.scored = testSet.size() + (dir.equals(root) ? " test images of " + dir : " MNIST test images")
                + (task == Task.DIGITS ? " of 2 and 5" : "");
        d.testImages = test;
        d.testIndices = testIdx;
        d.metadata.put("task", task.id);
        d.metadata.put("classNames", classes);
        d.metadata.put("inputScale", 1.0 / 255);
        return d;
    }

    private static TaskData housing(Path root, double valFraction, long seed, Map<String, Object> model)
            throws IOException {
        CsvTable test = CsvTable.read(housingFile(root, "test"), HousingFeatures.RAW, "median_house_value");
        float[] testX = HousingFeatures.transform(test.features(), test.rows());
        float[] testY = test.target().clone();
        Standardizer fx;
        Standardizer fy;
        Dataset trainSet = null;
        Dataset val = null;
        if (model == null) {
            CsvTable train = CsvTable.read(housingFile(root, "train"), HousingFeatures.RAW, "median_house_value");
            float[] x = HousingFeatures.transform(train.features(), train.rows());
            float[] y = train.target().clone();
            int k = HousingFeatures.COUNT;
            int[] trainRows;
            int[] valRows = new int[0];
            if (valFraction > 0) {
                Splits.Split s = checked(Splits.random(train.rows(), valFraction, seed), valFraction, "houses");
                trainRows = s.train();
                valRows = s.validation();
            } else {
                trainRows = IntStream.range(0, train.rows()).toArray();
            }
            // scaling statistics come from the training rows only
            fx = Standardizer.fit(rows(x, k, trainRows), k);
            fy = Standardizer.fit(rows(y, 1, trainRows), 1);
            fx.apply(x);
            fy.apply(y);
            TableDataset full = new TableDataset(x, y, k);
            trainSet = Dataset.subset(full, trainRows);
            val = valRows.length > 0 ? Dataset.subset(full, valRows) : null;
        } else {
            fx = Standardizer.fromMap(model.get("featureScaler"));
            fy = Standardizer.fromMap(model.get("targetScaler"));
        }
        fx.apply(testX);
        fy.apply(testY);
        TaskData d = new TaskData(Task.HOUSING, trainSet, val,
                new TableDataset(testX, testY, HousingFeatures.COUNT));
        d.scored = test.rows() + " houses of " + housingFile(root, "test").getFileName();
        d.targetScaler = fy;
        d.metadata.put("task", Task.HOUSING.id);
        d.metadata.put("rawColumns", HousingFeatures.RAW);
        d.metadata.put("features", HousingFeatures.NAMES);
        d.metadata.put("target", "median_house_value");
        d.metadata.put("featureScaler", fx.toMap());
        d.metadata.put("targetScaler", fy.toMap());
        return d;
    }

    /**
     * Every image under {@code dir} ({@code dir/<class>/<images>}, the class folders named as the model's
     * classes, any subset of them), read as the model reads images, for scoring a saved image model on data
     * it was not trained beside.
     */
    static TaskData imageFolder(Path dir, Task task, SavedTask saved, int[] inputShape, Map<String, Object> meta)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir + ": an image model is scored on a folder of class folders (DIR/<class>/*.png|jpg), "
                    + "but this is not a directory");
        }
        int[] resize = resize(meta);
        ImageSet loaded = resize == null ? ImageFolder.load(dir, inputShape[2])
                : ImageFolder.load(dir, inputShape[2], resize[0], resize[1]);
        if (loaded.height() != inputShape[0] || loaded.width() != inputShape[1]) {
            throw new DataException(dir + ": the images are " + loaded.width() + "x" + loaded.height()
                    + " pixels but the model takes " + inputShape[1] + "x" + inputShape[0]);
        }
        ImageSet images;
        try {
            images = loaded.relabel(saved.classNames());
        } catch (DataException e) {
            throw new DataException(dir + ": " + e.getMessage() + " the model was trained on", e);
        }
        Dataset all = saved.classNames().size() == 2 ? images.binary(0, 1) : images.oneHot();
        TaskData d = new TaskData(task, null, null, all);
        d.scope = "all";
        d.scored = images.count() + " of " + images.count() + " images in " + dir;
        d.testImages = images;
        d.testIndices = Metrics.identity(images.count());
        d.metadata.put("classNames", saved.classNames());
        return d;
    }

    /**
     * Every row of {@code file} for a saved table model: its feature columns by name (any order, other
     * columns ignored) and its target column, scaled with the model's statistics.
     */
    static TaskData tableRows(Path file, SavedTask saved, Map<String, Object> meta) throws IOException {
        String target = String.valueOf(meta.get("target"));
        TableEncoding enc = TableInput.encoding(meta);
        CsvTable.Text t = CsvTable.readText(file, TableInput.delimiter(meta));
        int ti = t.column(target);
        int n = t.size();
        float[] x = TableInput.features(t, enc, saved.featureScaler());
        List<String> names = saved.classNames();
        float[] y = new float[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            String cell = t.rows().get(i)[ti];
            if (cell.isEmpty()) {
                throw new DataException(file + " " + t.where(i) + ", column '" + target + "': empty target cell; a row "
                        + "is scored against its target");
            }
            if (saved.targetScaler() != null) {
                y[i] = targetNumber(t, i, target, cell);
                continue;
            }
            String label = CsvTable.canonicalLabel(cell);
            labels[i] = names.indexOf(label);
            if (labels[i] < 0) {
                throw new DataException(file + " " + t.where(i) + ", column '" + target + "': class '" + label
                        + "' is not one of the model's classes " + names);
            }
        }
        Tensor targets = saved.targetScaler() != null ? Tensor.wrap(saved.targetScaler().apply(y), n, 1)
                : classTargets(labels, names.size());
        TaskData d = new TaskData(Task.TABLE, null, null, Dataset.of(Tensor.wrap(x, n, enc.width()), targets));
        d.targetScaler = saved.targetScaler();
        d.scope = "all";
        d.scored = n + " of " + n + " rows of " + file;
        d.metadata.put("target", target);
        if (saved.targetScaler() == null) {
            d.metadata.put("classNames", saved.classNames());
        }
        return d;
    }

    /** Every row of a CSV file with the raw California housing columns, for a saved housing model. */
    static TaskData housingRows(Path file, SavedTask saved) throws IOException {
        CsvTable t = CsvTable.read(file, HousingFeatures.RAW, "median_house_value");
        float[] x = HousingFeatures.transform(t.features(), t.rows());
        float[] y = t.target().clone();
        saved.featureScaler().apply(x);
        saved.targetScaler().apply(y);
        TaskData d = new TaskData(Task.HOUSING, null, null, new TableDataset(x, y, HousingFeatures.COUNT));
        d.targetScaler = saved.targetScaler();
        d.scope = "all";
        d.scored = t.rows() + " of " + t.rows() + " houses in " + file;
        return d;
    }

    private static float[] rows(float[] values, int columns, int[] rows) {
        float[] r = new float[rows.length * columns];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(values, rows[i] * columns, r, i * columns, columns);
        }
        return r;
    }
}
