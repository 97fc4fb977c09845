package dev.cnn.nn.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import dev.cnn.core.AtomicFile;
import dev.cnn.core.ConfigView;
import dev.cnn.core.Npy;
import dev.cnn.core.Tensor;
import dev.cnn.core.Version;
import dev.cnn.nn.History;
import dev.cnn.nn.Model;
import dev.cnn.nn.TrainingState;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.optimizers.Optimizer;
import dev.cnn.nn.schedules.LearningRateSchedule;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The model file: a zip holding {@code config.json} (format and library version, input shape, the
 * layers (the nodes of the network, in order) with their hyperparameters, the names of the nodes each reads
 * ({@code "inputs"}, format 2; a format-1 file is a chain, each layer reading the one before it) and
 * {@code "trainable": false} on a frozen one, the loss type and,
 * when it has settings, {@code lossConfig}, optimizer settings and step count, training state and
 * history, free-form metadata), every parameter as {@code params/<layer>.<name>.npy} and the optimizer
 * state of the trainable parameters as {@code optimizer/<layer>.<name>.<m|v>.npy}, all readable by
 * {@code numpy.load}. No Java serialization. Types are looked up in {@link ModelTypes}, so a user's own
 * layer, optimizer, loss or schedule loads once registered there.
 *
 * <p>Saving goes through {@link AtomicFile}: a temporary file beside the target is written, flushed and
 * renamed over it, so a crash leaves the previous file intact; a symbolic link is followed to its target
 * and a target that is not a regular file is refused.
 *
 * <p>Loading trusts nothing the file says about itself. Every entry is read with a bound (its expected
 * size) and checked against its CRC-32 and stored length; all entries together may inflate to at most
 * {@value #INFLATE_RATIO} times the file's size plus {@value #INFLATE_ALLOWANCE_MIB} MiB (a zip bomb
 * stops there); parameters are built from the entries read, never allocated from sizes the config claims
 * first; NaN or infinite weights, optimizer state or history values are refused. Any problem, including
 * running out of memory, is a {@link ModelFormatException} naming the file and the entry.
 */
