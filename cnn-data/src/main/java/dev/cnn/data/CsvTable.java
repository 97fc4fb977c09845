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
import java.util.Map;
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
        requireRegularFile(file);
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreEmptyLines(true).get();
        try (Reader reader = withoutByteOrderMark(Files.newBufferedReader(file, StandardCharsets.UTF_8));
             CSVParser parser = CSVParser.parse(reader, format)) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty()) {
                throw new DataException(file + ": no header row (expected column names on the first line)");
            }
            String target = targetColumn != null ? targetColumn : header.get(header.size() - 1);
            Map<String, Integer> positions = positions(header);
            int targetIndex = indexOf(file, positions, target);
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
                featureIndex[i] = indexOf(file, positions, features.get(i));
            }
            FloatList x = new FloatList();
            FloatList y = new FloatList();
            try {
                for (CSVRecord rec : parser) {
                    String line = where(rec.getRecordNumber(), parser.getCurrentLineNumber());
                    if (rec.size() != header.size()) {
                        throw new DataException(file + " " + line + ": expected " + header.size()
                                + " cells (as in the header) but found " + rec.size());
                    }
                    for (int i = 0; i < featureIndex.length; i++) {
                        x.add(number(file, line, header.get(featureIndex[i]), rec.get(featureIndex[i])));
                    }
                    y.add(number(file, line, target, rec.get(targetIndex)));
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new DataException(file + " line " + parser.getCurrentLineNumber() + ": malformed CSV: "
                        + cause.getMessage(), e);
            }
            if (y.size == 0) {
                throw new DataException(file + ": no data rows after the header");
            }
            return new CsvTable(List.copyOf(features), target, x.toArray(), y.toArray());
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            throw new DataException(file + ": malformed CSV header: " + e.getMessage(), e);
        } catch (CharacterCodingException e) {
            throw new DataException(file + ": not UTF-8 text (it holds bytes that UTF-8 does not allow); save it as "
                    + "UTF-8 (in Excel: CSV UTF-8)", e);
        } catch (IOException e) {
            if (e instanceof DataException || e instanceof FileSystemException) {
                throw e;
            }
            throw new DataException(file + ": malformed CSV: " + e.getMessage(), e);
        }
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

    /**
     * Where data record {@code record} (1 is the first after the header) ends: "line L" when it is line
     * {@code record + 1}, else "record N (line L)".
     */
    static String where(long record, long line) {
        return line == record + 1 ? "line " + line : "record " + record + " (line " + line + ")";
    }

    /** A device (/dev/zero) would be read without end and a FIFO would wait for a writer: refused by type. */
    private static void requireRegularFile(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new DataException(file + ": a directory, not a CSV file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new DataException(file + ": not a regular file (a device, a pipe or a socket), so not a CSV file");
        }
        // a table is held in memory as text first: about 4 bytes per byte of the file (UTF-16 and the cells'
        // objects); a file that cannot fit is refused from its size, not after minutes of reading into an OOM
        long size = Files.exists(file) ? Files.size(file) : 0;
        long heap = Runtime.getRuntime().maxMemory();
        if (size > heap / 4) {
            throw new DataException(String.format(java.util.Locale.ROOT, "%s is %,d MB; reading it takes about %,d MB "
                    + "of memory, more than this JVM's %,d MB (-Xmx; for the cnn command, CNN_JAVA_OPTS=-Xmx...)", file,
                    size >> 20, 4 * size >> 20, heap >> 20));
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

    private static int indexOf(Path file, Map<String, Integer> header, String name) throws DataException {
        Integer i = header.get(name);
        if (i == null) {
            throw new DataException(file + ": no column named '" + name + "'; the columns are " + columnsText(header.keySet()));
        }
        return i;
    }

    /** The first occurrence of each name, for lookups in constant time (a header may have 10^6 columns). */
    private static Map<String, Integer> positions(List<String> header) {
        Map<String, Integer> m = new java.util.LinkedHashMap<>(header.size() * 2);
        for (int i = 0; i < header.size(); i++) {
            m.putIfAbsent(header.get(i), i);
        }
        return m;
    }

    /** A header for a message: every name when there are few, else the first ten and how many there are. */
    static String columnsText(java.util.Collection<String> names) {
        if (names.size() <= 20) {
            return String.valueOf(new ArrayList<>(names));
        }
        List<String> first = new ArrayList<>(names).subList(0, 10);
        return first + " ... (" + names.size() + " columns)";
    }

    /**
     * Every cell of a CSV file as text (trimmed), with its header: what {@link TableEncoding} turns into numbers.
     *
     * @param file   where it was read from, for messages
     * @param header the column names, in order
     * @param rows   the records, each with one cell per header column
     * @param lines  per record, the line of the file it ends on (1 is the header)
     */
    public record Text(Path file, List<String> header, List<String[]> rows, long[] lines) {
        /** Number of records. */
        public int size() {
            return rows.size();
        }

        /** The position of column {@code name}, or a {@link DataException} naming the file and the columns it has. */
        public int column(String name) throws DataException {
            return indexOf(file, positions(header), name);
        }

        /** The positions of {@code names}, each looked up in constant time. */
        public int[] columns(List<String> names) throws DataException {
            Map<String, Integer> pos = positions(header);
            int[] r = new int[names.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = indexOf(file, pos, names.get(i));
            }
            return r;
        }

        /** "line 14", or "record 12 (line 14)" when quoted line breaks or blank lines made them differ: for messages. */
        public String where(int row) {
            return CsvTable.where(row + 1, lines[row]);
        }
    }

    /**
     * Reads every cell of {@code file} as text, separated by {@code delimiter} ({@code ','}, {@code ';'},
     * {@code '\t'}...), with a header row; a UTF-8 byte-order mark is skipped, and a record with another number
     * of cells than the header is an error naming its line.
     */
    public static Text readText(Path file, char delimiter) throws IOException {
        requireRegularFile(file);
        return readText(Files.newBufferedReader(file, StandardCharsets.UTF_8), file, delimiter);
    }

    /**
     * {@link #readText(Path, char)} for CSV text from elsewhere (a request body, say), read to its end and
     * closed; {@code name} stands for it in errors and in {@link Text#file()}.
     */
    public static Text readText(BufferedReader text, Path name, char delimiter) throws IOException {
        Path file = name;
        CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setHeader().setSkipHeaderRecord(true)
                .setTrim(true).setIgnoreEmptyLines(true).setAllowDuplicateHeaderNames(false).get();
        try (Reader reader = withoutByteOrderMark(text);
             CSVParser parser = CSVParser.parse(reader, format)) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty()) {
                throw new DataException(file + ": no header row (expected column names on the first line)");
            }
            List<String[]> rows = new ArrayList<>();
            LongList lines = new LongList();
            try {
                for (CSVRecord rec : parser) {
                    if (rec.size() != header.size()) {
                        throw new DataException(file + " " + where(rec.getRecordNumber(), parser.getCurrentLineNumber())
                                + ": expected " + header.size()
                                + " cells (as in the header) but found " + rec.size()
                                + (header.size() == 1 && delimiter == ',' ? "; is the file separated by something else "
                                + "than commas (--delimiter)?" : ""));
                    }
                    rows.add(rec.values());
                    lines.add(parser.getCurrentLineNumber());
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new DataException(file + " line " + parser.getCurrentLineNumber() + ": malformed CSV: "
                        + cause.getMessage(), e);
            }
            if (rows.isEmpty()) {
                throw new DataException(file + ": no data rows after the header");
            }
            return new Text(file, List.copyOf(header), rows, lines.toArray());
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            throw new DataException(file + ": malformed CSV header: " + e.getMessage(), e);
        } catch (CharacterCodingException e) {
            throw new DataException(file + ": not UTF-8 text (it holds bytes that UTF-8 does not allow); save it as "
                    + "UTF-8 (in Excel: CSV UTF-8)", e);
        }
    }

    private static final class LongList {
        private long[] a = new long[1024];
        private int size;

        void add(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    private static float number(Path file, String line, String column, String cell) throws DataException {
        if (cell == null || cell.isEmpty()) {
            throw new DataException(file + " " + line + " column '" + column + "': empty cell");
        }
        try {
            float v = Float.parseFloat(cell);
            if (!Float.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DataException(file + " " + line + " column '" + column + "': '" + cell + "' is not a finite number");
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
