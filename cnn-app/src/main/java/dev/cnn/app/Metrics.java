package dev.cnn.app;

import dev.cnn.core.Tensor;
import dev.cnn.nn.ClassificationEvaluation;
import dev.cnn.nn.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test-set metrics of a trained model, as an ordered map ready for JSON and for printing. */
final class Metrics {
    private Metrics() {
    }

    /**
     * What a test run found, plus the raw material for the reports: per sample the prediction and the
     * target (class index, or dollars for housing), the probability of the predicted class (null for
     * regression), and the indices of the misclassified samples.
     */
    record Result(Map<String, Object> metrics, float[] predicted, float[] confidence, float[] targets,
                  List<Integer> wrong) {
    }

    /** Every target of {@code data}, {@code (n, target...)} row-major, filled a batch at a time. */
    static float[] targets(dev.cnn.core.Dataset data) {
        int n = data.size();
        int sampleLen = Arrays.stream(data.sampleShape()).reduce(1, (a, b) -> a * b);
        int targetLen = Arrays.stream(data.targetShape()).reduce(1, (a, b) -> a * b);
        int batch = 256;
        float[] t = new float[n * targetLen];
        float[] x = new float[batch * sampleLen];
        float[] y = new float[batch * targetLen];
        int[] order = identity(n);
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            data.fill(order, from, to, x, y);
            System.arraycopy(y, 0, t, from * targetLen, (to - from) * targetLen);
        }
        return t;
    }

    static Result test(Model model, TaskData data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", data.test.size());
        m.put("scope", data.scope);
        if (data.scored != null) {
            m.put("scored", data.scored);
        }
        if (data.targetScaler != null) {
            Tensor p = finite(model.predict(data.test, 1024));
            float[] pred = data.targetScaler.invert(p.data().clone());
            float[] actual = data.targetScaler.invert(targets(data.test));
            double sq = 0;
            double abs = 0;
            for (int i = 0; i < pred.length; i++) {
                double d = (double) pred[i] - actual[i];
                sq += d * d;
                abs += Math.abs(d);
            }
            m.put("rmse", Math.sqrt(sq / pred.length));
            m.put("mae", abs / pred.length);
            m.put("unit", data.task == Task.HOUSING ? "dollars" : String.valueOf(data.metadata.get("target")));
            return new Result(m, pred, null, actual, List.of());
        }
        ClassificationEvaluation e = model.evaluate(data.test, 512).classification();
        m.put("accuracy", e.accuracy());
        m.put("errors", e.errors());
        m.put("loss", e.loss());
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) data.metadata.get("classNames");
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < names.size(); c++) {
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("precision", e.precision(c));
            pc.put("recall", e.recall(c));
            pc.put("f1", e.f1(c));
            perClass.put(names.get(c), pc);
        }
        m.put("classes", perClass);
        m.put("macroF1", e.macroF1());
        List<List<Long>> confusion = new ArrayList<>();
        for (long[] row : e.confusion()) {
            List<Long> r = new ArrayList<>();
            for (long v : row) {
                r.add(v);
            }
            confusion.add(r);
        }
        m.put("confusion", confusion);
        Tensor p = finite(model.predict(data.test, 512));
        int n = data.test.size();
        int k = data.test.targetShape()[0];
        float[] t = targets(data.test);
        float[] out = p.data();
        List<Integer> wrong = new ArrayList<>();
        float[] pred = new float[n];
        float[] prob = new float[n];
        float[] actual = new float[n];
        for (int i = 0; i < n; i++) {
            if (k == 1) { // sigmoid output: the probability of class 1
                pred[i] = out[i] >= 0.5f ? 1 : 0;
                prob[i] = out[i] >= 0.5f ? out[i] : 1 - out[i];
                actual[i] = t[i] >= 0.5f ? 1 : 0;
            } else {
                pred[i] = Tensor.argmax(out, i * k, k);
                prob[i] = out[i * k + (int) pred[i]];
                actual[i] = Tensor.argmax(t, i * k, k);
            }
            if (pred[i] != actual[i]) {
                wrong.add(i);
            }
        }
        return new Result(m, pred, prob, actual, wrong);
    }

    /** {@code p}, unless it holds a NaN or infinite output: then the model cannot be scored. */
    static Tensor finite(Tensor p) {
        float[] v = p.data();
        int per = v.length / Math.max(1, p.dim(0));
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalStateException("the model gave a non-finite output (" + v[i] + ") for test sample " + i / per
                        + "; the model file is damaged or was not trained");
            }
        }
        return p;
    }

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** A few human-readable lines. */
    static String describe(Task task, Map<String, Object> m) {
        String scope = "all".equals(m.get("scope")) ? "" : m.getOrDefault("scope", "test") + " ";
        String scored = m.containsKey("scored") ? String.format("%nscored %s", m.get("scored")) : "";
        if (task == Task.HOUSING) {
            return String.format("%sRMSE $%,.0f, MAE $%,.0f over %s houses%s", scope, (Double) m.get("rmse"),
                    (Double) m.get("mae"), m.get("samples"), scored);
        }
        if (m.containsKey("rmse")) {
            return String.format("%sRMSE %.6g, MAE %.6g (%s) over %s rows%s", scope, (Double) m.get("rmse"),
                    (Double) m.get("mae"), m.get("unit"), m.get("samples"), scored);
        }
        StringBuilder sb = new StringBuilder(String.format("%saccuracy %.4f%% (%s wrong of %s), loss %.5f%s",
                scope, 100 * (Double) m.get("accuracy"), m.get("errors"), m.get("samples"), (Double) m.get("loss"), scored));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> classes = (Map<String, Map<String, Object>>) m.get("classes");
        for (Map.Entry<String, Map<String, Object>> e : classes.entrySet()) {
            sb.append(String.format("%n  class %s: precision %.4f, recall %.4f", e.getKey(),
                    (Double) e.getValue().get("precision"), (Double) e.getValue().get("recall")));
        }
        @SuppressWarnings("unchecked")
        List<List<Long>> confusion = (List<List<Long>>) m.get("confusion");
        sb.append(String.format("%n  confusion (rows: actual, columns: predicted):"));
        for (List<Long> row : confusion) {
            sb.append(String.format("%n   "));
            for (Long v : row) {
                sb.append(String.format(" %6d", v));
            }
        }
        return sb.toString();
    }
}
