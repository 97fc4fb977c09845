package dev.cnn.app;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * The JSON the command line prints and writes: strict JSON that any parser reads, so a value that is not a
 * finite number (the precision of a class never predicted, a validation loss without validation data) is
 * {@code null}, and a key whose value is null is kept rather than dropped.
 */
final class Json {
    /** One line, for {@code --json} on standard output. */
    static final Gson LINE = builder().create();
    /** Indented, for the files a run leaves. */
    static final Gson PRETTY = builder().setPrettyPrinting().create();

    private Json() {
    }

    private static GsonBuilder builder() {
        TypeAdapter<Number> finiteOrNull = new TypeAdapter<>() {
            @Override
            public void write(JsonWriter out, Number v) throws IOException {
                if (v == null || !Double.isFinite(v.doubleValue())) {
                    out.nullValue();
                } else {
                    out.value(v);
                }
            }

            @Override
            public Number read(JsonReader in) {
                throw new UnsupportedOperationException("written only");
            }
        };
        return new GsonBuilder().serializeNulls().disableHtmlEscaping()
                .registerTypeAdapter(Double.class, finiteOrNull).registerTypeAdapter(double.class, finiteOrNull)
                .registerTypeAdapter(Float.class, finiteOrNull).registerTypeAdapter(float.class, finiteOrNull);
    }
}
