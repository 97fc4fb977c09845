package dev.cnn.nn;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Npy;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The model file: a zip holding {@code config.json} (format and library version, input shape, the
 * layers with their hyperparameters, loss, optimizer settings and step count, training state and
 * history, free-form metadata), every parameter as {@code params/<layer>.<name>.npy} and the optimizer
 * state as {@code optimizer/<layer>.<name>.<m|v>.npy}, all readable by {@code numpy.load}. No Java
 * serialization.
 *
 * <p>Saving writes a temporary file beside the target and moves it into place, so a crash leaves the
 * previous file intact. Loading validates everything and reports any problem as a
 * {@link ModelFormatException} naming the file and the entry.
 */
public final class ModelIO {
    /** The {@code format} value of {@code config.json}. */
    public static final String FORMAT = "cnn-model";
    /** The current format version; files with a newer one are refused. */
    public static final int FORMAT_VERSION = 1;
    /** The library version written into files. */
    public static final String LIBRARY_VERSION = "0.1.0";
    private static final long MAX_CONFIG_BYTES = 16L << 20;
    private static final int MAX_LAYERS = 10_000;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private ModelIO() {
    }

    /** A model file that cannot be loaded: the message names the file and what is wrong. */
    public static final class ModelFormatException extends IOException {
        private static final long serialVersionUID = 1L;

        public ModelFormatException(String message) {
            super(message);
        }

        public ModelFormatException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // ---------------------------------------------------------------- save

    /** Writes {@code model} to {@code path} atomically (temporary file in the same directory, then a move). */
    public static void save(Model model, Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
                put(zip, "config.json", GSON.toJson(config(model)).getBytes(StandardCharsets.UTF_8));
                for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
                    put(zip, "params/" + e.getKey() + ".npy", Npy.toBytes(e.getValue().value()));
                }
                for (Map.Entry<String, Tensor> e : model.optimizer().state().entrySet()) {
                    put(zip, "optimizer/" + e.getKey() + ".npy", Npy.toBytes(e.getValue()));
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    private static JsonObject config(Model model) {
        JsonObject c = new JsonObject();
        c.addProperty("format", FORMAT);
        c.addProperty("formatVersion", FORMAT_VERSION);
        c.addProperty("libraryVersion", LIBRARY_VERSION);
        c.add("inputShape", GSON.toJsonTree(model.inputShape()));
        JsonArray layers = new JsonArray();
        for (int i = 0; i < model.layers().size(); i++) {
            Layer l = model.layers().get(i);
            JsonObject lo = new JsonObject();
            lo.addProperty("name", model.layerNames().get(i));
            lo.addProperty("type", l.type());
            lo.add("config", GSON.toJsonTree(l.config()));
            layers.add(lo);
        }
        c.add("layers", layers);
        c.addProperty("loss", model.loss().typeName());
        JsonObject opt = new JsonObject();
        opt.addProperty("type", model.optimizer().type());
        opt.add("config", GSON.toJsonTree(model.optimizer().config()));
        opt.addProperty("steps", model.optimizer().steps());
        c.add("optimizer", opt);
        JsonObject training = new JsonObject();
        training.addProperty("epochsDone", model.epochsDone());
        training.addProperty("batchesDoneInEpoch", model.batchesDoneInEpoch());
        training.addProperty("seed", model.seed());
        JsonObject hist = new JsonObject();
        hist.add("trainLoss", GSON.toJsonTree(model.history().trainLoss()));
        hist.add("validationLoss", GSON.toJsonTree(model.history().validationLoss()));
        hist.add("validationMetric", GSON.toJsonTree(model.history().validationMetric()));
        training.add("history", hist);
        c.add("training", training);
        c.add("metadata", GSON.toJsonTree(model.metadata()));
        return c;
    }

    // ---------------------------------------------------------------- load

    /** Reads a model file; every problem is a {@link ModelFormatException}. */
    public static Model load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "model file not found");
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            return read(zip, path.toString());
        } catch (ModelFormatException e) {
            throw e;
        } catch (java.util.zip.ZipException e) {
            throw new ModelFormatException(path + ": not a valid model file (corrupt or not a zip: " + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(path + ": cannot load model: " + e, e);
        }
    }

