package dev.cnn.data;

import java.util.List;
import java.util.Map;

/**
 * How a table model that cnn trained reads CSV rows, from what its metadata holds: the column {@code encoding}
 * (or, in older files, the numeric {@code features}), the {@code delimiter} and the {@code featureScaler}. Used
 * by {@code cnn predict} and by the server's {@code /predict} route, so that both turn a row into the same
 * inputs.
 */
public final class TableInput {
    private final TableEncoding encoding;
    private final char delimiter;
    private final Standardizer features;

    private TableInput(TableEncoding encoding, char delimiter, Standardizer features) {
        this.encoding = encoding;
        this.delimiter = delimiter;
        this.features = features;
    }

    /**
     * The reading of CSV rows that {@code metadata} describes; a {@link DataException} naming the key that is
     * missing or malformed.
     */
    public static TableInput of(Map<String, Object> metadata) throws DataException {
        TableEncoding enc = encoding(metadata);
        Standardizer fx;
        try {
            fx = Standardizer.fromMap(metadata.get("featureScaler"));
        } catch (IllegalArgumentException e) {
            throw new DataException("the model's metadata 'featureScaler': " + e.getMessage());
        }
        if (fx.columns() != enc.width()) {
            throw new DataException("the model's metadata 'featureScaler' has " + fx.columns() + " columns but its "
                    + "encoding gives " + enc.width() + " features");
        }
        return new TableInput(enc, delimiter(metadata), fx);
    }

    /** The column encoding in {@code metadata}: its 'encoding', or (older files) every 'features' name numeric. */
    @SuppressWarnings("unchecked")
    public static TableEncoding encoding(Map<String, Object> metadata) throws DataException {
        Object e = metadata.get("encoding");
        if (e == null) {
            if (!(metadata.get("features") instanceof List<?> names) || names.isEmpty()) {
                throw new DataException("the model's metadata has no 'encoding' or 'features': it is not a table model");
            }
            return TableEncoding.numeric((List<String>) names);
        }
        try {
            return TableEncoding.fromMap(e);
        } catch (IllegalArgumentException ex) {
            throw new DataException("the model's metadata 'encoding': " + ex.getMessage());
        }
    }

    /** The CSV delimiter in {@code metadata} ({@code ','} unless it says otherwise). */
    public static char delimiter(Map<String, Object> metadata) {
        return metadata.get("delimiter") instanceof String d && d.length() == 1 ? d.charAt(0) : ',';
    }

    /** The delimiter the rows are read with. */
    public char delimiter() {
        return delimiter;
    }

    /** Features per row: the model's input width. */
    public int width() {
        return encoding.width();
    }

    /**
     * The feature rows of {@code t}, encoded and standardised as in training, {@code rows x width()}; a missing
     * cell is an error naming it unless the model was trained with {@code --missing mean} (then the training
     * mean). A row to predict cannot be left out, so {@code --missing drop} is an error here too.
     */
    public float[] features(CsvTable.Text t) throws DataException {
        return features(t, encoding, features);
    }

    /** {@link #features(CsvTable.Text)} with the encoding and standardisation given. */
    public static float[] features(CsvTable.Text t, TableEncoding enc, Standardizer fx) throws DataException {
        TableEncoding strict = enc.missing() == TableEncoding.Missing.DROP
                ? new TableEncoding(enc.columns(), TableEncoding.Missing.ERROR) : enc;
        int[] at = t.columns(enc.columnNames());
        int k = enc.width();
        float[] x = new float[Math.multiplyExact(t.size(), k)];
        for (int r = 0; r < t.size(); r++) {
            strict.encode(t, r, at, x, r * k);
        }
        return meanForMissing(fx.apply(x));
    }

    /** Standardised features with NaN for missing cells: each NaN becomes 0, the training mean. */
    public static float[] meanForMissing(float[] standardized) {
        for (int i = 0; i < standardized.length; i++) {
            if (Float.isNaN(standardized[i])) {
                standardized[i] = 0;
            }
        }
        return standardized;
    }
}
