package dev.cnn.spark;

import dev.cnn.data.Standardizer;
import dev.cnn.nn.Model;
import dev.cnn.nn.losses.Loss;
import java.io.Serializable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

/**
 * How rows become a model's inputs and targets, read once from the model: sample shape and size, outputs
 * per sample, the pixel scale ({@code inputScale}, 1/255 when absent), the task, and a table model's
 * {@code featureScaler} / {@code targetScaler}. Shared by prediction, evaluation and training, so all three
 * read rows alike. Serializable: it travels in task closures.
 */
final class Encoding implements Serializable {
    private static final long serialVersionUID = 1L;
    final int[] shape;
    final int size;
    final int outputs;
    final double scale;
    final Loss.Task task;
    final Standardizer features;
    final Standardizer target;

    private Encoding(Model m) {
        this.shape = m.inputShape();
        this.size = product(shape);
        this.outputs = product(m.outputShape());
        this.scale = m.metadata().get("inputScale") instanceof Number n ? n.doubleValue() : 1.0 / 255;
        this.task = m.loss().task();
        this.features = scaler(m, "featureScaler", size);
        this.target = task == Loss.Task.REGRESSION ? scaler(m, "targetScaler", 1) : null;
    }

    static Encoding of(Model m) {
        return new Encoding(m);
    }

    private static int product(int[] shape) {
        int p = 1;
        for (int d : shape) {
            p *= d;
        }
        return p;
    }

    private static Standardizer scaler(Model m, String key, int columns) {
        Object saved = m.metadata().get(key);
        if (saved == null) {
            return null;
        }
        Standardizer s = Standardizer.fromMap(saved);
        if (s.columns() != columns) {
            throw new IllegalArgumentException("the model's '" + key + "' has " + s.columns() + " columns, its network "
                    + columns);
        }
        return s;
    }

    /** Writes row {@code row}'s input (column {@code col}) at {@code x[off..]}, standardised for a table model. */
    void input(Row row, int col, StructField field, float[] x, int off) {
        Inputs.fill(row, col, field, shape, size, scale, x, off);
        if (features != null) {
            for (int c = 0; c < size; c++) {
                x[off + c] = (float) ((x[off + c] - features.mean(c)) / features.std(c));
            }
        }
    }

    /**
     * Writes row {@code row}'s target at {@code y[off..]} ({@link #outputs} values) from its label column: the
     * class index (one-hot for several outputs), or the value, standardised with a table model's target scaling.
     */
    void target(Row row, int labelIndex, String labelCol, float[] y, int off) {
        if (row.isNullAt(labelIndex)) {
            throw new IllegalArgumentException("label column '" + labelCol + "' is null in a row");
        }
        double label = ((Number) row.get(labelIndex)).doubleValue();
        if (task == Loss.Task.REGRESSION) {
            y[off] = (float) (target == null ? label : (label - target.mean(0)) / target.std(0));
        } else if (outputs == 1) {
            y[off] = (float) label;
        } else {
            if (label != Math.rint(label) || label < 0 || label >= outputs) {
                throw new IllegalArgumentException("label column '" + labelCol + "' must hold class indices 0 to "
                        + (outputs - 1) + ", got " + label);
            }
            y[off + (int) label] = 1f;
        }
    }

    /** A regression value from the network's scale to the target's units. */
    double toTargetUnits(double v) {
        return target == null ? v : target.invert(v, 0);
    }
}