    private static Model read(ZipFile zip, String source) throws IOException {
        ZipEntry ce = zip.getEntry("config.json");
        if (ce == null) {
            throw new ModelFormatException(source + ": missing entry config.json (not a cnn model file)");
        }
        byte[] raw;
        try (InputStream in = zip.getInputStream(ce)) {
            raw = in.readNBytes((int) MAX_CONFIG_BYTES + 1);
        }
        if (raw.length > MAX_CONFIG_BYTES) {
            throw new ModelFormatException(source + ": config.json is larger than " + MAX_CONFIG_BYTES + " bytes");
        }
        JsonObject c;
        try {
            c = JsonParser.parseString(new String(raw, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new ModelFormatException(source + ": config.json is not a JSON object: " + e.getMessage(), e);
        }
        Config cfg = new Config(c, source + " config.json");
        if (!FORMAT.equals(cfg.string("format"))) {
            throw new ModelFormatException(source + ": config.json format is '" + cfg.string("format") + "', expected '"
                    + FORMAT + "'");
        }
        int version = cfg.integer("formatVersion", 1, Integer.MAX_VALUE);
        if (version > FORMAT_VERSION) {
            throw new ModelFormatException(source + ": format version " + version + " is newer than this library reads ("
                    + FORMAT_VERSION + "); upgrade cnn");
        }
        int[] inputShape = cfg.shape(c.get("inputShape"), "inputShape");
        JsonArray layerArray = cfg.array("layers");
        if (layerArray.size() == 0 || layerArray.size() > MAX_LAYERS) {
            throw new ModelFormatException(source + ": config.json has " + layerArray.size() + " layers");
        }
        Model.Builder b = Model.builder(inputShape);
        NumpyRandom rng = new NumpyRandom(0);
        // Parameters are allocated before their entries are read: never allocate more than the file holds.
        long[] budget = {0};
        zip.stream().filter(z -> z.getName().startsWith("params/")).forEach(z -> budget[0] += Math.max(0, z.getSize()));
        for (JsonElement le : layerArray) {
            if (!le.isJsonObject()) {
                throw new ModelFormatException(source + ": config.json layers must be objects");
            }
            Config lc = new Config(le.getAsJsonObject(), source + " config.json layer");
            String name = lc.string("name");
            JsonElement conf = le.getAsJsonObject().get("config");
            Config lconf = new Config(conf != null && conf.isJsonObject() ? conf.getAsJsonObject() : new JsonObject(),
                    source + " config.json layer '" + name + "'");
            b.add(name, layer(lc.string("type"), lconf, rng, budget));
        }
        b.loss(Loss.parse(cfg.string("loss")));
        Config oc = new Config(cfg.object("optimizer"), source + " config.json optimizer");
        Config os = new Config(oc.object("config"), source + " config.json optimizer config");
        Optimizer opt = switch (oc.string("type")) {
            case "Adam" -> new Adam(os.number("learningRate"), os.number("beta1"), os.number("beta2"), os.number("epsilon"));
            case "GradientDescent" -> new GradientDescent(os.number("learningRate"));
            default -> throw new ModelFormatException(source + ": unknown optimizer type '" + oc.string("type") + "'");
        };
        b.optimizer(opt);
        Model model = b.build();

        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            Tensor t = readNpy(zip, "params/" + e.getKey() + ".npy", e.getValue().value().shape(), source);
            System.arraycopy(t.data(), 0, e.getValue().value().data(), 0, t.size());
        }
        Map<String, Tensor> state = new LinkedHashMap<>();
        if (opt instanceof Adam adam) {
            long steps = oc.longValue("steps");
            if (steps > 0) {
                for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
                    int[] shape = {e.getValue().value().size()};
                    state.put(e.getKey() + ".m", readNpy(zip, "optimizer/" + e.getKey() + ".m.npy", shape, source));
                    state.put(e.getKey() + ".v", readNpy(zip, "optimizer/" + e.getKey() + ".v.npy", shape, source));
                }
            }
            adam.restore(steps, state);
            adam.checkAgainst(model.parameters());
        } else {
            opt.restore(oc.longValue("steps"), state);
        }
        Config tc = new Config(cfg.object("training"), source + " config.json training");
        model.restoreTrainingState(tc.integer("epochsDone", 0, Integer.MAX_VALUE),
                tc.integer("batchesDoneInEpoch", 0, Integer.MAX_VALUE), tc.longValue("seed"));
        Config hc = new Config(tc.object("history"), source + " config.json history");
        List<Double> tl = hc.numbers("trainLoss");
        List<Double> vl = hc.numbers("validationLoss");
        List<Double> vm = hc.numbers("validationMetric");
        if (tl.size() != vl.size() || tl.size() != vm.size()) {
            throw new ModelFormatException(source + ": config.json history lists differ in length");
        }
        model.restoreHistory(tl, vl, vm);
        JsonElement meta = c.get("metadata");
        if (meta != null && meta.isJsonObject()) {
            Map<String, Object> m = GSON.fromJson(meta, new TypeToken<LinkedHashMap<String, Object>>() { }.getType());
            model.metadata().putAll(m);
        }
        return model;
    }