public final class ModelIO {
    /** The {@code format} value of {@code config.json}. */
    public static final String FORMAT = "cnn-model";
    /** The current format version; files with a newer one are refused. */
    public static final int FORMAT_VERSION = 2;
    /** The library version written into files. */
    public static final String LIBRARY_VERSION = Version.LIBRARY;
    /** All entries together may inflate to this many times the file's size, plus {@link #INFLATE_ALLOWANCE_MIB}. */
    public static final int INFLATE_RATIO = 64;
    /** MiB of inflated entries allowed whatever the file's size (a small file of zero-filled tensors). */
    public static final int INFLATE_ALLOWANCE_MIB = 16;
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);
    private static final long MAX_CONFIG_BYTES = 16L << 20;
    /** Values (numbers, strings, ...) config.json may hold, and how deeply it may nest: checked before parsing. */
    private static final int MAX_JSON_VALUES = 500_000;
    private static final int MAX_JSON_DEPTH = 64;
    private static final int MAX_LAYERS = 10_000;
    private static final int MAX_HISTORY = 1_000_000;
    /** The .npy header of an entry, beyond its data. */
    private static final long NPY_HEADER_SLACK = 64 * 1024;
    /**
     * Strict JSON, so any parser reads config.json: a number that is not finite (a validation loss of an epoch
     * trained without validation data) is written as {@code null} and read back as NaN.
     */
    private static final Gson GSON;

    static {
        com.google.gson.TypeAdapter<Number> finiteOrNull = new com.google.gson.TypeAdapter<>() {
            @Override
            public void write(com.google.gson.stream.JsonWriter out, Number v) throws IOException {
                if (v == null || !Double.isFinite(v.doubleValue())) {
                    out.nullValue();
                } else {
                    out.value(v);
                }
            }

            @Override
            public Number read(com.google.gson.stream.JsonReader in) {
                throw new UnsupportedOperationException("written only");
            }
        };
        GSON = new GsonBuilder().setPrettyPrinting().serializeNulls()
                .registerTypeAdapter(Double.class, finiteOrNull).registerTypeAdapter(double.class, finiteOrNull)
                .registerTypeAdapter(Float.class, finiteOrNull).registerTypeAdapter(float.class, finiteOrNull).create();
    }

    private ModelIO() {
    }

    /** A model file that cannot be loaded: the message names the file and what is wrong. */
    public static final class ModelFormatException extends IOException {
        private static final long serialVersionUID = 1L;

        /** A model file problem described by {@code message} (which names the file and entry). */
        public ModelFormatException(String message) {
            super(message);
        }

        /** A model file problem described by {@code message}, caused by {@code cause}. */
        public ModelFormatException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // ---------------------------------------------------------------- save

    /**
     * Writes {@code model} to {@code path} atomically (see {@link AtomicFile}); on failure the message
     * names the path and the cause, and the previous file is unchanged.
     */
    public static void save(Model model, Path path) throws IOException {
        AtomicFile.write(path, out -> write(model, out));
    }

    /**
     * The model file's bytes, as {@link #save} would write them (for sending a model over the network, e.g.
     * a Spark broadcast). The same model always gives the same bytes.
     */
    public static byte[] toBytes(Model model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(model, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    /**
     * A model from bytes written by {@link #toBytes} or {@link #save}, checked as {@link #load} checks a file
     * ({@code source} names them in errors). The bytes go through a temporary file that is deleted at once.
     */
    public static Model fromBytes(byte[] bytes, String source) throws IOException {
        Path tmp = Files.createTempFile("cnn-model-", ".cnn");
        try {
            Files.write(tmp, bytes);
            return load(tmp);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(e.getMessage().replace(tmp.toString(), source), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the model file's zip to {@code out} (not closed). */
    private static void write(Model model, OutputStream out) throws IOException {
        byte[] config = GSON.toJson(config(model)).getBytes(StandardCharsets.UTF_8);
        ZipOutputStream zip = new ZipOutputStream(out);
        put(zip, "config.json", config);
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            put(zip, "params/" + e.getKey() + ".npy", Npy.toBytes(e.getValue().value()));
        }
        for (int i = 0; i < model.layers().size(); i++) {
            for (Map.Entry<String, Tensor> e : model.layers().get(i).state().entrySet()) {
                put(zip, "params/" + model.layerNames().get(i) + "." + e.getKey() + ".npy", Npy.toBytes(e.getValue()));
            }
        }
        for (Map.Entry<String, Tensor> e : model.optimizer().state().entrySet()) {
            Parameter owner = stateOwner(model.trainableParameters(), e.getKey());
            if (owner != null) { // frozen layers keep no state
                checkStateShape(e.getKey(), e.getValue().shape(), owner);
                put(zip, "optimizer/" + e.getKey() + ".npy", Npy.toBytes(e.getValue()));
            }
        }
        zip.finish();
    }

    /**
     * What a model file keeps of an optimizer: per trainable parameter, state entries of one value per element
     * of the parameter, shaped as the parameter or flat. Anything else is refused when saving, so that what
     * is saved always loads back.
     */
    private static void checkStateShape(String key, int[] shape, Parameter owner) {
        if (!stateShapeAllowed(shape, owner)) {
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + Tensor.shapeText(shape)
                    + ", which a model file cannot keep: optimizer state is saved as one value per element of its "
                    + "parameter, shaped " + allowedStateShapes(owner));
        }
    }

    private static String allowedStateShapes(Parameter owner) {
        int[] shape = owner.value().shape();
        return shape.length == 1 ? Tensor.shapeText(shape)
                : Tensor.shapeText(shape) + " (the parameter's shape) or (" + owner.value().size() + ",)";
    }

    private static boolean stateShapeAllowed(int[] shape, Parameter owner) {
        return Arrays.equals(shape, owner.value().shape()) || Arrays.equals(shape, new int[] {owner.value().size()});
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(ENTRY_TIME); // no save time inside: the same model always gives the same bytes
        zip.putNextEntry(e);
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
            lo.add("inputs", GSON.toJsonTree(model.inputsOf(model.layerNames().get(i))));
            if (!model.isTrainable(model.layerNames().get(i))) {
                lo.addProperty("trainable", false);
            }
            layers.add(lo);
        }
        c.add("layers", layers);
        c.addProperty("loss", model.loss().typeName());
        if (model.l2() > 0 || model.clipGlobalNorm() > 0) {
            JsonObject reg = new JsonObject();
            reg.addProperty("l2", model.l2());
            reg.addProperty("clipGlobalNorm", model.clipGlobalNorm());
            c.add("regularization", reg);
        }
        if (!model.loss().config().isEmpty()) {
            c.add("lossConfig", GSON.toJsonTree(model.loss().config()));
        }
        JsonObject opt = new JsonObject();
        opt.addProperty("type", model.optimizer().type());
        opt.add("config", GSON.toJsonTree(model.optimizer().config()));
        opt.addProperty("steps", model.optimizer().steps());
        c.add("optimizer", opt);
        JsonObject training = new JsonObject();
        training.addProperty("epochsDone", model.epochsDone());
        training.addProperty("batchesDoneInEpoch", model.batchesDoneInEpoch());
        training.addProperty("seed", model.seed());
        if (model.schedule() != null) {
            training.add("schedule", GSON.toJsonTree(model.schedule().savedForm()));
        }
        if (!Double.isNaN(model.trainingState().referenceLoss())) {
            training.addProperty("referenceLoss", model.trainingState().referenceLoss());
        }
        JsonObject hist = new JsonObject();
        hist.add("trainLoss", GSON.toJsonTree(model.history().trainLoss()));
        hist.add("validationLoss", GSON.toJsonTree(model.history().validationLoss()));
        hist.add("validationMetric", GSON.toJsonTree(model.history().validationMetric()));
        training.add("history", hist);
        c.add("training", training);
        c.add("metadata", GSON.toJsonTree(ordered(model.metadata())));
        return c;
    }

    /**
     * {@code value} with every map that has no defined order (such as {@code Map.of}'s, which changes from
     * run to run) sorted by key, so the same model always gives the same file.
     */
    private static Object ordered(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = m instanceof LinkedHashMap || m instanceof SortedMap
                    ? new LinkedHashMap<>() : new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), ordered(e.getValue()));
            }
            return out;
        }
        if (value instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object o : c) {
                out.add(ordered(o));
            }
            return out;
        }
        return value;
    }

    // ---------------------------------------------------------------- load

    /** Reads a model file; every problem is a {@link ModelFormatException}. */
    public static Model load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            if (Files.isDirectory(path)) {
                throw new ModelFormatException(path + ": is a directory, not a model file");
            }
            if (Files.exists(path)) {
                throw new ModelFormatException(path + ": not a regular file (a device, a pipe or a socket), so not a "
                        + "model file");
            }
            throw new NoSuchFileException(path.toString(), null, "model file not found");
        }
        long fileSize = Files.size(path);
        try (ZipFile zip = new ZipFile(path.toFile())) {
            Budget budget = new Budget(INFLATE_RATIO * fileSize + ((long) INFLATE_ALLOWANCE_MIB << 20), fileSize);
            return read(zip, path.toString(), budget);
        } catch (ModelFormatException e) {
            throw e;
        } catch (ZipException e) {
            throw new ModelFormatException(path + ": not a valid model file (corrupt or not a zip: " + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(path + ": not a valid model file (" + (e.getMessage() != null
                    ? e.getMessage() : e.getClass().getSimpleName()) + ")", e);
        } catch (OutOfMemoryError e) {
            throw new ModelFormatException(path + ": the model does not fit in this JVM's memory (" + e.getMessage()
                    + "); give it more with -Xmx", e);
        } catch (StackOverflowError e) {
            throw new ModelFormatException(path + ": not a valid model file (nested too deeply)", e);
        }
    }

    /** How many more inflated bytes the file's entries may produce. */
    private static final class Budget {
        private final long total;
        private final long fileSize;
        private long left;

        Budget(long total, long fileSize) {
            this.total = total;
            this.fileSize = fileSize;
            this.left = total;
        }

        void spend(long bytes, String source, String entry) throws ModelFormatException {
            left -= bytes;
            if (left < 0) {
                throw new ModelFormatException(source + ": entry " + entry + " inflates past " + total + " bytes, more than "
                        + INFLATE_RATIO + " times the file's " + fileSize + " bytes plus " + INFLATE_ALLOWANCE_MIB
                        + " MiB (a corrupt file or a decompression bomb)");
            }
        }
    }

    /**
     * An entry's bytes as they are inflated: fails past {@code limit} bytes or the budget, and at the
     * end ({@link #finish}) unless the length and CRC-32 match what the zip recorded.
     */
    private static final class EntryStream extends FilterInputStream {
        private final ZipEntry entry;
        private final String source;
        private final long limit;
        private final Budget budget;
        private final CRC32 crc = new CRC32();
        private long count;

        EntryStream(ZipFile zip, ZipEntry entry, String source, long limit, Budget budget) throws IOException {
            super(zip.getInputStream(entry));
            this.entry = entry;
            this.source = source;
            this.limit = limit;
            this.budget = budget;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, (int) Math.min(len, limit + 1 - count));
            if (n > 0) {
                count += n;
                crc.update(b, off, n);
                budget.spend(n, source, entry.getName());
                if (count > limit) {
                    throw new ModelFormatException(source + ": entry " + entry.getName() + " holds more than the "
                            + limit + " bytes it should");
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            return read(new byte[(int) Math.min(n, 8192)]);
        }

        /** Reads what is left (there should be nothing) and checks length and CRC. */
        void finish() throws IOException {
            byte[] rest = new byte[8192];
            while (read(rest, 0, rest.length) > 0) {
                // counted and checked by read
            }
            if (entry.getSize() >= 0 && entry.getSize() != count) {
                throw new ModelFormatException(source + ": entry " + entry.getName() + " is corrupt: the zip records "
                        + entry.getSize() + " bytes but it inflates to " + count);
            }
            if (entry.getCrc() >= 0 && entry.getCrc() != crc.getValue()) {
                throw new ModelFormatException(source + ": entry " + entry.getName() + " is corrupt (CRC-32 "
                        + Long.toHexString(crc.getValue()) + ", the zip records " + Long.toHexString(entry.getCrc()) + ")");
            }
        }
    }

    private static Model read(ZipFile zip, String source, Budget budget) throws IOException {
        ZipEntry ce = zip.getEntry("config.json");
        if (ce == null) {
            throw new ModelFormatException(source + ": missing entry config.json (not a cnn model file)");
        }
        byte[] raw;
        try (EntryStream in = new EntryStream(zip, ce, source, MAX_CONFIG_BYTES, budget)) {
            raw = in.readAllBytes();
            in.finish();
        }
        JsonObject c;
        try {
            String json = new String(raw, StandardCharsets.UTF_8);
            checkJsonSize(json, source);
            c = JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException | IOException e) {
            if (e instanceof ModelFormatException mfe) {
                throw mfe;
            }
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
        Entries entries = new Entries(zip, source, budget);
        for (JsonElement le : layerArray) {
            if (!le.isJsonObject()) {
                throw new ModelFormatException(source + ": config.json layers must be objects");
            }
            Config lc = new Config(le.getAsJsonObject(), source + " config.json layer");
            String name = lc.string("name");
            if (!name.matches("[A-Za-z0-9_-]{1,200}")) {
                throw new ModelFormatException(source + ": config.json layer name '" + name + "' is not a valid name");
            }
            String where = source + " config.json layer '" + name + "'";
            ConfigView view = view(le.getAsJsonObject().get("config"), where);
            List<String> inputs = version >= 2 ? lc.strings("inputs") : List.of();
            JsonElement trainable = le.getAsJsonObject().get("trainable");
            if (trainable != null && !(trainable.isJsonPrimitive() && trainable.getAsJsonPrimitive().isBoolean())) {
                throw new ModelFormatException(where + ": 'trainable' must be true or false, got " + trainable);
            }
            try {
                b.add(name, ModelTypes.layer(lc.string("type")).create(view,
                        (param, shape) -> entries.tensor("params/" + name + "." + param + ".npy", shape)),
                        inputs.toArray(new String[0]));
                if (trainable != null && !trainable.getAsBoolean()) {
                    b.freeze(name);
                }
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(e.getMessage().startsWith(source) ? e.getMessage() : where + ": " + e.getMessage(), e);
            }
        }
        try {
            b.loss(ModelTypes.loss(cfg.string("loss"), view(c.get("lossConfig"), source + " config.json lossConfig")));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
        Config oc = new Config(cfg.object("optimizer"), source + " config.json optimizer");
        Optimizer opt;
        try {
            opt = ModelTypes.optimizer(oc.string("type")).create(view(oc.object("config"), source + " config.json optimizer"));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
        b.optimizer(opt);
        if (c.has("regularization")) {
            Config rc = new Config(cfg.object("regularization"), source + " config.json regularization");
            double l2 = rc.number("l2");
            double clip = rc.number("clipGlobalNorm");
            if (!(l2 >= 0) || !(clip >= 0) || Double.isInfinite(l2) || Double.isInfinite(clip)) {
                throw new ModelFormatException(source + ": config.json regularization must hold finite values >= 0, got "
                        + l2 + " and " + clip);
            }
            b.l2(l2).clipGlobalNorm(clip);
        }
        Model model;
        try {
            model = b.build();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": config.json: " + e.getMessage(), e);
        }

        // optimizer state: every optimizer/<parameter>.<part>.npy entry, one value per parameter element
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (ZipEntry e : Collections.list(zip.entries())) {
            String n = e.getName();
            if (!n.startsWith("optimizer/") || !n.endsWith(".npy")) {
                continue;
            }
            String key = n.substring("optimizer/".length(), n.length() - ".npy".length());
            Parameter owner = stateOwner(model.trainableParameters(), key);
            if (owner == null) {
                throw new ModelFormatException(source + ": entry " + n + " is state of no trainable parameter of the model");
            }
            Tensor t = entries.tensor(n, null, owner.value().size());
            if (!stateShapeAllowed(t.shape(), owner)) {
                throw new ModelFormatException(source + ": entry " + n + " has shape " + Tensor.shapeText(t.shape())
                        + " but optimizer state has one value per element of its parameter, shaped "
                        + allowedStateShapes(owner));
            }
            state.put(key, t);
        }
        try {
            opt.restore(oc.longValue("steps"), state);
            opt.checkState(model.trainableParameters());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": optimizer state: " + e.getMessage(), e);
        }
        Config tc = new Config(cfg.object("training"), source + " config.json training");
        int epochsDone = tc.integer("epochsDone", 0, Integer.MAX_VALUE);
        int batchesDone = tc.integer("batchesDoneInEpoch", 0, Integer.MAX_VALUE);
        long shuffleSeed = tc.integer("seed", 0, 0xFFFFFFFFL);
        LearningRateSchedule schedule = null;
        JsonElement sched = cfg.object("training").get("schedule");
        if (sched != null && !sched.isJsonNull()) {
            try {
                schedule = ModelTypes.schedule(view(sched, source + " config.json training schedule"));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(e.getMessage().startsWith(source) ? e.getMessage()
                        : source + ": " + e.getMessage(), e);
            }
        }
        double referenceLoss = Double.NaN;
        JsonElement ref = cfg.object("training").get("referenceLoss");
        if (ref != null && !ref.isJsonNull()) {
            referenceLoss = tc.number("referenceLoss");
            if (!Double.isFinite(referenceLoss)) {
                throw new ModelFormatException(source + ": config.json training referenceLoss must be finite or null");
            }
        }
        Config hc = new Config(tc.object("history"), source + " config.json history");
        List<Double> tl = hc.numbers("trainLoss");
        List<Double> vl = hc.numbers("validationLoss");
        List<Double> vm = hc.numbers("validationMetric");
        if (tl.size() != vl.size() || tl.size() != vm.size()) {
            throw new ModelFormatException(source + ": config.json history lists differ in length");
        }
        if (tl.size() > Math.min(epochsDone, MAX_HISTORY)) {
            throw new ModelFormatException(source + ": config.json history has " + tl.size() + " epochs but the model has "
                    + "done " + epochsDone);
        }
        model.setTrainingState(new TrainingState(epochsDone, batchesDone, shuffleSeed, History.of(tl, vl, vm), schedule,
                referenceLoss));
        JsonElement meta = c.get("metadata");
        if (meta != null && !meta.isJsonNull()) {
            if (!meta.isJsonObject()) {
                throw new ModelFormatException(source + ": config.json 'metadata' must be an object");
            }
            Map<String, Object> m = GSON.fromJson(meta, new TypeToken<LinkedHashMap<String, Object>>() { }.getType());
            model.metadata().putAll(m);
        }
        return model;
    }

    /**
     * Walks the JSON's tokens without building anything, so that a file of millions of tiny values, or
     * nested thousands deep, is refused before it can take the memory a tree of it would.
     */
    private static void checkJsonSize(String json, String source) throws IOException {
        com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(new StringReader(json));
        r.setStrictness(com.google.gson.Strictness.LENIENT);
        int values = 0;
        int depth = 0;
        while (true) {
            com.google.gson.stream.JsonToken t = r.peek();
            switch (t) {
                case BEGIN_ARRAY -> {
                    r.beginArray();
                    depth++;
                }
                case BEGIN_OBJECT -> {
                    r.beginObject();
                    depth++;
                }
                case END_ARRAY -> {
                    r.endArray();
                    depth--;
                }
                case END_OBJECT -> {
                    r.endObject();
                    depth--;
                }
                case NAME -> r.nextName();
                case END_DOCUMENT -> {
                    return;
                }
                default -> r.skipValue();
            }
            if (++values > MAX_JSON_VALUES || depth > MAX_JSON_DEPTH) {
                throw new ModelFormatException(source + ": config.json holds more than " + MAX_JSON_VALUES
                        + " values or nests deeper than " + MAX_JSON_DEPTH + " levels");
            }
        }
    }

    /** Reads tensors from the zip's entries, each bounded by its expected size and checked. */
    private static final class Entries {
        private final ZipFile zip;
        private final String source;
        private final Budget budget;

        Entries(ZipFile zip, String source, Budget budget) {
            this.zip = zip;
            this.source = source;
            this.budget = budget;
        }

        /** The entry as a tensor of exactly {@code shape}, every value finite. */
        Tensor tensor(String name, int[] shape) throws IOException {
            long values = 1;
            for (int d : shape) {
                values *= d;
            }
            return tensor(name, shape, values);
        }

        /** Entry {@code name} of {@code shape} (null: any shape), read with a bound of {@code values} values. */
        Tensor tensor(String name, int[] shape, long values) throws IOException {
            ZipEntry e = zip.getEntry(name);
            if (e == null) {
                throw new ModelFormatException(source + ": missing entry " + name);
            }
            Tensor t;
            try (EntryStream in = new EntryStream(zip, e, source, NPY_HEADER_SLACK + 8 * values, budget)) {
                t = Npy.read(in, source + " " + name, shape);
                in.finish();
            } catch (Npy.NpyFormatException ex) {
                throw new ModelFormatException(ex.getMessage(), ex);
            }
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite(d[i])) {
                    throw new ModelFormatException(source + ": entry " + name + " holds a non-finite value (" + d[i]
                            + " at element " + i + ")");
                }
            }
            return t;
        }
    }

    /** A JSON object (or nothing) as the view a factory reads. */
    /** The parameter an optimizer state entry ({@code layer.param.part}) belongs to, or null. */
    private static Parameter stateOwner(Map<String, Parameter> parameters, String key) {
        Parameter owner = null;
        for (Map.Entry<String, Parameter> p : parameters.entrySet()) {
            if (key.startsWith(p.getKey() + ".")) {
                owner = p.getValue();
            }
        }
        return owner;
    }

    private static ConfigView view(JsonElement e, String where) throws ModelFormatException {
        if (e == null || e.isJsonNull()) {
            return new ConfigView(Map.of(), where);
        }
        if (!e.isJsonObject()) {
            throw new ModelFormatException(where + ": 'config' must be an object, got " + e);
        }
        Map<String, Object> m = GSON.fromJson(e, new TypeToken<LinkedHashMap<String, Object>>() { }.getType());
        return new ConfigView(m, where);
    }

    /**
     * {@code layer} rebuilt from its saved form, as a model file would rebuild it: its config through JSON,
     * its parameters copied: for testing that a layer type (yours too) saves all it needs in {@code config()}
     * and that its registered factory rebuilds it.
     */
    public static Layer throughSavedForm(Layer layer) throws IOException {
        JsonElement json = JsonParser.parseString(GSON.toJson(layer.config()));
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Parameter p : layer.parameters()) {
            params.put(p.name(), p.value().copy());
        }
        layer.state().forEach((name, t) -> params.put(name, t.copy()));
        return ModelTypes.layer(layer.type()).create(view(json, "layer"), (name, shape) -> {
            Tensor t = params.get(name);
            if (t == null || !Arrays.equals(t.shape(), shape)) {
                throw new ModelFormatException("layer: no parameter " + name + " of shape " + Arrays.toString(shape));
            }
            return t;
        });
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

        /** A whole number from {@code min} to {@code max} that may exceed an int (e.g. a 32-bit seed). */
        long integer(String key, long min, long max) throws ModelFormatException {
            double d = number(key);
            if (d != Math.rint(d) || d < min || d > max) {
                throw new ModelFormatException(where + ": '" + key + "' must be a whole number from " + min + " to " + max
                        + ", got " + d);
            }
            return (long) d;
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

        /** A list of 1 to 64 names. */
        List<String> strings(String key) throws ModelFormatException {
            JsonArray a = array(key);
            if (a.size() == 0 || a.size() > 64) {
                throw new ModelFormatException(where + ": '" + key + "' must list 1 to 64 names, got " + a.size());
            }
            List<String> r = new ArrayList<>();
            for (JsonElement v : a) {
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                    throw new ModelFormatException(where + ": '" + key + "' must hold names, got " + v);
                }
                r.add(v.getAsString());
            }
            return r;
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
            JsonArray a = array(key);
            if (a.size() > MAX_HISTORY) {
                throw new ModelFormatException(where + ": '" + key + "' has " + a.size() + " values, more than "
                        + MAX_HISTORY);
            }
            for (JsonElement v : a) {
                if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                    r.add(v.getAsDouble());
                } else if (v.isJsonNull() || v.isJsonPrimitive() && v.getAsString().equals("NaN")) {
                    r.add(Double.NaN);
                } else {
                    throw new ModelFormatException(where + ": '" + key + "' must hold numbers, got " + v);
                }
            }
            return r;
        }
    }
}
