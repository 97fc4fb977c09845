package dev.cnn.app;

import com.google.gson.Gson;
import dev.cnn.core.Tensor;
import dev.cnn.data.CsvTable;
import dev.cnn.data.DataException;
import dev.cnn.data.ImageFolder;
import dev.cnn.data.Standardizer;
import dev.cnn.nn.Model;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cnn predict MODEL INPUT...}: classes for images, prices for CSV rows. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a saved model.",
            "Image models (digits, mnist) take PNG/JPG files of the model's input size, converted to grayscale.",
            "The housing model takes CSV files with a header naming the raw columns (longitude, latitude, ...)."})
final class PredictCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(PredictCommand.class);
    /**
     * A housing input (or prediction) more than this many standard deviations from the training data's
     * mean is an extrapolation: the prediction is printed with a warning naming the column.
     */
    static final double EXTRAPOLATION_SIGMAS = 10;
    @Parameters(index = "0", paramLabel = "MODEL")
    Path modelFile;

    @Parameters(index = "1..*", paramLabel = "INPUT", arity = "1..*", description = "Image files or CSV files.")
    List<Path> inputs;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.applyThreads();
        Model model = Model.load(modelFile);
        SavedTask saved = SavedTask.of(model, modelFile);
        Task task = saved.task();
        List<Map<String, Object>> results = task == Task.HOUSING ? prices(model, saved)
                : task == Task.TABLE ? rows(model, saved) : classes(model, saved);
        if (common.json) {
            Gson gson = Json.LINE;
            for (Map<String, Object> r : results) {
                System.out.println(gson.toJson(r));
            }
        } else {
            for (Map<String, Object> r : results) {
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
        return 0;
    }

    private List<Map<String, Object>> classes(Model model, SavedTask saved) throws DataException {
        int[] shape = model.inputShape();
        int h = shape[0];
        int w = shape[1];
        int c = shape[2];
        List<String> names = saved.classNames();
        double scale = saved.inputScale();
        float[] x = new float[Math.multiplyExact(inputs.size(), h * w * c)];
        byte[] px = new byte[h * w * c];
        for (int i = 0; i < inputs.size(); i++) {
            Path f = inputs.get(i);
            int[] size = ImageFolder.dimensions(f); // from the header, before anything is decoded
            if (size[0] != w || size[1] != h) {
                throw new DataException(f + ": image is " + size[0] + "x" + size[1] + " but the model takes " + w + "x" + h);
            }
            BufferedImage img = ImageFolder.decode(f);
            if (img.getHeight() != h || img.getWidth() != w) {
                throw new DataException(f + ": image is " + img.getWidth() + "x" + img.getHeight() + " but the model takes "
                        + w + "x" + h);
            }
            ImageFolder.toBytes(img, c, px, 0);
            for (int p = 0; p < px.length; p++) {
                x[i * px.length + p] = (float) ((px[p] & 0xff) * scale);
            }
        }
        Tensor out = model.predict(Tensor.wrap(x, inputs.size(), h, w, c));
        int k = out.dim(1);
        for (int i = 0; i < out.size(); i++) {
            if (!Float.isFinite(out.data()[i])) {
                throw new IllegalStateException(inputs.get(i / k) + ": the model gave a non-finite output (" + out.data()[i]
                        + "); the model file is damaged or was not trained");
            }
        }
        List<Map<String, Object>> r = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("input", inputs.get(i).toString());
            if (k == 1) {
                double p = out.get(i, 0);
                m.put("class", names.get(p >= 0.5 ? 1 : 0));
                m.put("probability", p >= 0.5 ? p : 1 - p);
            } else {
                int best = Tensor.argmax(out.data(), i * k, k);
                m.put("class", names.get(best));
                m.put("probability", (double) out.get(i, best));
            }
            r.add(m);
        }
        return r;
    }

    /** A table model: one prediction per CSV row; the feature columns by name, a target column if present ignored. */
    private List<Map<String, Object>> rows(Model model, SavedTask saved) throws Exception {
        @SuppressWarnings("unchecked")
        List<String> features = (List<String>) model.metadata().get("features");
        List<Map<String, Object>> r = new ArrayList<>();
        for (Path f : inputs) {
            CsvTable t = CsvTable.read(f, features, features.get(0));
            float[] x = saved.featureScaler().apply(t.features().clone());
            Tensor out = model.predict(Tensor.wrap(x, t.rows(), features.size()));
            int k = out.dim(1);
            for (int i = 0; i < t.rows(); i++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("input", f.toString());
                m.put("line", i + 2);
                if (saved.targetScaler() != null) {
                    double v = saved.targetScaler().invert(out.get(i, 0), 0);
                    if (!Double.isFinite(v)) {
                        throw new IllegalStateException(f + " line " + (i + 2) + ": the model gave a non-finite value");
                    }
                    m.put("value", v);
                } else if (k == 1) {
                    double p = out.get(i, 0);
                    m.put("class", saved.classNames().get(p >= 0.5 ? 1 : 0));
                    m.put("probability", p >= 0.5 ? p : 1 - p);
                } else {
                    int best = Tensor.argmax(out.data(), i * k, k);
                    m.put("class", saved.classNames().get(best));
                    m.put("probability", (double) out.get(i, best));
                }
                r.add(m);
            }
        }
        return r;
    }

    private List<Map<String, Object>> prices(Model model, SavedTask saved) throws Exception {
        Standardizer fx = saved.featureScaler();
        Standardizer fy = saved.targetScaler();
        List<Map<String, Object>> r = new ArrayList<>();
        for (Path f : inputs) {
            if (!f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
                throw new DataException(f + ": the housing model takes CSV files with a header row");
            }
            // the target column, if present, is ignored: read every raw column as a feature
            CsvTable t = CsvTable.read(f, HousingFeatures.RAW, HousingFeatures.RAW.get(0));
            float[] x = fx.apply(HousingFeatures.transform(t.features(), t.rows()));
            warnFarFromTraining(f, x, t.rows());
            Tensor out;
            try {
                out = model.predict(Tensor.wrap(x, t.rows(), HousingFeatures.COUNT));
            } catch (IllegalStateException overflow) {
                throw new IllegalStateException(f + ": " + overflow.getMessage() + " (sample i is line i+2 of the file)",
                        overflow);
            }
            for (int i = 0; i < t.rows(); i++) {
                float z = out.get(i, 0);
                double price = fy.invert(z, 0);
                if (!Double.isFinite(price)) {
                    throw new IllegalStateException(f + " line " + (i + 2) + ": the model gave a non-finite price (" + price
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
        }
        return r;
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
