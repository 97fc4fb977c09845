package dev.cnn.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * How the columns of a CSV table become a model's input features: a numeric column is one feature; a text
 * column is a category, one feature per category seen in training (one-hot, named {@code column=value}).
 * Empty cells are handled as {@link Missing} says. Fitted once on the training table, saved with the model
 * ({@link #toMap()}), and applied unchanged to the rows given to predict, where a category not seen in
 * training is an error naming the row, the column and the categories known. Immutable.
 */
public final class TableEncoding {
    /** What an empty cell means. */
    public enum Missing {
        /** An error naming the row and the column (the default). */
        ERROR,
        /** The row is left out of training (and is an error at predict time, where a row cannot be skipped). */
        DROP,
        /**
         * A numeric cell takes the column's training mean (so it standardises to 0) and a category cell none
         * of the categories (all of its one-hot features 0).
         */
        MEAN;

        /** {@code error}, {@code drop} or {@code mean}, in any case. */
        public static Missing parse(String s) {
            for (Missing m : values()) {
                if (m.name().equalsIgnoreCase(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("expected error, drop or mean, got '" + s + "'");
        }
    }

    /**
     * One source column: numeric when {@code categories} is empty, else a category column with its values in
     * order.
     *
     * @param name       the column's name in the CSV header
     * @param categories the categories seen in training, sorted; empty for a numeric column
     */
    public record Column(String name, List<String> categories) {
        /** Whether the column is a number. */
        public boolean numeric() {
            return categories.isEmpty();
        }

        /** How many features it becomes. */
        public int width() {
            return numeric() ? 1 : categories.size();
        }
    }

    /** A text column with more distinct values than this is refused: it is an identifier or free text, not a category. */
    public static final int MAX_CATEGORIES = 1000;

    private final List<Column> columns;
    private final Missing missing;

    /** An encoding of {@code columns}, with empty cells handled as {@code missing}. */
    public TableEncoding(List<Column> columns, Missing missing) {
        this.columns = List.copyOf(columns);
        this.missing = missing;
    }

    /** Every column numeric: what a model saved before category columns existed reads as. */
    public static TableEncoding numeric(List<String> names) {
        List<Column> c = new ArrayList<>();
        for (String n : names) {
            c.add(new Column(n, List.of()));
        }
        return new TableEncoding(c, Missing.ERROR);
    }

    /**
     * Fits to the cells of {@code names} in {@code table}: a column is numeric when every non-empty cell is a
     * finite number, else a category column with its distinct non-empty values (at most {@link #MAX_CATEGORIES}).
     */
    public static TableEncoding fit(CsvTable.Text table, List<String> names, Missing missing) throws DataException {
        int[] at = table.columns(names);
        List<Column> cols = new ArrayList<>();
        for (int c = 0; c < at.length; c++) {
            boolean numeric = true;
            for (String[] row : table.rows()) {
                String cell = row[at[c]];
                if (!cell.isEmpty() && !isNumber(cell)) {
                    numeric = false;
                    break;
                }
            }
            if (numeric) {
                cols.add(new Column(names.get(c), List.of()));
                continue;
            }
            TreeSet<String> distinct = new TreeSet<>();
            for (String[] row : table.rows()) {
                String cell = row[at[c]];
                if (!cell.isEmpty()) {
                    distinct.add(cell);
                }
                if (distinct.size() > MAX_CATEGORIES) {
                    throw new DataException(table.file() + ", column '" + names.get(c) + "': more than " + MAX_CATEGORIES
                            + " distinct text values, too many to be categories (an identifier or free text?); leave the "
                            + "column out of the file");
                }
            }
            cols.add(new Column(names.get(c), List.copyOf(distinct)));
        }
        return new TableEncoding(cols, missing);
    }

    /** The source columns, in order. */
    public List<Column> columns() {
        return columns;
    }

    /** What an empty cell means. */
    public Missing missing() {
        return missing;
    }

    /** The source columns' names. */
    public List<String> columnNames() {
        List<String> r = new ArrayList<>();
        for (Column c : columns) {
            r.add(c.name());
        }
        return r;
    }

    /** The features' names: a numeric column's own, {@code column=value} for each category. */
    public List<String> featureNames() {
        List<String> r = new ArrayList<>();
        for (Column c : columns) {
            if (c.numeric()) {
                r.add(c.name());
            } else {
                for (String v : c.categories()) {
                    r.add(c.name() + "=" + v);
                }
            }
        }
        return r;
    }

    /** Number of features. */
    public int width() {
        int w = 0;
        for (Column c : columns) {
            w += c.width();
        }
        return w;
    }

    /** Whether any column is a category column. */
    public boolean hasCategories() {
        return columns.stream().anyMatch(c -> !c.numeric());
    }

    /**
     * Encodes row {@code r} of {@code table}, whose columns sit at {@code at} (from {@link CsvTable.Text#columns}),
     * into {@code out[off .. off + width())}: a missing numeric cell is NaN under {@link Missing#MEAN} (for the
     * caller to replace by the training mean). Returns false for a row with an empty cell under
     * {@link Missing#DROP}.
     *
     * @throws DataException for an empty cell under {@link Missing#ERROR}, a numeric column's cell that is not a
     *                       number, or a category not seen in training, naming the row and the column
     */
    public boolean encode(CsvTable.Text table, int r, int[] at, float[] out, int off) throws DataException {
        String[] row = table.rows().get(r);
        int o = off;
        for (int c = 0; c < columns.size(); c++) {
            Column col = columns.get(c);
            String cell = row[at[c]];
            if (cell.isEmpty()) {
                switch (missing) {
                    case ERROR -> throw new DataException(table.file() + " " + table.where(r) + ", column '" + col.name()
                            + "': empty cell (train with --missing drop or --missing mean to allow them)");
                    case DROP -> {
                        return false;
                    }
                    default -> {
                        if (col.numeric()) {
                            out[o] = Float.NaN;
                        } else {
                            java.util.Arrays.fill(out, o, o + col.width(), 0f);
                        }
                        o += col.width();
                        continue;
                    }
                }
            }
            if (col.numeric()) {
                out[o++] = number(table, r, col.name(), cell);
            } else {
                int k = col.categories().indexOf(cell);
                if (k < 0) {
                    throw new DataException(table.file() + " " + table.where(r) + ", column '" + col.name()
                            + "': category '" + abbreviate(cell) + "' was not seen in training (known: "
                            + abbreviate(String.join(", ", col.categories())) + ")");
                }
                java.util.Arrays.fill(out, o, o + col.width(), 0f);
                out[o + k] = 1f;
                o += col.width();
            }
        }
        return true;
    }

    /** The saved form: {@code {"missing": "mean", "columns": [{"name": "a"}, {"name": "c", "categories": [...]}]}}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("missing", missing.name().toLowerCase(Locale.ROOT));
        List<Object> cols = new ArrayList<>();
        for (Column c : columns) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.name());
            if (!c.numeric()) {
                cm.put("categories", c.categories());
            }
            cols.add(cm);
        }
        m.put("columns", cols);
        return m;
    }

    /** Reads {@link #toMap()}'s form back; anything else is an {@link IllegalArgumentException} saying what. */
    public static TableEncoding fromMap(Object map) {
        if (!(map instanceof Map<?, ?> m) || !(m.get("columns") instanceof List<?> cols) || cols.isEmpty()) {
            throw new IllegalArgumentException("a table encoding must be an object with a non-empty 'columns' list");
        }
        Missing missing = Missing.parse(String.valueOf(m.get("missing") == null ? "error" : m.get("missing")));
        List<Column> r = new ArrayList<>();
        for (Object o : cols) {
            if (!(o instanceof Map<?, ?> cm) || !(cm.get("name") instanceof String name) || name.isEmpty()) {
                throw new IllegalArgumentException("each column must be an object with a non-empty 'name'");
            }
            List<String> cats = new ArrayList<>();
            if (cm.get("categories") instanceof List<?> l) {
                for (Object v : l) {
                    if (!(v instanceof String sv)) {
                        throw new IllegalArgumentException("column '" + name + "': categories must be strings");
                    }
                    cats.add(sv);
                }
                if (cats.isEmpty() || cats.size() > MAX_CATEGORIES) {
                    throw new IllegalArgumentException("column '" + name + "': 1 to " + MAX_CATEGORIES + " categories, got "
                            + cats.size());
                }
            } else if (cm.get("categories") != null) {
                throw new IllegalArgumentException("column '" + name + "': 'categories' must be a list");
            }
            r.add(new Column(name, cats));
        }
        return new TableEncoding(r, missing);
    }

    static boolean isNumber(String cell) {
        try {
            return Float.isFinite(Float.parseFloat(cell));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static float number(CsvTable.Text table, int r, String column, String cell) throws DataException {
        if (!isNumber(cell)) {
            throw new DataException(table.file() + " " + table.where(r) + ", column '" + column + "': '"
                    + abbreviate(cell) + "' is not a finite number (the column was numeric in training)");
        }
        return Float.parseFloat(cell);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
