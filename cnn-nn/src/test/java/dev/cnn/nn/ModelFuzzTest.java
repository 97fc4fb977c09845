package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cnn.core.Npy;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.GradientDescent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated and crafted model files: each must load or fail with {@link dev.cnn.nn.io.ModelIO.ModelFormatException},
 * and a model that loads must never give a non-finite output. A few thousand files run with every
 * build; {@code -Pfuzz} (run by {@code .ci/run}, under {@code -Xmx512m}) runs 12,000 more and the
 * crafted attacks: forged sizes, zip bombs, huge declared shapes, deep JSON, long lists.
 */
class ModelFuzzTest {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final String[] ODD_NUMBERS = {"0", "-1", "1e308", "2147483648", "4294967296", "65536", "1e-300",
        "NaN", "-0", "3.5", "99999999999", "16384"};
    private static final int[] ODD_INTS = {0, -1, 0x7fffffff, 0x80000000, 0xffff, 0x10000, 1 << 30, 16};

    @TempDir
    Path dir;

    /** What happened to each file, and the worst cost of one load. */
    private static final class Tally {
        final Map<String, Integer> outcomes = new TreeMap<>();
        long maxNanos;
        long maxAllocated;
        int files;

        void add(String outcome) {
            outcomes.merge(outcome, 1, Integer::sum);
        }

        @Override
        public String toString() {
            return String.format("%d files: %s; slowest load %.1f ms, most allocated by one load %.1f MB", files, outcomes,
                    maxNanos / 1e6, maxAllocated / 1e6);
        }
    }

    @Test
    void aFewThousandMutatedFilesLoadOrFailAsDocumented() throws IOException {
        Tally t = fuzz(3000, 2024);
        System.out.println("model fuzz: " + t);
        assertEquals(3000, t.files);
    }

    @Test
    @Tag("fuzz")
    void twelveThousandMutatedFilesAndTheCraftedAttacks() throws IOException {
        Tally t = fuzz(12_000, 7);
        crafted(t);
        System.out.println("model fuzz (long, max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB): " + t);
        assertTrue(t.files > 12_000);
    }

    private Tally fuzz(int count, long seed) throws IOException {
        List<byte[]> bases = new ArrayList<>();
        for (Model m : List.of(ModelIOTest.trained(), mlp(), GraphTest.residual(11))) {
            Path p = dir.resolve("base.cnn");
            m.save(p);
            bases.add(Files.readAllBytes(p));
        }
        Random r = new Random(seed);
        Tally t = new Tally();
        for (int i = 0; i < count; i++) {
            byte[] base = bases.get(i % bases.size());
            byte[] b;
            try {
                b = mutate(base, r);
            } catch (IOException | RuntimeException e) {
                continue; // a mutation that could not be written as a zip: draw again
            }
            check(b, t);
        }
        return t;
    }

