package dev.cnn.spark;

import dev.cnn.data.ImageFolder;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How a column becomes model inputs: raw uint8 pixels ({@code binary}, NHWC, scaled by the model's
 * {@code inputScale}), numbers ({@code array<float>} / {@code array<double>}, taken as they are), or the
 * image struct of Spark's image data source ({@code spark.read().format("image")}: {@code origin},
 * {@code height}, {@code width}, {@code nChannels}, {@code mode}, {@code data} with 8-bit pixels row by row
 * in BGR / BGRA order), turned into the pixels {@code cnn}'s {@code ImageFolder} gives for the same file.
 */
final class Inputs {
    /** The fields of Spark's image struct this class reads. */
    private static final List<String> IMAGE_FIELDS = List.of("origin", "height", "width", "nChannels", "mode", "data");

    private Inputs() {
    }

    /**
     * The index of {@code column} in {@code schema}, checked to be binary, an array of float or double, or
     * Spark's image struct.
     */
    static int column(StructType schema, String column) {
        int i;
        try {
            i = schema.fieldIndex(column);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no column '" + column + "' (columns: " + List.of(schema.fieldNames()) + ")");
        }
        DataType t = schema.fields()[i].dataType();
        boolean ok = t instanceof BinaryType || isImage(t) || t instanceof ArrayType a
                && (a.elementType() instanceof FloatType || a.elementType() instanceof DoubleType);
        if (!ok) {
            throw new IllegalArgumentException("column '" + column + "' has type " + t.simpleString()
                    + "; expected binary (raw uint8 pixels), array<float> / array<double> (features) or the image "
                    + "struct of spark.read().format(\"image\") (" + IMAGE_FIELDS + ")");
        }
        return i;
    }

    /** Whether {@code t} is the struct Spark's image data source writes. */
    static boolean isImage(DataType t) {
        if (!(t instanceof StructType s)) {
            return false;
        }
        for (String name : IMAGE_FIELDS) {
            if (s.getFieldIndex(name).isEmpty()) {
                return false;
            }
        }
        return s.apply("origin").dataType() instanceof StringType && s.apply("data").dataType() instanceof BinaryType
                && s.apply("height").dataType() instanceof IntegerType && s.apply("width").dataType() instanceof IntegerType
                && s.apply("nChannels").dataType() instanceof IntegerType && s.apply("mode").dataType() instanceof IntegerType;
    }

    /**
     * Copies the input of {@code row} into {@code x} at {@code off}: {@code size} values for a sample of
     * {@code shape} (without the batch dimension), pixels multiplied by {@code scale}.
     */
    static void fill(Row row, int col, StructField field, int[] shape, int size, double scale, float[] x, int off) {
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
        if (field.dataType() instanceof StructType image) {
            image(row.getStruct(col), image, field.name(), shape, scale, x, off);
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

    /**
     * One image of Spark's image data source as a {@code (h, w, c)} sample. The rule is {@code ImageFolder}'s:
     * a grayscale image is taken as stored (copied into every channel of an RGB model); a colour image gives
     * red, green, blue (alpha dropped), or for a one-channel model {@link ImageFolder#gray}. Images of another
     * size than the model's are refused, not resized.
     */
    private static void image(Row im, StructType type, String column, int[] shape, double scale, float[] x, int off) {
        String origin = im.isNullAt(type.fieldIndex("origin")) ? "(no origin)" : im.getString(type.fieldIndex("origin"));
        if (shape.length != 3 || (shape[2] != 1 && shape[2] != 3)) {
            throw new IllegalArgumentException("column '" + column + "' holds images, but the model takes inputs of shape "
                    + Arrays.toString(shape) + ", not (height, width, 1 or 3 channels)");
        }
        int h = intField(im, type, "height", column, origin);
        int w = intField(im, type, "width", column, origin);
        int c = intField(im, type, "nChannels", column, origin);
        int mode = intField(im, type, "mode", column, origin);
        byte[] d = im.isNullAt(type.fieldIndex("data")) ? null : (byte[]) im.get(type.fieldIndex("data"));
        if (h < 0 || w < 0 || c < 0 || d == null || d.length == 0) {
            throw new IllegalArgumentException("column '" + column + "': the image " + origin + " could not be decoded "
                    + "by Spark (an invalid image row); read with .option(\"dropInvalid\", true) to leave such files out");
        }
        int expectedMode = c == 1 ? 0 : c == 3 ? 16 : c == 4 ? 24 : -1;
        if (mode != expectedMode) {
            throw new IllegalArgumentException("column '" + column + "': the image " + origin + " has " + c
                    + " channels of OpenCV type " + mode + "; expected 8-bit pixels with 1, 3 or 4 channels (types 0, 16, 24)");
        }
        if (h != shape[0] || w != shape[1]) {
            throw new IllegalArgumentException("column '" + column + "': the image " + origin + " is " + h + "x" + w
                    + " (height x width), the model takes " + shape[0] + "x" + shape[1] + "; images are not resized");
        }
        if (d.length != (long) h * w * c) {
            throw new IllegalArgumentException("column '" + column + "': the image " + origin + " has " + d.length
                    + " bytes of data, " + h + "x" + w + "x" + c + " = " + (long) h * w * c + " expected");
        }
        int channels = shape[2];
        int o = off;
        for (int p = 0; p < h * w; p++) {
            int k = p * c;
            if (c == 1) {
                float v = (float) ((d[k] & 0xff) * scale);
                for (int ch = 0; ch < channels; ch++) {
                    x[o++] = v;
                }
                continue;
            }
            int blue = d[k] & 0xff;
            int green = d[k + 1] & 0xff;
            int red = d[k + 2] & 0xff;
            if (channels == 1) {
                x[o++] = (float) (ImageFolder.gray(red, green, blue) * scale);
            } else {
                x[o++] = (float) (red * scale);
                x[o++] = (float) (green * scale);
                x[o++] = (float) (blue * scale);
            }
        }
    }

    private static int intField(Row im, StructType type, String name, String column, String origin) {
        int i = type.fieldIndex(name);
        if (im.isNullAt(i)) {
            throw new IllegalArgumentException("column '" + column + "': the image " + origin + " has no " + name);
        }
        return im.getInt(i);
    }

    private static void check(StructField field, int found, int expected) {
        if (found != expected) {
            throw new IllegalArgumentException("column '" + field.name() + "': the model takes " + expected
                    + " values per row, a row has " + found);
        }
    }
}
