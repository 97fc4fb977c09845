package dev.cnn.app;

import com.google.gson.Gson;
import dev.cnn.core.AtomicFile;
import dev.cnn.core.Npy;
import dev.cnn.core.Tensor;
import dev.cnn.data.CsvTable;
import dev.cnn.data.DataException;
import dev.cnn.data.ImageFolder;
import dev.cnn.data.Standardizer;
import dev.cnn.nn.Model;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnn predict MODEL INPUT...}: classes for images, prices for CSV rows. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a saved model: a class and its probability per image, or a value or class per CSV row.",
            "Image models (digits, mnist, images) take PNG or JPEG files of the model's input size, read as the model was "
                    + "trained (grayscale or RGB), and folders of them (searched recursively).",
            "Table and housing models take CSV files with a header naming the training columns (any order; other "
                    + "columns are ignored), and folders of them.",
            "A bad input is reported on its own line and the others are still predicted; the exit code is then 1."})
final class PredictCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(PredictCommand.class);
    /**
     * A housing input (or prediction) more than this many standard deviations from the training data's
     * mean is an extrapolation: the prediction is printed with a warning naming the column.
     */
    static final double EXTRAPOLATION_SIGMAS = 10;
    @Parameters(index = "0", paramLabel = "MODEL")
    Path modelFile;

    @Parameters(index = "1..*", paramLabel = "INPUT", arity = "1..*", description = "Image files or CSV files (or, with --out, one .npy array).")
    List<Path> inputs;

    @Mixin
    CommonOptions common;

    @Option(names = "--out", paramLabel = "OUTPUT.npy", description = "Arrays in and out, for any model (imported "
            + "ones too): INPUT is one .npy of float32 samples, batch first, and the model's outputs are written here "
            + "as float32 .npy, batch first.")
    Path out;

    @Option(names = "--layout", paramLabel = "nhwc|nchw", defaultValue = "nhwc", description = "With --out: the "
            + "layout of 4-D arrays in and out, cnn's NHWC (default) or PyTorch's NCHW (transposed on the way).")
    String layout;

    @Spec
    CommandSpec spec;

    /** Inputs that could not be predicted, one line each: the file and what was wrong. */
    private final List<String> failures = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        common.applyThreads();
        Model model = Model.load(modelFile);
        if (out != null) {
            return arrays(model);
        }
        SavedTask saved = SavedTask.of(model, modelFile);
        Task task = saved.task();
        boolean csvModel = task == Task.HOUSING || task == Task.TABLE;
        List<Path> files = InputFiles.expand(inputs, csvModel, InputFiles.takes(task, model, saved), failures);
        List<Path> accepted = new ArrayList<>();
        for (Path f : files) {
            String refusal = InputFiles.refusal(f, task, model, saved);
            if (refusal != null) {
                failures.add(f + ": " + refusal);
            } else {
                accepted.add(f);
            }
        }
        inputs = accepted;
        List<Map<String, Object>> results = task == Task.HOUSING ? prices(model, saved)
                : task == Task.TABLE ? rows(model, saved) : classes(model, saved);
        if (common.json) {
            Gson gson = Json.LINE;
            for (Map<String, Object> r : results) {
                System.out.println(gson.toJson(r));
            }
        } else {
            for (Map<String, Object> r : results) {
                // one line per prediction even for a file name with a line break in it
                r.put("input", String.valueOf(r.get("input")).replace("\n", "\\n").replace("\r", "\\r"));
                if (task == Task.HOUSING) {
                    System.out.printf("%s line %s: $%,.0f%n", r.get("input"), r.get("line"), (Double) r.get("price"));
                } else if (r.containsKey("value")) {
                    System.out.printf("%s line %s: %s %.6g%n", r.get("input"), r.get("line"), model.metadata().get("target"),
                            (Double) r.get("value"));
                } else if (r.containsKey("line")) {
                    System.out.printf("%s line %s: class %s (probability %.4f)%n", r.get("input"), r.get("line"),
                            r.get("class"), (Double) r.get("probability"));
                } else {
                    System.out.printf("%s: %s (probability %.4f)%n", r.get("input"), r.get("class"),
                            (Double) r.get("probability"));
                }
            }
        }
        System.out.flush();
        for (String f : failures) {
            System.err.println("cnn: error: " + f.replace('\n', ' '));
        }
        if (!failures.isEmpty()) {
            System.err.println("cnn: " + failures.size() + " of " + (failures.size() + inputs.size()) + " inputs could "
                    + "not be predicted" + (inputs.isEmpty() ? "" : "; the others were"));
            return 1;
        }
        return 0;
    }

    /** {@code --out}: the one .npy input through the model, the outputs to {@code out}. */
    private int arrays(Model model) throws IOException {
        if (!layout.equals("nhwc") && !layout.equals("nchw")) {
            throw new ParameterException(spec.commandLine(), "--layout must be nhwc or nchw, got " + layout);
        }
        if (inputs.size() != 1 || !inputs.get(0).getFileName().toString().endsWith(".npy")
                || !out.getFileName().toString().endsWith(".npy")) {
            throw new ParameterException(spec.commandLine(), "--out takes one INPUT.npy and an OUTPUT.npy, got "
                    + inputs + " and " + out);
        }
        Path file = inputs.get(0);
        Tensor x = Npy.read(file);
        String given = Tensor.shapeText(java.util.Arrays.copyOfRange(x.shape(), 1, Math.max(1, x.rank())));
        boolean nchw = layout.equals("nchw") && x.rank() == 4;
        if (nchw) {
            x = x.permute(0, 2, 3, 1);
        }
        int[] sample = java.util.Arrays.copyOfRange(x.shape(), 1, x.rank());
        if (!java.util.Arrays.equals(sample, model.inputShape())) {
            throw new ParameterException(spec.commandLine(), file + ": samples of shape " + given
                    + (nchw ? " (NCHW, so " + Tensor.shapeText(sample) + " in NHWC)" : "") + ", but the model takes "
                    + Tensor.shapeText(model.inputShape()) + " (NHWC" + (model.inputShape().length == 3 ? "; --layout nchw "
                    + "for arrays in PyTorch's order" : "") + ")");
        }
        Tensor y = model.predict(x); // refuses a non-finite input or output, naming the sample
        if (layout.equals("nchw") && y.rank() == 4) {
            y = y.permute(0, 3, 1, 2);
        }
        AtomicFile.write(out, Npy.toBytes(y));
        System.out.println("wrote " + out + ": " + Tensor.shapeText(y.shape()) + " float32" + (layout.equals("nchw")
                && y.rank() == 4 ? " (NCHW)" : "") + " for the " + x.dim(0) + " samples of " + file);
        return 0;
    }

    private List<Map<String, Object>> classes(Model model, SavedTask saved) {
        int[] shape = model.inputShape();
        int h = shape[0];
        int w = shape[1];
        int c = shape[2];
        List<String> names = saved.classNames();
        double scale = saved.inputScale();
        int[] resize = TaskData.resize(model.metadata());
        List<Map<String, Object>> r = new ArrayList<>();
        List<Path> good = new ArrayList<>();
        int batch = 256; // images decoded and predicted together: bounded memory for a folder of any size
        for (int from = 0; from < inputs.size(); from += batch) {
            List<Path> chunk = inputs.subList(from, Math.min(inputs.size(), from + batch));
            List<Path> read = new ArrayList<>();
            float[] x = new float[Math.multiplyExact(chunk.size(), h * w * c)];
            byte[] px = new byte[h * w * c];
            for (Path f : chunk) {
                try {
                    BufferedImage img = ImageFolder.decode(f);
                    if (resize == null && (img.getHeight() != h || img.getWidth() != w)) {
                        throw new DataException(f + ": the image is " + img.getWidth() + "x" + img.getHeight()
                                + " pixels but the model takes " + w + "x" + h);
                    }
                    ImageFolder.toBytes(img, c, h, w, px, 0);
                } catch (DataException e) {
                    failures.add(e.getMessage());
                    continue;
                }
                int at = read.size() * px.length;
                for (int p = 0; p < px.length; p++) {
                    x[at + p] = (float) ((px[p] & 0xff) * scale);
                }
                read.add(f);
            }
            if (read.isEmpty()) {
                continue;
            }
            Tensor out = model.predict(Tensor.wrap(java.util.Arrays.copyOf(x, read.size() * px.length), read.size(), h, w, c));
            for (int i = 0; i < read.size(); i++) {
                if (!finite(out, i)) {
                    failures.add(read.get(i) + ": the model gave a non-finite output; the model file is damaged or was "
                            + "not trained");
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("input", read.get(i).toString());
                putClass(m, out, i, names);
                r.add(m);
                good.add(read.get(i));
            }
        }
        inputs = good;
        return r;
    }

    /** A table model: one prediction per CSV row; the feature columns by name, a target column if present ignored. */
    private List<Map<String, Object>> rows(Model model, SavedTask saved) {
        return perFile(f -> tableRows(f, model, saved));
    }

    private List<Map<String, Object>> prices(Model model, SavedTask saved) {
        return perFile(f -> housingRows(f, model, saved));
    }

    /** What one CSV file gives, or the reason it gives nothing. */
    private interface FileRows {
        List<Map<String, Object>> of(Path f) throws IOException;
    }

    /** {@code rows} of every input in order; an input that fails is a line in {@link #failures} and gives no rows. */
    private List<Map<String, Object>> perFile(FileRows rows) {
        List<Map<String, Object>> all = new ArrayList<>();
        List<Path> good = new ArrayList<>();
        for (Path f : inputs) {
            try {
                all.addAll(rows.of(f));
                good.add(f);
            } catch (DataException e) {
                failures.add(e.getMessage());
            } catch (IOException e) {
                failures.add(f + ": cannot read (" + AtomicFile.reason(e) + ")");
            }
        }
        inputs = good;
        return all;
    }

    private static List<Map<String, Object>> tableRows(Path f, Model model, SavedTask saved) throws IOException {
        dev.cnn.data.TableEncoding enc = dev.cnn.data.TableInput.encoding(model.metadata());
        CsvTable.Text t = CsvTable.readText(f, dev.cnn.data.TableInput.delimiter(model.metadata()));
        float[] x = dev.cnn.data.TableInput.features(t, enc, saved.featureScaler());
        Tensor out = model.predict(Tensor.wrap(x, t.size(), enc.width()));
        int k = out.dim(1);
        List<Map<String, Object>> r = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("input", f.toString());
            m.put("line", t.lines()[i]);
            if (!finite(out, i)) {
                throw new DataException(f + " " + t.where(i) + ": the model gave a non-finite output; the model file is "
                        + "damaged or was not trained");
            }
            if (saved.targetScaler() != null) {
                double v = saved.targetScaler().invert(out.get(i, 0), 0);
                if (!Double.isFinite(v)) {
                    throw new DataException(f + " " + t.where(i) + ": the model gave a non-finite value");
                }
                m.put("value", v);
            } else {
                putClass(m, out, i, saved.classNames());
            }
            r.add(m);
        }
        return r;
    }

    private static List<Map<String, Object>> housingRows(Path f, Model model, SavedTask saved) throws IOException {
        Standardizer fx = saved.featureScaler();
        Standardizer fy = saved.targetScaler();
        // the target column, if present, is ignored: read every raw column as a feature
        CsvTable t = CsvTable.read(f, HousingFeatures.RAW, HousingFeatures.RAW.get(0));
        float[] x = fx.apply(HousingFeatures.transform(t.features(), t.rows()));
        warnFarFromTraining(f, x, t.rows());
        Tensor out;
        try {
            out = model.predict(Tensor.wrap(x, t.rows(), HousingFeatures.COUNT));
        } catch (IllegalStateException overflow) {
            throw new DataException(f + ": " + overflow.getMessage() + " (sample i is line i+2 of the file)");
        }
        List<Map<String, Object>> r = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) {
            float z = out.get(i, 0);
            double price = fy.invert(z, 0);
            if (!Double.isFinite(price)) {
                throw new DataException(f + " line " + (i + 2) + ": the model gave a non-finite price (" + price
                        + "); the model file is damaged or was not trained");
            }
            if (Math.abs(z) > EXTRAPOLATION_SIGMAS) {
                LOG.warn("{} line {}: the predicted price ${} is {} standard deviations from the training prices; "
                        + "do not trust it", f, i + 2, String.format("%,.0f", price), String.format("%.1f", Math.abs(z)));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("input", f.toString());
            m.put("line", i + 2);
            m.put("price", price);
            r.add(m);
        }
        return r;
    }

    /** Whether every output of sample {@code i} is a finite number. */
    private static boolean finite(Tensor out, int i) {
        for (int j = 0; j < out.dim(1); j++) {
            if (!Float.isFinite(out.get(i, j))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The predicted class of sample {@code i} and its probability into {@code m}: from one sigmoid output (the
     * probability of the second class) or from one output per class.
     */
    private static void putClass(Map<String, Object> m, Tensor out, int i, List<String> names) {
        int k = out.dim(1);
        if (k == 1) {
            double p = out.get(i, 0);
            m.put("class", names.get(p >= 0.5 ? 1 : 0));
            m.put("probability", p >= 0.5 ? p : 1 - p);
        } else {
            int best = Tensor.argmax(out.data(), i * k, k);
            m.put("class", names.get(best));
            m.put("probability", (double) out.get(i, best));
        }
    }

    /** Warns, once per row, about the feature farthest from the training data when it is an extrapolation. */
    private static void warnFarFromTraining(Path f, float[] standardized, int rows) {
        int k = HousingFeatures.COUNT;
        int named = HousingFeatures.NAMES.size(); // the location grid after them follows latitude and longitude
        for (int i = 0; i < rows; i++) {
            int worst = 0;
            for (int j = 1; j < named; j++) {
                if (Math.abs(standardized[i * k + j]) > Math.abs(standardized[i * k + worst])) {
                    worst = j;
                }
            }
            float z = standardized[i * k + worst];
            if (Math.abs(z) > EXTRAPOLATION_SIGMAS) {
                LOG.warn("{} line {}: column '{}' is {} standard deviations from the training data's mean; the "
                        + "prediction is an extrapolation", f, i + 2, HousingFeatures.NAMES.get(worst), String.format("%.1f", z));
            }
        }
    }
}
