package dev.cnn.serve;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import dev.cnn.core.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Open Inference Protocol's JSON for one model: an inference request's single input tensor read into a
 * batch {@code (n, sample...)}, streamed (no tree of boxed numbers), and the response written. Every refusal is
 * an {@link HttpError} 400 naming the field and what was expected.
 */
final class InferenceJson {
    private InferenceJson() {
    }

    /** A decoded request: its {@code id} (null when absent) and the batch. */
    /**
     * A decoded request: its {@code id} (null when absent), the batch, and whether the output is asked for as
     * binary data (the binary tensor data extension).
     */
    record Request(String id, Tensor x, boolean binaryOutput) {
    }

    /**
     * Reads {@code {"id": ..., "inputs": [{"name", "shape", "datatype", "data"}], "outputs": [...]}}.
     *
     * @param sample the model's input shape without the batch axis
     * @param inputName the name the input must have
     * @param outputName the only output a request may ask for
     * @param uint8Scale the factor from UINT8 values to the model's inputs (its pixel scale), NaN when the model
     *     takes FP32 only
     */
    static Request read(Reader in, int[] sample, String inputName, String outputName, double uint8Scale) {
        return read(in, null, sample, inputName, outputName, uint8Scale);
    }

    /**
     * As {@link #read(Reader, int[], String, String, double)}, with the bytes after the JSON object when the
     * request uses the binary tensor data extension ({@code Inference-Header-Content-Length}): an input with
     * {@code "parameters": {"binary_data_size": B}} and no {@code data} takes its B bytes from {@code binary}
     * (little-endian, row-major), which must hold exactly those. Null: the request is JSON alone.
     */
    static Request read(Reader in, java.nio.ByteBuffer binary, int[] sample, String inputName, String outputName,
                        double uint8Scale) {
        JsonReader r = new JsonReader(in);
        r.setStrictness(Strictness.STRICT);
        try {
            String id = null;
            Tensor x = null;
            boolean sawInputs = false;
            boolean binaryOut = false;
            expect(r, JsonToken.BEGIN_OBJECT, "the request");
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                switch (key) {
                    case "id" -> {
                        expect(r, JsonToken.STRING, "'id'");
                        id = r.nextString();
                    }
                    case "inputs" -> {
                        expect(r, JsonToken.BEGIN_ARRAY, "'inputs'");
                        r.beginArray();
                        int n = 0;
                        while (r.hasNext()) {
                            if (n++ > 0) {
                                throw new HttpError(400, "'inputs' holds more than one tensor; the model takes one, '"
                                        + inputName + "'");
                            }
                            x = input(r, binary, sample, inputName, uint8Scale);
                        }
                        r.endArray();
                        sawInputs = true;
                    }
                    case "outputs" -> binaryOut |= outputs(r, outputName);
                    case "parameters" -> binaryOut |= flag(r, "binary_data_output");
                    default -> r.skipValue(); // extensions
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new HttpError(400, "malformed JSON: more after the request's object");
            }
            if (!sawInputs || x == null) {
                throw new HttpError(400, "the request has no 'inputs' tensor; expected {\"inputs\": [{\"name\": \""
                        + inputName + "\", \"shape\": " + batchShape(sample) + ", \"datatype\": \"FP32\", \"data\": "
                        + "[...]}]}");
            }
            if (binary != null && binary.hasRemaining()) {
                throw new HttpError(400, "the body holds " + binary.remaining() + " bytes after the inputs' binary "
                        + "data; Inference-Header-Content-Length and the binary_data_size parameters disagree");
            }
            return new Request(id, x, binaryOut);
        } catch (MalformedJsonException | EOFException | IllegalStateException | NumberFormatException e) {
            throw new HttpError(400, "malformed JSON: " + message(e));
        } catch (IOException e) {
            throw new HttpError(400, "the request body could not be read: " + e.getMessage());
        }
    }

    private static String message(Exception e) {
        String m = e.getMessage();
        if (m == null) {
            return e instanceof EOFException ? "the body ends inside the request" : e.getClass().getSimpleName();
        }
        int see = m.indexOf("\nSee ");
        return see >= 0 ? m.substring(0, see) : m;
    }

