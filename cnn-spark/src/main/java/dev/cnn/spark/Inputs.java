package dev.cnn.spark;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How a column becomes model inputs: raw uint8 pixels ({@code binary}, scaled by the model's
 * {@code inputScale}) or numbers ({@code array<float>} / {@code array<double>}, taken as they are).
 */
final class Inputs {
    private Inputs() {
    }

    /** The index of {@code column} in {@code schema}, checked to be binary or an array of float or double. */
    static int column(StructType schema, String column) {
        int i;
        try {
            i = schema.fieldIndex(column);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no column '" + column + "' (columns: " + List.of(schema.fieldNames()) + ")");
        }
        DataType t = schema.fields()[i].dataType();
        boolean ok = t instanceof BinaryType || t instanceof ArrayType a
                && (a.elementType() instanceof FloatType || a.elementType() instanceof DoubleType);
        if (!ok) {
            throw new IllegalArgumentException("column '" + column + "' has type " + t.simpleString()
                    + "; expected binary (raw uint8 pixels) or array<float> / array<double> (features)");
        }
        return i;
    }

    /** Copies the input of {@code row} into {@code x} at {@code off} ({@code size} values). */
    static void fill(Row row, int col, StructField field, int size, double scale, float[] x, int off) {
        if (row.isNullAt(col)) {
            throw new IllegalArgumentException("column '" + field.name() + "' is null in a row");
        }
        if (field.dataType() instanceof BinaryType) {
            byte[] b = (byte[]) row.get(col);
            check(field, b.length, size);
            for (int k = 0; k < size; k++) {
                x[off + k] = (float) ((b[k] & 0xff) * scale);
            }
            return;
        }
        List<Object> values = row.getList(col);
        check(field, values.size(), size);
        for (int k = 0; k < size; k++) {
            Object v = values.get(k);
            if (v == null) {
                throw new IllegalArgumentException("column '" + field.name() + "' holds a null at element " + k);
            }
            x[off + k] = ((Number) v).floatValue();
        }
    }

    private static void check(StructField field, int found, int expected) {
        if (found != expected) {
            throw new IllegalArgumentException("column '" + field.name() + "': the model takes " + expected
                    + " values per row, a row has " + found);
        }
    }
}