    private static Tensor readNpy(ZipFile zip, String entry, int[] shape, String source) throws IOException {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
            throw new ModelFormatException(source + ": missing entry " + entry);
        }
        try (InputStream in = zip.getInputStream(e)) {
            return Npy.read(in, source + " " + entry, shape);
        } catch (Npy.NpyFormatException ex) {
            throw new ModelFormatException(ex.getMessage(), ex);
        }
    }

    private static Layer layer(String type, Config c, NumpyRandom rng, long[] budget) throws ModelFormatException {
        switch (type) {
            case "FullyConnected": {
                int in = c.integer("inputSize", 1, 1 << 26);
                int out = c.integer("outputSize", 1, 1 << 26);
                spend(budget, (long) in * out + out, c);
                return new FullyConnected(in, out, Init.RANDOM, rng);
            }
            case "Conv2D": {
                int[] k = c.pair("kernel", 1);
                int[] s = c.pair("stride", 1);
                int[] p = c.pair("padding", 0);
                int in = c.integer("inChannels", 1, 1 << 16);
                int f = c.integer("filters", 1, 1 << 16);
                spend(budget, (long) k[0] * k[1] * in * f + f, c);
                return new Conv2D(in, f, k[0], k[1], s[0], s[1], p[0], p[1], Init.RANDOM, rng);
            }
            case "MaxPool2D":
            case "AveragePool2D": {
                int[] k = c.pair("kernel", 1);
                int[] s = c.pair("stride", 1);
                return new Pool2D(k[0], k[1], s[0], s[1], type.equals("MaxPool2D") ? PoolMode.MAX : PoolMode.AVERAGE);
            }
            case "Flatten":
                return new Flatten();
            default:
                try {
                    return new Activation(Activation.Kind.parse(type));
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(c.where + ": unknown layer type '" + type + "'");
                }
        }
    }

    private static void spend(long[] budget, long floats, Config c) throws ModelFormatException {
        budget[0] -= 4 * floats;
        if (budget[0] < 0) {
            throw new ModelFormatException(c.where + ": declares " + floats + " parameters, more than the file's params/ "
                    + "entries hold (missing or truncated parameter entries)");
        }
    }

    /** Typed, checked access to one JSON object of the config. */
    private static final class Config {
        private final JsonObject o;
        private final String where;

        Config(JsonObject o, String where) {
            this.o = o;
            this.where = where;
        }

        private JsonElement get(String key) throws ModelFormatException {
            JsonElement e = o.get(key);
            if (e == null || e.isJsonNull()) {
                throw new ModelFormatException(where + ": missing '" + key + "'");
            }
            return e;
        }

        String string(String key) throws ModelFormatException {
            JsonElement e = get(key);
            if (!e.isJsonPrimitive()) {
                throw new ModelFormatException(where + ": '" + key + "' must be a string");
            }
            return e.getAsString();
        }

        double number(String key) throws ModelFormatException {
            JsonElement e = get(key);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new ModelFormatException(where + ": '" + key + "' must be a number, got " + e);
            }
            return e.getAsDouble();
        }

        long longValue(String key) throws ModelFormatException {
            double d = number(key);
            if (d != Math.rint(d) || d < 0 || d > 1e15) {
                throw new ModelFormatException(where + ": '" + key + "' must be a non-negative whole number, got " + d);
            }
            return (long) d;
        }

        int integer(String key, int min, int max) throws ModelFormatException {
            return checkInt(number(key), key, min, max);
        }

        private int checkInt(double d, String key, int min, int max) throws ModelFormatException {
            if (d != Math.rint(d) || d < min || d > max) {
                throw new ModelFormatException(where + ": '" + key + "' must be a whole number from " + min + " to " + max
                        + ", got " + d);
            }
            return (int) d;
        }

        int[] pair(String key, int min) throws ModelFormatException {
            JsonElement e = get(key);
            if (!e.isJsonArray() || e.getAsJsonArray().size() != 2) {
                throw new ModelFormatException(where + ": '" + key + "' must be a list of two numbers, got " + e);
            }
            int[] r = new int[2];
            for (int i = 0; i < 2; i++) {
                JsonElement v = e.getAsJsonArray().get(i);
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new ModelFormatException(where + ": '" + key + "' must hold numbers, got " + e);
                }
                r[i] = checkInt(v.getAsDouble(), key, min, 1 << 16);
            }
            return r;
        }

        int[] shape(JsonElement e, String key) throws ModelFormatException {
            if (e == null || !e.isJsonArray() || e.getAsJsonArray().size() == 0 || e.getAsJsonArray().size() > 8) {
                throw new ModelFormatException(where + ": '" + key + "' must be a list of 1 to 8 sizes, got " + e);
            }
            JsonArray a = e.getAsJsonArray();
            int[] s = new int[a.size()];
            long total = 1;
            for (int i = 0; i < s.length; i++) {
                JsonElement v = a.get(i);
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new ModelFormatException(where + ": '" + key + "' must hold numbers, got " + e);
                }
                s[i] = checkInt(v.getAsDouble(), key, 1, 1 << 24);
                total *= s[i];
                if (total > (1 << 26)) {
                    throw new ModelFormatException(where + ": '" + key + "' " + e + " is absurdly large");
                }
            }
            return s;
        }

        JsonArray array(String key) throws ModelFormatException {
            JsonElement e = get(key);
            if (!e.isJsonArray()) {
                throw new ModelFormatException(where + ": '" + key + "' must be a list");
            }
            return e.getAsJsonArray();
        }

        JsonObject object(String key) throws ModelFormatException {
            JsonElement e = get(key);
            if (!e.isJsonObject()) {
                throw new ModelFormatException(where + ": '" + key + "' must be an object");
            }
            return e.getAsJsonObject();
        }

        List<Double> numbers(String key) throws ModelFormatException {
            List<Double> r = new ArrayList<>();
            for (JsonElement v : array(key)) {
                if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                    r.add(v.getAsDouble());
                } else if (v.isJsonPrimitive() && v.getAsString().equals("NaN")) {
                    r.add(Double.NaN);
                } else {
                    throw new ModelFormatException(where + ": '" + key + "' must hold numbers, got " + v);
                }
            }
            return r;
        }
    }
}
