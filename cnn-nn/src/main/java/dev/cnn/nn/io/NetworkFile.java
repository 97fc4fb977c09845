package dev.cnn.nn.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import dev.cnn.core.ConfigView;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Layer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A network written as the {@code layers} list of a model file's
 * {@code config.json} ({@code [{"name": ..., "type": ..., "config": {...}}, ...]}, or a whole config.json
 * object holding such a list): a chain, or a graph when layers name their {@code "inputs"} (earlier layers'
 * names or {@code "input"}, e.g. {@code {"name": "add1", "type": "Add", "inputs": ["bn2", "relu1"]}}), built with fresh weights: tensors named {@code W} from the run's
 * initialiser (fan-in: every axis but the last; fan-out: every axis but the second-to-last), {@code b},
 * {@code beta} and {@code movingMean} zeros, {@code gamma} and {@code movingVariance} ones. A key a layer
 * does not know, a wrong type, or a layer that does not fit the previous one is an error naming the file
 * and the layer. Used by {@code cnn train --model} and cnn-spark's training command.
 */
public final class NetworkFile {
    private static final long MAX_BYTES = 1 << 20;

    private NetworkFile() {
    }

    /**
     * The layers of {@code file} in a builder for samples of {@code inputShape}, weights drawn by {@code init}
     * from {@code NumpyRandom(seed)}; add the loss and optimizer and build. Errors are
     * {@link IllegalArgumentException}s naming the file and the layer.
     */
    public static Model.Builder read(Path file, int[] inputShape, Init init, long seed) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + ": a directory, not a network file (a JSON list of layers)");
        }
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such network file");
        }
        if (!Files.isRegularFile(file)) {
            // a device (/dev/zero) would be read without end and a FIFO would wait for a writer forever
            throw new IllegalArgumentException(file + ": not a regular file (a device, a pipe or a socket); a network "
                    + "file is a JSON file");
        }
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) MAX_BYTES + 1); // bounded, whatever the file system says of its size
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(file + ": a network file is at most 1 MiB, this one has more");
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
        } catch (RuntimeException | StackOverflowError e) {
            String why = e instanceof StackOverflowError ? "nested too deeply"
                    : String.valueOf(e.getMessage()).replaceFirst("^[a-z.]+\\.[A-Za-z]+Exception: ", "");
            throw new IllegalArgumentException(file + ": not valid JSON (" + why + ")", e);
        }
        if (root.isJsonObject() && root.getAsJsonObject().has("layers")) {
            root = root.getAsJsonObject().get("layers");
        }
        if (!root.isJsonArray() || root.getAsJsonArray().isEmpty()) {
            throw new IllegalArgumentException(file + ": expected a list of layers [{\"name\", \"type\", \"config\"}, ...] "
                    + "(or a config.json object with \"layers\")");
        }
        checkSize(file, root, init, seed);
        return layers(file, root, inputShape, init, new NumpyRandom(seed), null);
    }

    /** A parameter larger than this many values is only counted by the size check, not allocated. */
    private static final long PROBE_LIMIT = 1 << 20;

    /** Thrown by the size check's weight source to stop a factory before it allocates a large parameter. */
    private static final class Probe extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Probe() {
            super(null, null, false, false);
        }
    }

    /**
     * Adds up the parameters the file's layers ask for, before any large one is allocated: each factory runs
     * with a weight source that records every requested shape and stops at the first parameter of more than
     * {@link #PROBE_LIMIT} values. A network whose weights and gradients (8 bytes a value) would not fit in
     * the heap is refused with the figures.
     */
    private static void checkSize(Path file, JsonElement root, Init init, long seed) throws IOException {
        long[] total = {0};
        // a layer the file describes wrongly fails here already, before any layer's weights are allocated
        layers(file, root, null, init, new NumpyRandom(seed), total);
        long heap = Runtime.getRuntime().maxMemory();
        if (total[0] > heap / 8) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%s: the network has at least %,d "
                    + "parameters: their weights and gradients alone need %,d MB, but this JVM may use %,d MB (-Xmx; for "
                    + "the cnn command, CNN_JAVA_OPTS=-Xmx...)", file, total[0], total[0] * 8 >> 20, heap >> 20));
        }
    }

    /**
     * The file's layers in a builder; with {@code count} non-null, a dry run that adds the requested parameter
     * sizes to {@code count[0]} and allocates only small ones (returns null).
     */
    private static Model.Builder layers(Path file, JsonElement root, int[] inputShape, Init init, NumpyRandom rng,
                                        long[] count) throws IOException {
        Model.Builder b = count == null ? Model.builder(inputShape) : null;
        int index = 0;
        for (JsonElement e : root.getAsJsonArray()) {
            index++;
            if (!e.isJsonObject() || !e.getAsJsonObject().has("name") || !e.getAsJsonObject().has("type")) {
                throw new IllegalArgumentException(file + ": layer " + index + " must be an object with \"name\" and \"type\"");
            }
            String name = e.getAsJsonObject().get("name").getAsString();
            String type = e.getAsJsonObject().get("type").getAsString();
            String where = file + ": layer '" + name + "' (" + type + ")";
            for (String key : e.getAsJsonObject().keySet()) {
                if (!key.equals("name") && !key.equals("type") && !key.equals("config") && !key.equals("trainable")
                        && !key.equals("inputs")) {
                    throw new IllegalArgumentException(where + ": unknown key '" + key
                            + "' (a layer has name, type, config, inputs and trainable)");
                }
            }
            List<String> inputs = new ArrayList<>();
            JsonElement in = e.getAsJsonObject().get("inputs");
            if (in != null) {
                if (!in.isJsonArray() || in.getAsJsonArray().isEmpty()) {
                    throw new IllegalArgumentException(where + ": \"inputs\" must be a list of layer names (or \"input\"), "
                            + "got " + in);
                }
                for (JsonElement n : in.getAsJsonArray()) {
                    if (!n.isJsonPrimitive() || !n.getAsJsonPrimitive().isString()) {
                        throw new IllegalArgumentException(where + ": \"inputs\" must hold layer names, got " + n);
                    }
                    inputs.add(n.getAsString());
                }
            }
            Map<String, Object> config = new LinkedHashMap<>();
            if (e.getAsJsonObject().has("config")) {
                config = new com.google.gson.Gson().fromJson(e.getAsJsonObject().get("config"),
                        new TypeToken<LinkedHashMap<String, Object>>() { }.getType());
            }
            // a grouped convolution's filters each see cIn/groups channels, and each input feeds cOut/groups filters
            int groups = type.equals("Conv2D") && config.get("groups") instanceof Number g && g.intValue() > 0
                    ? g.intValue() : 1;
            Layer layer;
            try {
                layer = ModelTypes.layerFactory(type).create(new ConfigView(config, where), (param, shape) -> {
                    if (count != null) {
                        long n = 1;
                        for (int d : shape) {
                            n = d < 0 ? 0 : n * d;
                            if (n > Long.MAX_VALUE / 1024) {
                                n = Long.MAX_VALUE / 1024;
                            }
                        }
                        count[0] = Math.min(Long.MAX_VALUE / 1024, count[0] + n);
                        if (n > PROBE_LIMIT) {
                            throw new Probe();
                        }
                    }
                    return fresh(where, type.equals("DepthwiseConv2D") && param.equals("W") ? "depthwise W" : param, shape,
                            groups, init, rng);
                });
            } catch (Probe probe) {
                continue; // counted; the dry run goes on with the next layer
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(ex.getMessage().startsWith(file.toString()) ? ex.getMessage()
                        : where + ": " + ex.getMessage(), ex);
            }
            TreeSet<String> unknown = new TreeSet<>(config.keySet());
            unknown.removeAll(layer.config().keySet());
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(where + ": unknown config key(s) " + unknown + " (known: "
                        + layer.config().keySet() + ")");
            }
            if (count != null) {
                continue;
            }
            boolean trainable = !e.getAsJsonObject().has("trainable") || e.getAsJsonObject().get("trainable").getAsBoolean();
            try {
                b.add(name, layer, inputs.toArray(new String[0]));
                if (!trainable) {
                    b.freeze(name);
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
            }
        }
        return b;
    }

    private static Tensor fresh(String where, String param, int[] shape, int groups, Init init, NumpyRandom rng) {
        switch (param) {
            case "W" -> {
                int fanIn = 1;
                int fanOut = shape[shape.length - 1];
                for (int i = 0; i < shape.length - 1; i++) {
                    fanIn *= shape[i];
                    fanOut *= i < shape.length - 2 ? shape[i] : 1;
                }
                return init.create(rng, fanIn, fanOut / groups, shape);
            }
            case "depthwise W" -> { // (kh, kw, channels, multiplier): each filter reads one channel
                int area = shape[0] * shape[1];
                return init.create(rng, area, area * shape[3], shape);
            }
            case "b", "beta", "movingMean" -> {
                return Tensor.zeros(shape);
            }
            case "gamma", "movingVariance" -> {
                return Tensor.full(1f, shape);
            }
            default -> throw new IllegalArgumentException(where + ": --model cannot initialise its parameter '" + param
                    + "' (it knows W, b, gamma, beta, movingMean and movingVariance)");
        }
    }
}