    private static Model mlp() {
        NumpyRandom rng = new NumpyRandom(3);
        Model m = Model.builder(5)
                .add("fc1", new FullyConnected(5, 7, Init.HE, rng))
                .add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(7, 1, Init.XAVIER, rng))
                .add("linear", Activation.linear())
                .loss(Loss.MEAN_SQUARED_ERROR).optimizer(new GradientDescent(0.01)).build();
        m.metadata().put("featureScaler", Map.of("mean", List.of(1.0, 2.0), "std", List.of(0.5, 3.0)));
        m.metadata().put("classNames", List.of("a", "b"));
        NumpyRandom d = new NumpyRandom(4);
        m.train(dev.cnn.core.Dataset.of(d.randn(20, 5), d.randn(20, 1)), TrainOptions.defaults().withEpochs(2)
                .withBatchSize(5).withVerbose(false));
        return m;
    }

    /**
     * Bytes this thread has allocated so far (HotSpot's com.sun.management.ThreadMXBean, reached by
     * reflection: the tests run inside module dev.cnn.nn, which does not read jdk.management).
     */
    private static long allocatedBytes() {
        try {
            java.lang.reflect.Method m = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getThreadAllocatedBytes", long.class);
            return (long) m.invoke(ManagementFactory.getThreadMXBean(), Thread.currentThread().getId());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("this JVM does not report allocated bytes per thread", e);
        }
    }

    /** Loads {@code bytes} as a model file and records the outcome; fails the test on anything undocumented. */
    private void check(byte[] bytes, Tally t) throws IOException {
        Path p = dir.resolve("fuzz.cnn");
        Files.write(p, bytes);
        long allocated = allocatedBytes();
        long start = System.nanoTime();
        Model m;
        try {
            m = Model.load(p);
        } catch (ModelIO.ModelFormatException e) {
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            t.add("refused: " + category(e.getMessage()));
            m = null;
        } catch (Throwable e) {
            fail("undocumented failure for a mutated file: " + e, e);
            return;
        } finally {
            t.maxNanos = Math.max(t.maxNanos, System.nanoTime() - start);
            t.maxAllocated = Math.max(t.maxAllocated, allocatedBytes() - allocated);
            t.files++;
        }
        if (m == null) {
            return;
        }
        int[] in = m.inputShape();
        long size = 1;
        for (int d : in) {
            size *= d;
        }
        if (size > 1 << 20) {
            t.add("loaded (input too large to probe)");
            return;
        }
        int[] shape = new int[in.length + 1];
        shape[0] = 3;
        System.arraycopy(in, 0, shape, 1, in.length);
        Tensor x = new NumpyRandom(5).randn(shape);
        try {
            for (float v : m.predict(x).data()) {
                assertTrue(Float.isFinite(v), "a loaded model gave a non-finite output");
            }
            t.add("loaded, finite outputs");
        } catch (IllegalStateException overflow) {
            assertTrue(overflow.getMessage().contains("an overflow inside the network"), overflow.getMessage());
            t.add("loaded, predict refused an overflow");
        }
    }

    private static String category(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        for (String c : List.of("crc", "not a valid model file", "non-finite", "missing entry", "expected shape", "inflates",
                "holds more than", "nests deeper", "config.json", "optimizer", "out of memory", "memory")) {
            if (m.contains(c)) {
                return c;
            }
        }
        return "other";
    }

    // ---------------------------------------------------------------- mutations

    private static byte[] mutate(byte[] base, Random r) throws IOException {
        byte[] b = base.clone();
        switch (r.nextInt(12)) {
            case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> {
                for (int k = 0; k < 1 + r.nextInt(8); k++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 3 -> {
                int at = r.nextInt(b.length);
                byte[] ins = new byte[1 + r.nextInt(16)];
                r.nextBytes(ins);
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(b, 0, at);
                o.writeBytes(ins);
                o.write(b, at, b.length - at);
                b = o.toByteArray();
            }
            case 4 -> {
                int at = r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(64));
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(b, 0, at);
                o.write(b, at + len, b.length - at - len);
                b = o.toByteArray();
            }
            case 5 -> {
                int at = r.nextInt(b.length - 4);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, ODD_INTS[r.nextInt(ODD_INTS.length)]);
            }
            case 6 -> b = editEntries(b, r, (name, data) -> name.equals("config.json") ? oddNumber(data, r) : data);
            case 7 -> b = editEntries(b, r, (name, data) -> name.equals("config.json") ? oddValue(data, r) : data);
            case 8 -> b = editEntries(b, r, (name, data) -> name.endsWith(".npy") && r.nextInt(3) == 0 ? npyHeader(data, r) : data);
            case 9 -> b = editEntries(b, r, (name, data) -> name.endsWith(".npy") && r.nextInt(3) == 0 ? npyValues(data, r) : data);
            case 10 -> b = shuffleEntries(b, r);
            default -> b = editEntries(b, r, (name, data) -> name.equals("config.json") ? bigMetadata(data, r) : data);
        }
        return b;
    }

    private interface Edit {
        byte[] apply(String name, byte[] data) throws IOException;
    }

    private static byte[] editEntries(byte[] zip, Random r, Edit edit) throws IOException {
        Map<String, byte[]> entries = entries(zip);
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            out.put(e.getKey(), edit.apply(e.getKey(), e.getValue()));
        }
        return zip(out);
    }

    private static Map<String, byte[]> entries(byte[] zip) throws IOException {
        Path tmp = Files.createTempFile("fuzz", ".zip");
        try {
            Files.write(tmp, zip);
            Map<String, byte[]> m = new LinkedHashMap<>();
            try (ZipFile z = new ZipFile(tmp.toFile())) {
                for (ZipEntry e : Collections.list(z.entries())) {
                    try (InputStream in = z.getInputStream(e)) {
                        m.put(e.getName(), in.readAllBytes());
                    }
                }
            }
            return m;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    private static byte[] oddNumber(byte[] json, Random r) {
        String s = new String(json, StandardCharsets.UTF_8);
        Matcher m = NUMBER.matcher(s);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        int[] sp = spans.get(r.nextInt(spans.size()));
        return (s.substring(0, sp[0]) + ODD_NUMBERS[r.nextInt(ODD_NUMBERS.length)] + s.substring(sp[1]))
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] oddValue(byte[] json, Random r) {
        String s = new String(json, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"([A-Za-z]+)\": ").matcher(s);
        List<Integer> keys = new ArrayList<>();
        while (m.find()) {
            keys.add(m.end());
        }
        int at = keys.get(r.nextInt(keys.size()));
        String[] values = {"\"x\"", "[]", "{}", "null", "[1, 2, 3]", "true", "\"ReLU\"", "[-5, 0]", "{\"a\": [1]}"};
        String value = values[r.nextInt(values.length)];
        int end = at;
        int depth = 0;
        // replace the value that starts at 'at' (a primitive, or a bracketed value)
        do {
            char c = s.charAt(end);
            if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            }
            end++;
        } while (end < s.length() && (depth > 0 || (s.charAt(end) != ',' && s.charAt(end) != '\n' && s.charAt(end) != '}'
                && s.charAt(end) != ']')));
        return (s.substring(0, at) + value + s.substring(end)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] npyHeader(byte[] npy, Random r) throws IOException {
        Tensor t = Npy.read(new ByteArrayInputStream(npy), "npy");
        String[] shapes = {"(2147483647,)", "(65536, 65536)", "(0,)", "()", "(3, 3, 1, 4, 1)", "(1, 1, 1, 5)", "(8,)",
            "(16384, 16384)"};
        String h = new String(npy, 10, npy.length - 10, StandardCharsets.ISO_8859_1);
        int nl = h.indexOf('\n');
        String header = h.substring(0, nl);
        String edited = r.nextBoolean()
                ? header.replaceFirst("'shape': \\([^)]*\\)", "'shape': " + shapes[r.nextInt(shapes.length)])
                : header.replace("<f4", new String[] {"<f8", "|u1", ">f4", "<c8", "<i8"}[r.nextInt(5)]);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(npy, 0, 8);
        o.write(edited.length() + 1);
        o.write((edited.length() + 1) >>> 8);
        o.writeBytes(edited.getBytes(StandardCharsets.ISO_8859_1));
        o.write('\n');
        o.write(npy, 10 + nl + 1, npy.length - 10 - nl - 1);
        return t.size() >= 0 ? o.toByteArray() : npy;
    }

    private static byte[] npyValues(byte[] npy, Random r) throws IOException {
        Tensor t = Npy.read(new ByteArrayInputStream(npy), "npy");
        float[] odd = {Float.NaN, Float.POSITIVE_INFINITY, 1e38f, -3e38f, 1e20f, Float.MIN_VALUE, -1f};
        for (int k = 0; k < 1 + r.nextInt(3) && t.size() > 0; k++) {
            t.data()[r.nextInt(t.size())] = odd[r.nextInt(odd.length)];
        }
        return Npy.toBytes(t);
    }

    private static byte[] shuffleEntries(byte[] zip, Random r) throws IOException {
        Map<String, byte[]> e = entries(zip);
        List<String> names = new ArrayList<>(e.keySet());
        Map<String, byte[]> out = new LinkedHashMap<>(e);
        String a = names.get(r.nextInt(names.size()));
        String b = names.get(r.nextInt(names.size()));
        switch (r.nextInt(3)) {
            case 0 -> out.remove(a);
            case 1 -> {
                out.put(a, e.get(b));
                out.put(b, e.get(a));
            }
            default -> out.put("params/extra" + r.nextInt(9) + ".W.npy", e.get(a));
        }
        return zip(out);
    }

    private static byte[] bigMetadata(byte[] json, Random r) {
        String s = new String(json, StandardCharsets.UTF_8);
        int depth = 1 + r.nextInt(r.nextBoolean() ? 50 : 2000);
        String value = r.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                : "[" + "1,".repeat(1 + r.nextInt(r.nextBoolean() ? 1000 : 600_000)) + "1]";
        return s.replace("\"metadata\": {", "\"metadata\": {\"fuzz\": " + value + ", ").getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- crafted attacks

    private void crafted(Tally t) throws IOException {
        Path p = dir.resolve("base.cnn");
        ModelIOTest.trained().save(p);
        Map<String, byte[]> good = entries(Files.readAllBytes(p));
        String config = new String(good.get("config.json"), StandardCharsets.UTF_8);

        // a huge layer declared in the config, and its weight entry's sizes forged in both zip headers
        Map<String, byte[]> huge = new LinkedHashMap<>(good);
        huge.put("config.json", config.replace("\"inputSize\": 64", "\"inputSize\": 32768")
                .replace("\"outputSize\": 8", "\"outputSize\": 16384").getBytes(StandardCharsets.UTF_8));
        byte[] hugeZip = zip(huge);
        for (int forged : new int[] {0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFFF0, 0}) {
            check(forgeSizes(hugeZip, "params/fc1.W.npy", forged), t);
        }
        check(forgeSizes(zip(good), "params/fc1.W.npy", 0xFFFFFFF0), t);

        // zip bombs: a valid header, then 256 MB of zeros (deflated to ~250 KB), in one entry and 32 MB in each
        check(bomb(good, Map.of("params/fc1.W.npy", 256L << 20)), t);
        Map<String, Long> everywhere = new LinkedHashMap<>();
        for (String name : good.keySet()) {
            if (name.endsWith(".npy")) {
                everywhere.put(name, 32L << 20);
            }
        }
        check(bomb(good, everywhere), t);

        // a weight entry whose .npy header declares a huge shape that the config agrees with
        Map<String, byte[]> declared = new LinkedHashMap<>(huge);
        String npyHead = "{'descr': '<f4', 'fortran_order': False, 'shape': (32768, 16384), }";
        ByteArrayOutputStream npy = new ByteArrayOutputStream();
        npy.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        String padded = npyHead + " ".repeat(117 - npyHead.length()) + "\n";
        npy.write(padded.length());
        npy.write(0);
        npy.writeBytes(padded.getBytes(StandardCharsets.ISO_8859_1));
        npy.writeBytes(new byte[1 << 20]);
        declared.put("params/fc1.W.npy", npy.toByteArray());
        check(zip(declared), t);

        // deep JSON and long lists
        for (int depth : new int[] {100, 10_000, 200_000}) {
            Map<String, byte[]> deep = new LinkedHashMap<>(good);
            deep.put("config.json", config.replace("\"metadata\": {", "\"metadata\": {\"deep\": " + "[".repeat(depth)
                    + "]".repeat(depth) + ", ").getBytes(StandardCharsets.UTF_8));
            check(zip(deep), t);
            Map<String, byte[]> whole = new LinkedHashMap<>(good);
            whole.put("config.json", ("{\"a\":".repeat(depth) + "1" + "}".repeat(depth)).getBytes(StandardCharsets.UTF_8));
            check(zip(whole), t);
        }
        for (int length : new int[] {1000, 2_000_000, 7_000_000}) {
            Map<String, byte[]> longList = new LinkedHashMap<>(good);
            longList.put("config.json", config.replace("\"trainLoss\": [", "\"trainLoss\": [" + "0.5,".repeat(length))
                    .getBytes(StandardCharsets.UTF_8));
            check(zip(longList), t);
            Map<String, byte[]> longMeta = new LinkedHashMap<>(good);
            longMeta.put("config.json", config.replace("\"metadata\": {", "\"metadata\": {\"list\": ["
                    + "1,".repeat(length) + "1], ").getBytes(StandardCharsets.UTF_8));
            check(zip(longMeta), t);
        }
        // thousands of layers, and an input shape of absurd size
        StringBuilder layers = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            layers.append("{\"name\": \"r").append(i).append("\", \"type\": \"ReLU\", \"config\": {}},");
        }
        Map<String, byte[]> many = new LinkedHashMap<>(good);
        many.put("config.json", config.replace("\"layers\": [", "\"layers\": [" + layers)
                .getBytes(StandardCharsets.UTF_8));
        check(zip(many), t);
        Map<String, byte[]> wide = new LinkedHashMap<>(good);
        wide.put("config.json", config.replaceFirst("\"inputShape\": \\[[^]]*]", "\"inputShape\": [16777216, 16777216, 1]")
                .getBytes(StandardCharsets.UTF_8));
        check(zip(wide), t);
    }

    /**
     * {@code good}'s entries, those named in {@code zeros} replaced by a valid .npy header followed by that
     * many zero bytes, streamed (the test itself runs under the small heap it checks).
     */
    private static byte[] bomb(Map<String, byte[]> good, Map<String, Long> zeros) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        byte[] chunk = new byte[1 << 20];
        try (ZipOutputStream out = new ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : good.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                Long n = zeros.get(e.getKey());
                if (n == null) {
                    out.write(e.getValue());
                } else {
                    byte[] head = Npy.toBytes(Tensor.zeros(64, 8));
                    out.write(head);
                    for (long left = n - head.length; left > 0; left -= chunk.length) {
                        out.write(chunk, 0, (int) Math.min(chunk.length, left));
                    }
                }
                out.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    /** The zip with one entry's uncompressed size (local header and central directory) set to {@code size}. */
    private static byte[] forgeSizes(byte[] zip, String entry, int size) {
        byte[] b = zip.clone();
        byte[] name = entry.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= b.length; i++) {
            int sig = bb.getInt(i);
            if (sig == 0x04034b50 && matches(b, i + 30, name) && bb.getShort(i + 26) == name.length) {
                bb.putInt(i + 22, size);
            } else if (sig == 0x02014b50 && i + 46 + name.length <= b.length && matches(b, i + 46, name)
                    && bb.getShort(i + 28) == name.length) {
                bb.putInt(i + 24, size);
            }
        }
        return b;
    }

    private static boolean matches(byte[] b, int at, byte[] name) {
        if (at + name.length > b.length) {
            return false;
        }
        for (int j = 0; j < name.length; j++) {
            if (b[at + j] != name[j]) {
                return false;
            }
        }
        return true;
    }
}
