package dev.cnn.serve;

import dev.cnn.core.Tensor;
import dev.cnn.data.CsvTable;
import dev.cnn.data.DataException;
import dev.cnn.data.Standardizer;
import dev.cnn.data.TableInput;
import dev.cnn.nn.Model;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code /predict} route's view of a table model ({@code cnn train table}): CSV rows with a header, read as
 * {@code cnn predict} reads a CSV file (the columns by name, encoded and standardised as in training; a target
 * column, if present, ignored), answered with each row's line and its value (regression, in the target's units)
 * or class and probability.
 */
final class TablePredict {
    private final TableInput input;
    private final Standardizer target;
    private final List<String> classes;

    private TablePredict(TableInput input, Standardizer target, List<String> classes) {
        this.input = input;
        this.target = target;
        this.classes = classes;
    }

    /** How {@code m} reads CSV rows, or null when it is not a table model cnn trained. */
    static TablePredict of(Model m) {
        Map<String, Object> meta = m.metadata();
        if (!"table".equals(meta.get("task")) || m.inputShape().length != 1 || m.outputShape().length != 1) {
            return null;
        }
        try {
            TableInput in = TableInput.of(meta);
            if (in.width() != m.inputShape()[0]) {
                return null;
            }
            if (meta.get("targetScaler") != null) {
                return m.outputShape()[0] == 1 ? new TablePredict(in, Standardizer.fromMap(meta.get("targetScaler")),
                        null) : null;
            }
            if (meta.get("classNames") instanceof List<?> names && (names.size() == m.outputShape()[0]
                    || names.size() == 2 && m.outputShape()[0] == 1)) {
                List<String> c = new ArrayList<>();
                names.forEach(n -> c.add(String.valueOf(n)));
                return new TablePredict(in, null, c);
            }
            return null;
        } catch (DataException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The rows of a CSV body, parsed. */
    CsvTable.Text rows(byte[] csv) {
        try {
            return CsvTable.readText(new BufferedReader(new InputStreamReader(new ByteArrayInputStream(csv),
                    StandardCharsets.UTF_8.newDecoder())), Path.of("the request body"), input.delimiter());
        } catch (IOException e) {
            throw new HttpError(400, e.getMessage() + "; this route takes CSV rows with a header for table models");
        }
    }

    /** The model's input for {@code t}: {@code (rows, features)}. */
    Tensor input(CsvTable.Text t) {
        try {
            return Tensor.wrap(input.features(t), t.size(), input.width());
        } catch (DataException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    /** {@code {"model_name", "rows": [{"line", "value"} or {"line", "class", "probability"}, ...]}}. */
    String answer(String model, CsvTable.Text t, Tensor y) {
        float[] o = y.data();
        int k = o.length / t.size();
        StringBuilder sb = new StringBuilder("{\"model_name\":").append(InferenceJson.quote(model)).append(",\"rows\":[");
        for (int r = 0; r < t.size(); r++) {
            sb.append(r == 0 ? "" : ",").append("{\"line\":").append(t.lines()[r]);
            if (target != null) {
                double v = target.invert(o[r], 0);
                if (!Double.isFinite(v)) {
                    throw new HttpError(422, "the model's value for line " + t.lines()[r] + " is " + v);
                }
                sb.append(",\"value\":").append(v);
            } else {
                int best = ClassScores.best(o, r * k, k);
                sb.append(",\"class\":").append(InferenceJson.quote(classes.get(best))).append(",\"probability\":")
                        .append(ClassScores.probabilities(o, r * k, k, classes.size())[best]);
            }
            sb.append('}');
        }
        return sb.append("]}").toString();
    }
}
