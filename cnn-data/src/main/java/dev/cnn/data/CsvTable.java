package dev.cnn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A numeric table read from a CSV file with a header row (names may be quoted), read with Apache
 * Commons CSV. Features and target are chosen by column name; by default every column but the last
 * is a feature and the last is the target. Any missing, empty or non-numeric cell is an error that
 * names the file, the line and the column.
 *
 * @param featureNames the feature columns, in order
 * @param targetName   the target column
 * @param features     {@code rows x featureNames.size()} values, row-major
 * @param target       {@code rows} values
 */
public record CsvTable(List<String> featureNames, String targetName, float[] features, float[] target) {

    /** Number of data rows. */
    public int rows() {
        return target.length;
    }

    /** Number of feature columns. */
    public int columns() {
        return featureNames.size();
    }

    /** Reads with the default columns: all but the last as features, the last as the target. */
    public static CsvTable read(Path file) throws IOException {
        return read(file, null, null);
    }

    /**
     * Reads {@code file}; {@code featureColumns} null means every column except the target,
     * {@code targetColumn} null means the last column.
     */
    public static CsvTable read(Path file, List<String> featureColumns, String targetColumn) throws IOException {
        return (CsvTable) read(file, featureColumns, targetColumn, false);
    }

    /**
     * A table whose target is a class label: numeric features as in {@link CsvTable}, and per row the target
     * cell's text (trimmed; an integral number in its plain form, {@code "2.0"} as {@code "2"}).
     *
     * @param featureNames the feature columns, in order
     * @param targetName   the label column
     * @param features     {@code rows x featureNames.size()} values, row-major
     * @param labels       one label per row
     */
    public record Labelled(List<String> featureNames, String targetName, float[] features, List<String> labels) {
        /** Number of data rows. */
        public int rows() {
            return labels.size();
        }
    }

    /**
     * Reads {@code file} with the target column as class labels (any text, or integers); {@code featureColumns}
     * null means every column except the target, {@code targetColumn} null means the last column. An empty
     * label is an error naming the line.
     */
    public static Labelled readLabelled(Path file, List<String> featureColumns, String targetColumn) throws IOException {
        return (Labelled) read(file, featureColumns, targetColumn, true);
    }

    /** A label as it is saved and compared: trimmed, and an integral number in its plain form ("2.0" is "2"). */
    public static String canonicalLabel(String cell) {
        String t = cell.trim();
        try {
            double v = Double.parseDouble(t);
            if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                return Long.toString((long) v);
            }
        } catch (NumberFormatException e) {
            // text: kept as it is
        }
        return t;
    }

    private static Object read(Path file, List<String> featureColumns, String targetColumn, boolean labels)
            throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreEmptyLines(true).get();
        try (Reader reader = withoutByteOrderMark(Files.newBufferedReader(file, StandardCharsets.UTF_8));
             CSVParser parser = CSVParser.parse(reader, format)) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty()) {
                throw new DataException(file + ": no header row (expected column names on the first line)");
            }
            String target = targetColumn != null ? targetColumn : header.get(header.size() - 1);
            int targetIndex = indexOf(file, header, target);
            List<String> features = featureColumns;
            if (features == null) {
                features = new ArrayList<>(header);
                features.remove(targetIndex);
            }
            if (features.isEmpty()) {
                throw new DataException(file + ": no feature columns");
            }
            int[] featureIndex = new int[features.size()];
            for (int i = 0; i < featureIndex.length; i++) {
                featureIndex[i] = indexOf(file, header, features.get(i));
            }
            FloatList x = new FloatList();
            FloatList y = new FloatList();
            List<String> texts = new ArrayList<>();
            try {
                for (CSVRecord rec : parser) {
                    long line = parser.getCurrentLineNumber();
                    if (rec.size() != header.size()) {
                        throw new DataException(file + " line " + line + ": expected " + header.size()
                                + " cells (as in the header) but found " + rec.size());
                    }
                    for (int i = 0; i < featureIndex.length; i++) {
                        x.add(number(file, line, header.get(featureIndex[i]), rec.get(featureIndex[i])));
                    }
                    if (labels) {
                        String cell = rec.get(targetIndex);
                        if (cell == null || cell.isBlank()) {
                            throw new DataException(file + " line " + line + " column '" + target + "': empty class label");
                        }
                        texts.add(canonicalLabel(cell));
                    } else {
                        y.add(number(file, line, target, rec.get(targetIndex)));
                    }
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new DataException(file + " line " + parser.getCurrentLineNumber() + ": malformed CSV: "
                        + cause.getMessage(), e);
            }
            if (y.size == 0 && texts.isEmpty()) {
                throw new DataException(file + ": no data rows after the header");
            }
            return labels ? new Labelled(List.copyOf(features), target, x.toArray(), List.copyOf(texts))
                    : new CsvTable(List.copyOf(features), target, x.toArray(), y.toArray());
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            throw new DataException(file + ": malformed CSV header: " + e.getMessage(), e);
        } catch (CharacterCodingException e) {
            throw new DataException(file + ": not UTF-8 text (" + e + ")", e);
        } catch (IOException e) {
            if (e instanceof DataException || e instanceof FileSystemException) {
                throw e;
            }
            throw new DataException(file + ": malformed CSV: " + e.getMessage(), e);
        }
    }

    /** The reader past a UTF-8 byte-order mark (as Excel writes), if there is one. */
    private static Reader withoutByteOrderMark(BufferedReader r) throws IOException {
        r.mark(1);
        if (r.read() != '\uFEFF') {
            r.reset();
        }
        return r;
    }

    private static int indexOf(Path file, List<String> header, String name) throws DataException {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new DataException(file + ": no column named '" + name + "'; the columns are " + header);
        }
        return i;
    }

    private static float number(Path file, long line, String column, String cell) throws DataException {
        if (cell == null || cell.isEmpty()) {
            throw new DataException(file + " line " + line + " column '" + column + "': empty cell");
        }
        try {
            float v = Float.parseFloat(cell);
            if (!Float.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DataException(file + " line " + line + " column '" + column + "': '" + cell + "' is not a finite number");
        }
    }

    /** A growable float array. */
    private static final class FloatList {
        private float[] a = new float[1024];
        private int size;

        void add(float v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