    private static void expect(JsonReader r, JsonToken t, String what) throws IOException {
        JsonToken got = r.peek();
        if (got != t) {
            throw new HttpError(400, what + " must be " + describe(t) + ", got " + describe(got) + " at "
                    + r.getPath());
        }
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case BEGIN_OBJECT -> "an object";
            case BEGIN_ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "true or false";
            case NULL -> "null";
            case END_DOCUMENT -> "the end of the body";
            default -> t.toString();
        };
    }

    /** Checks the requested outputs; true when one asks for binary data. */
    private static boolean outputs(JsonReader r, String outputName) throws IOException {
        expect(r, JsonToken.BEGIN_ARRAY, "'outputs'");
        r.beginArray();
        boolean binary = false;
        while (r.hasNext()) {
            expect(r, JsonToken.BEGIN_OBJECT, "each of 'outputs'");
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (key.equals("name")) {
                    expect(r, JsonToken.STRING, "an output's 'name'");
                    String name = r.nextString();
                    if (!name.equals(outputName)) {
                        throw new HttpError(400, "no output '" + name + "'; the model's output is '" + outputName + "'");
                    }
                } else if (key.equals("parameters")) {
                    binary |= flag(r, "binary_data");
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
        }
        r.endArray();
        return binary;
    }

    /** Reads a {@code parameters} object; true when it holds {@code name: true}. */
    private static boolean flag(JsonReader r, String name) throws IOException {
        expect(r, JsonToken.BEGIN_OBJECT, "'parameters'");
        r.beginObject();
        boolean on = false;
        while (r.hasNext()) {
            if (r.nextName().equals(name)) {
                expect(r, JsonToken.BOOLEAN, "parameter '" + name + "'");
                on = r.nextBoolean();
            } else {
                r.skipValue();
            }
        }
        r.endObject();
        return on;
    }

    /** An input's {@code parameters}: its {@code binary_data_size}, or -1 without one. */
    private static long binarySize(JsonReader r) throws IOException {
        expect(r, JsonToken.BEGIN_OBJECT, "the input's 'parameters'");
        r.beginObject();
        long size = -1;
        while (r.hasNext()) {
            if (r.nextName().equals("binary_data_size")) {
                expect(r, JsonToken.NUMBER, "parameter 'binary_data_size'");
                String v = r.nextString();
                try {
                    size = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new HttpError(400, "'binary_data_size' must be a whole number of bytes, got " + v);
                }
                if (size < 0) {
                    throw new HttpError(400, "'binary_data_size' must be >= 0, got " + size);
                }
            } else {
                r.skipValue();
            }
        }
        r.endObject();
        return size;
    }

    private static Tensor input(JsonReader r, java.nio.ByteBuffer binary, int[] sample, String inputName,
                                double uint8Scale) throws IOException {
        expect(r, JsonToken.BEGIN_OBJECT, "each of 'inputs'");
        r.beginObject();
        String name = null;
        String datatype = null;
        long[] shape = null;
        Floats data = null;
        long binarySize = -1;
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "name" -> {
                    expect(r, JsonToken.STRING, "the input's 'name'");
                    name = r.nextString();
                }
                case "datatype" -> {
                    expect(r, JsonToken.STRING, "the input's 'datatype'");
                    datatype = r.nextString();
                }
                case "shape" -> shape = shape(r);
                case "data" -> {
                    data = new Floats();
                    values(r, data, 0);
                }
                case "parameters" -> binarySize = binarySize(r);
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (binarySize >= 0 && data != null) {
            throw new HttpError(400, "the input has both 'data' and a 'binary_data_size'; give one");
        }
        if (binarySize >= 0 && binary == null) {
            throw new HttpError(400, "the input's data is binary ('binary_data_size') but the request has no "
                    + "Inference-Header-Content-Length header saying where the JSON ends");
        }
        if (name == null || shape == null || datatype == null || data == null && binarySize < 0) {
            throw new HttpError(400, "the input tensor needs 'name', 'shape', 'datatype' and 'data'; it has no "
                    + (name == null ? "'name'" : shape == null ? "'shape'" : datatype == null ? "'datatype'" : "'data'"));
        }
        if (!name.equals(inputName)) {
            throw new HttpError(400, "no input '" + name + "'; the model's input is '" + inputName + "'");
        }
        boolean uint8 = datatype.equals("UINT8");
        if (!datatype.equals("FP32") && !uint8) {
            throw new HttpError(400, "datatype " + datatype + " is not taken; the input is FP32"
                    + (Double.isNaN(uint8Scale) ? "" : " (or UINT8 pixel values, scaled as the model was trained)"));
        }
        if (uint8 && Double.isNaN(uint8Scale)) {
            throw new HttpError(400, "datatype UINT8 is for image models; this model takes FP32 inputs");
        }
        boolean fits = shape.length == sample.length + 1 && shape[0] >= 1;
        for (int i = 0; fits && i < sample.length; i++) {
            fits = shape[i + 1] == sample[i];
        }
        if (!fits) {
            throw new HttpError(400, "input shape " + Arrays.toString(shape) + " does not fit the model: expected "
                    + batchShape(sample) + " with n >= 1");
        }
        long per = 1;
        for (int d : sample) {
            per *= d;
        }
        if (shape[0] > Integer.MAX_VALUE / per) {
            throw new HttpError(400, "input shape " + Arrays.toString(shape) + " holds more than 2^31 values");
        }
        int count = (int) (shape[0] * per);
        float[] v;
        if (binarySize >= 0) {
            int width = uint8 ? 1 : 4;
            if (binarySize != (long) count * width) {
                throw new HttpError(400, "input shape " + Arrays.toString(shape) + " of " + datatype + " takes "
                        + (long) count * width + " bytes but 'binary_data_size' is " + binarySize);
            }
            if (binary.remaining() < binarySize) {
                throw new HttpError(400, "'binary_data_size' is " + binarySize + " but only " + binary.remaining()
                        + " bytes follow the JSON");
            }
            v = new float[count];
            if (uint8) {
                for (int i = 0; i < count; i++) {
                    v[i] = binary.get() & 0xff;
                }
            } else {
                binary.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                binary.position(binary.position() + 4 * count);
            }
        } else {
            if (count != data.size) {
                throw new HttpError(400, "input shape " + Arrays.toString(shape) + " holds " + count
                        + " values but 'data' has " + data.size);
            }
            v = Arrays.copyOf(data.values, data.size);
        }
        for (int i = 0; i < v.length; i++) {
            if (uint8) {
                if (v[i] != Math.rint(v[i]) || v[i] < 0 || v[i] > 255) {
                    throw new HttpError(400, "UINT8 value " + v[i] + " at index " + i + " is not an integer from 0 to "
                            + "255");
                }
                v[i] = (float) (v[i] * uint8Scale);
            } else if (!Float.isFinite(v[i])) {
                throw new HttpError(400, "input value at index " + i + " is not a finite float32");
            }
        }
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = (int) shape[i];
        }
        return Tensor.wrap(v, dims);
    }

    private static long[] shape(JsonReader r) throws IOException {
        expect(r, JsonToken.BEGIN_ARRAY, "the input's 'shape'");
        r.beginArray();
        List<Long> dims = new ArrayList<>();
        while (r.hasNext()) {
            expect(r, JsonToken.NUMBER, "each dimension of 'shape'");
            String s = r.nextString();
            long d;
            try {
                d = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new HttpError(400, "'shape' must hold whole numbers, got " + s);
            }
            if (d < 0 || dims.size() >= 16) {
                throw new HttpError(400, d < 0 ? "'shape' must hold sizes >= 0, got " + d
                        : "'shape' has more than 16 dimensions");
            }
            dims.add(d);
        }
        r.endArray();
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** Appends the numbers of {@code r}'s value, flattening nested arrays (row-major), to {@code out}. */
    private static void values(JsonReader r, Floats out, int depth) throws IOException {
        JsonToken t = r.peek();
        if (t == JsonToken.NUMBER) {
            out.add((float) r.nextDouble());
            return;
        }
        if (t != JsonToken.BEGIN_ARRAY || depth > 16) {
            throw new HttpError(400, depth > 16 ? "'data' nests arrays more than 16 deep"
                    : "'data' must hold numbers, got " + describe(t) + " at " + r.getPath());
        }
        r.beginArray();
        while (r.hasNext()) {
            values(r, out, depth + 1);
        }
        r.endArray();
    }

    /** A growing float array: the body's size bounds it (each number takes at least two bytes). */
    private static final class Floats {
        float[] values = new float[1024];
        int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = v;
        }
    }

    static String batchShape(int[] sample) {
        StringBuilder sb = new StringBuilder("[n");
        for (int d : sample) {
            sb.append(", ").append(d);
        }
        return sb.append(']').toString();
    }

    /** The response: {@code {"model_name", "model_version", "id"?, "outputs": [{name, datatype, shape, data}]}}. */
    static String response(String model, String id, String outputName, Tensor y) {
        StringBuilder sb = new StringBuilder(32 + y.size() * 12);
        sb.append("{\"model_name\":").append(quote(model)).append(",\"model_version\":\"1\"");
        if (id != null) {
            sb.append(",\"id\":").append(quote(id));
        }
        sb.append(",\"outputs\":[{\"name\":").append(quote(outputName)).append(",\"datatype\":\"FP32\",\"shape\":")
                .append(Arrays.toString(y.shape()).replace(" ", "")).append(",\"data\":[");
        float[] d = y.data();
        for (int i = 0; i < d.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(d[i]);
        }
        return sb.append("]}]}").toString();
    }

    /**
     * The response's JSON when its output goes as binary data: the output's {@code parameters} give its
     * {@code binary_data_size}, the float32 values follow the JSON ({@link #binary}).
     */
    static String binaryResponse(String model, String id, String outputName, Tensor y) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"model_name\":").append(quote(model)).append(",\"model_version\":\"1\"");
        if (id != null) {
            sb.append(",\"id\":").append(quote(id));
        }
        return sb.append(",\"outputs\":[{\"name\":").append(quote(outputName)).append(",\"datatype\":\"FP32\",\"shape\":")
                .append(Arrays.toString(y.shape()).replace(" ", "")).append(",\"parameters\":{\"binary_data_size\":")
                .append(4L * y.size()).append("}}]}").toString();
    }

    /** {@code y}'s values as little-endian float32 bytes. */
    static byte[] binary(Tensor y) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * y.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(y.data());
        return b.array();
    }

    /** {@code s} as a JSON string. */
    static String quote(String s) {
        return GSON.toJson(s);
    }

    private static final com.google.gson.Gson GSON = new com.google.gson.GsonBuilder().disableHtmlEscaping().create();
}
