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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cnn predict MODEL INPUT...}: classes for images, prices for CSV rows. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a saved model.",
            "Image models (digits, mnist) take PNG/JPG files of the model's input size, converted to grayscale.",
            "The housing model takes CSV files with a header naming the raw columns (longitude, latitude, ...)."})
final class PredictCommand implements Callable<Integer> {
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
        Object taskId = model.metadata().get("task");
        Task task = Task.parse(taskId == null ? "?" : taskId.toString());
        List<Map<String, Object>> results = task == Task.HOUSING ? prices(model) : classes(model);
        if (common.json) {
            Gson gson = new Gson();
            for (Map<String, Object> r : results) {
                System.out.println(gson.toJson(r));
            }
        } else {
            for (Map<String, Object> r : results) {
                if (task == Task.HOUSING) {
                    System.out.printf("%s line %s: $%,.0f%n", r.get("input"), r.get("line"), (Double) r.get("price"));
                } else {
                    System.out.printf("%s: %s (probability %.4f)%n", r.get("input"), r.get("class"),
                            (Double) r.get("probability"));
                }
            }
        }
        return 0;
    }

    private List<Map<String, Object>> classes(Model model) throws DataException {
        int[] shape = model.inputShape();
        int h = shape[0];
        int w = shape[1];
        int c = shape[2];
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) model.metadata().get("classNames");
        double scale = ((Number) model.metadata().getOrDefault("inputScale", 1.0 / 255)).doubleValue();
        float[] x = new float[inputs.size() * h * w * c];
        byte[] px = new byte[h * w * c];
        for (int i = 0; i < inputs.size(); i++) {
            Path f = inputs.get(i);
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

    private List<Map<String, Object>> prices(Model model) throws Exception {
        Standardizer fx = Standardizer.fromMap(model.metadata().get("featureScaler"));
        Standardizer fy = Standardizer.fromMap(model.metadata().get("targetScaler"));
        List<Map<String, Object>> r = new ArrayList<>();
        for (Path f : inputs) {
            if (!f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
                throw new DataException(f + ": the housing model takes CSV files with a header row");
            }
            // the target column, if present, is ignored: read every raw column as a feature
            CsvTable t = CsvTable.read(f, HousingFeatures.RAW, HousingFeatures.RAW.get(0));
            float[] x = fx.apply(HousingFeatures.transform(t.features(), t.rows()));
            Tensor out = model.predict(Tensor.wrap(x, t.rows(), HousingFeatures.COUNT));
            for (int i = 0; i < t.rows(); i++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("input", f.toString());
                m.put("line", i + 2);
                m.put("price", fy.invert(out.get(i, 0), 0));
                r.add(m);
            }
        }
        return r;
    }
}
