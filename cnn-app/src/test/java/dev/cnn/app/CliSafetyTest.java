package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.data.Standardizer;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import java.awt.image.BufferedImage;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line never loses a model, never trains on nonsense, never answers wrong in silence. */
class CliSafetyTest {
    private static CliTest.Run cnn(String... args) {
        return CliTest.cnn(args);
    }

    @TempDir
    Path dir;
    Path data;

    /** A small housing table with the real columns: prices follow income and location. */
    private static void housing(Path file, int rows, long seed) throws Exception {
        NumpyRandom r = new NumpyRandom(seed);
        StringBuilder sb = new StringBuilder("longitude,latitude,housing_median_age,total_rooms,total_bedrooms,"
                + "population,households,median_income,median_house_value\n");
        for (int i = 0; i < rows; i++) {
            double lon = -124 + 9 * r.nextDouble();
            double lat = 33 + 8 * r.nextDouble();
            double income = 1 + 8 * r.nextDouble();
            double households = 100 + 900 * r.nextDouble();
            double price = 40000 * income + 5000 * (lat - 33) + 20000 * r.nextGaussian();
            sb.append(String.format(Locale.ROOT, "%.2f,%.2f,%d,%.0f,%.0f,%.0f,%.0f,%.4f,%.0f%n", lon, lat, 5 + i % 40,
                    households * 5, households, households * 3, households, income, price));
        }
        Files.writeString(file, sb.toString());
    }

    @BeforeEach
    void data() throws Exception {
        data = Files.createDirectories(dir.resolve("datasets/california_housing"));
        housing(data.resolve("california_housing_train.csv"), 240, 1);
        housing(data.resolve("california_housing_test.csv"), 40, 2);
        data = dir.resolve("datasets");
    }

    private CliTest.Run train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "housing", "--data", data.toString(), "--out", out.toString(),
                "--quiet", "--epochs", "2"));
        a.addAll(List.of(extra));
        return cnn(a.toArray(String[]::new));
    }

    @Test
    void aDivergedRunLeavesTheGoodModelAndSaysSo() throws Exception {
        Path m = dir.resolve("run/m.cnn");
        CliTest.Run good = train(m);
        assertEquals(0, good.code(), good.err());
        byte[] before = Files.readAllBytes(m);
        // what a save killed by kill -9 leaves: a temporary file nobody holds a lock on, and a stale lock file
        Path orphan = Files.write(dir.resolve("run/.m.cnn.5eed1e55.tmp"), new byte[183_000]);
        Path plot = Files.write(dir.resolve("run/.loss.png.0123abcd.tmp"), new byte[10]);
        Path other = Files.write(dir.resolve("run/.notes.txt.0123abcd.tmp"), new byte[10]);
        for (Path p : List.of(orphan, plot, other)) {
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        }
        Files.writeString(dir.resolve("run/.cnn-train.lock"), "12345\n");
        CliTest.Run bad = train(m, "--lr", "1e6");
        assertTrue(!Files.exists(orphan) && !Files.exists(plot), "cleaned when the run started, though it saved nothing");
        assertTrue(Files.exists(other), "a file that is not one of the run's own is left alone");
        assertTrue(!Files.exists(dir.resolve("run/.cnn-train.lock")), "the stale lock was taken and released");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("training diverged at epoch 1") && bad.err().contains(m + " was left as it was"),
                bad.err());
        assertArrayEquals(before, Files.readAllBytes(m), "the good model is untouched");
        assertTrue(Files.readString(dir.resolve("run/train.log")).contains("training diverged"), "the error is in the log");
        assertEquals(1, bad.err().lines().filter(l -> l.contains("diverged")).count(), "said once: " + bad.err());
    }

    @Test
    void valuesThatCannotTrainAreUsageErrorsAndTouchNothing() throws Exception {
        Path m = dir.resolve("u/m.cnn");
        assertEquals(0, train(m).code());
        byte[] before = Files.readAllBytes(m);
        for (String[] args : List.of(new String[] {"--epochs", "0"}, new String[] {"--epochs", "-1"},
                new String[] {"--batch-size", "2147483647"}, new String[] {"--val-fraction", "NaN"},
                new String[] {"--threads", "100000"}, new String[] {"--save-every", "-1"}, new String[] {"--lr", "Infinity"},
                new String[] {"--seed", "-3"}, new String[] {"--optimizer", "lbfgs"})) {
            CliTest.Run r = train(m, args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("cnn: usage error: ") && r.err().contains(args[0]), r.err());
        }
        CliTest.Run r = cnn("train", "housing", "--data", data.toString(), "--resume", m.toString(), "--out", m.toString(),
                "--epochs", "2147483647");
        assertEquals(2, r.code(), r.err());
        CliTest.Run done = cnn("train", "housing", "--data", data.toString(), "--resume", m.toString(), "--out", m.toString());
        assertEquals(2, done.code(), done.err());
        assertTrue(done.err().contains("already trained the 2 epochs it planned"), done.err());
        assertArrayEquals(before, Files.readAllBytes(m));
    }

    @Test
    void resumeNamesOptionsItCannotHonourAndAppliesTheLearningRate() throws Exception {
        Path m = dir.resolve("r/m.cnn");
        assertEquals(0, train(m).code());
        for (String[] args : List.of(new String[] {"--seed", "7"}, new String[] {"--batch-size", "16"},
                new String[] {"--optimizer", "gd"}, new String[] {"--init", "xavier"}, new String[] {"--val-fraction", "0.2"})) {
            List<String> a = new ArrayList<>(List.of("train", "housing", "--data", data.toString(), "--resume",
                    m.toString(), "--out", m.toString(), "--epochs", "1"));
            a.addAll(List.of(args));
            CliTest.Run r = cnn(a.toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(args[0] + " " + args[1] + " differs from the resumed model's"), r.err());
        }
        CliTest.Run same = cnn("train", "housing", "--data", data.toString(), "--resume", m.toString(), "--out", m.toString(),
                "--epochs", "1", "--seed", "1", "--batch-size", "64", "--lr", "0.001", "--quiet");
        assertEquals(0, same.code(), same.err());
        Model back = Model.load(m);
        assertEquals(0.001, ((Number) ((Map<?, ?>) back.metadata().get("settings")).get("learningRate")).doubleValue());
    }

    @Test
    void outputProblemsSurfaceBeforeTraining() throws Exception {
        CliTest.Run d = train(dir);
        assertEquals(1, d.code());
        assertTrue(d.err().contains("cannot write " + dir + ": is a directory"), d.err());
        CliTest.Run dev = train(Path.of("/dev/null"));
        assertEquals(1, dev.code());
        assertTrue(dev.err().contains("not a regular file"), dev.err());
        Path longName = dir.resolve("x".repeat(300) + ".cnn");
        CliTest.Run tooLong = train(longName);
        assertEquals(1, tooLong.code());
        assertTrue(tooLong.err().contains("cannot write") && tooLong.err().contains("name too long"), tooLong.err());
        for (CliTest.Run r : List.of(d, dev, tooLong)) {
            assertFalse(r.err().contains("epoch"), "failed before training: " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void aSymlinkedOutputUpdatesItsTargetAndReportsGoBesideTheLink() throws Exception {
        Path real = Files.createDirectories(dir.resolve("store")).resolve("real.cnn");
        Files.createDirectories(dir.resolve("l"));
        Path link = Files.createSymbolicLink(dir.resolve("l/m.cnn"), real);
        CliTest.Run r = train(link);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(2, Model.load(real).epochsDone());
        assertTrue(Files.exists(dir.resolve("l/metrics.json")));
    }

    @Test
    void aSecondRunOnTheSameOutputIsRefused() throws Exception {
        Path out = Files.createDirectories(dir.resolve("busy"));
        try (FileChannel ch = FileChannel.open(out.resolve(".cnn-train.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = ch.lock()) {
            CliTest.Run r = train(out.resolve("m.cnn"));
            assertEquals(1, r.code());
            assertTrue(r.err().contains("another cnn run is writing " + out), r.err());
        }
        assertFalse(Files.exists(out.resolve("m.cnn")));
        assertEquals(0, train(out.resolve("m.cnn")).code(), "free again once the other run ends");
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".")).toList(),
                    "no lock or temporary files stay behind");
        }
    }

    @Test
    void editedMetadataIsRefusedNamingTheKey() throws Exception {
        Path m = digits(List.of("2"), 1.0 / 255);
        CliTest.Run r = cnn("predict", m.toString(), png().toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("metadata 'classNames' must be a list of 2 non-empty names"), r.err());
        CliTest.Run s = cnn("predict", digits(List.of("2", "5"), "x").toString(), png().toString());
        assertTrue(s.err().contains("metadata 'inputScale' must be a positive number, got x"), s.err());
        Path h = housingModel(Map.of("mean", List.of(1.0), "std", List.of(1.0)), 1);
        CliTest.Run e = cnn("predict", h.toString(), data.resolve("california_housing/california_housing_test.csv").toString());
        assertTrue(e.err().contains("metadata 'featureScaler' has 1 columns, the model needs " + HousingFeatures.COUNT),
                e.err());
        assertEquals(1, e.err().strip().lines().count(), e.err());
    }

    @Test
    void nonFinitePricesAreAnErrorAndExtrapolationsAWarning() throws Exception {
        Standardizer unit = new Standardizer(new double[HousingFeatures.COUNT], ones(HousingFeatures.COUNT));
        Path csv = data.resolve("california_housing/california_housing_test.csv");
        CliTest.Run inf = cnn("predict", housingModel(unit.toMap(), 3e37f).toString(), csv.toString());
        assertEquals(1, inf.code(), inf.out());
        assertTrue(inf.err().contains(csv + ": the model's output for sample 0 is -Infinity (an overflow")
                && inf.err().contains("sample i is line i+2"), inf.err());
        assertEquals("", inf.out(), "nothing printed for a wrong answer");

        Path trained = dir.resolve("t/m.cnn");
        assertEquals(0, train(trained).code());
        Path odd = Files.writeString(dir.resolve("odd.csv"), "longitude,latitude,housing_median_age,total_rooms,"
                + "total_bedrooms,population,households,median_income\n-122.2,37.8,20,1000,200,600,200,900\n");
        CliTest.Run w = cnn("predict", trained.toString(), odd.toString());
        assertEquals(0, w.code(), w.err());
        assertTrue(w.err().contains("line 2: column 'median_income' is") && w.err().contains("extrapolation"), w.err());
    }

    @Test
    void helpHasNoFormattingWarnings() {
        CliTest.Run r = cnn("train", "--help");
        assertEquals(0, r.code());
        assertFalse(r.err().contains("picocli WARN") || r.out().contains("picocli WARN"), r.err());
        assertTrue(r.out().contains("5% of it"), r.out());
    }

    /**
     * Every model kind against every input kind: either a prediction, or one line per bad input that names
     * the file and what the model takes, exit code 1, and never a JDK exception's text.
     */
    @Test
    void everyModelKindAgainstEveryInputKindIsAPredictionOrOneClearLine() throws Exception {
        Path digits = digits(List.of("2", "5"), 1.0 / 255);
        Path housing = housingModel(new Standardizer(new double[HousingFeatures.COUNT], ones(HousingFeatures.COUNT))
                .toMap(), 0.01f);
        Model t = Model.builder(2).add("fc", new FullyConnected(Tensor.full(0.5f, 2, 1), Tensor.zeros(1)))
                .loss(Loss.MEAN_SQUARED_ERROR).build();
        t.metadata().put("task", "table");
        t.metadata().put("target", "y");
        t.metadata().put("features", List.of("a", "b"));
        t.metadata().put("featureScaler", Map.of("mean", List.of(0.0, 0.0), "std", List.of(1.0, 1.0)));
        t.metadata().put("targetScaler", Map.of("mean", List.of(0.0), "std", List.of(1.0)));
        Path table = dir.resolve("table.cnn");
        t.save(table);

        Path image = png();
        Path housingCsv = data.resolve("california_housing/california_housing_test.csv");
        Path tableCsv = Files.writeString(dir.resolve("rows.csv"), "b,a\n1,2\n3,4\n");
        Path npy = dir.resolve("x.npy");
        dev.cnn.core.Npy.write(npy, Tensor.zeros(1, 28, 28, 1));
        Path imageDir = Files.createDirectories(dir.resolve("pictures/nested"));
        Files.copy(image, imageDir.resolve("a.png"));
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image\n");
        Path missing = dir.resolve("missing.png");
        Map<String, Path> inputs = new java.util.LinkedHashMap<>();
        inputs.put("image", image);
        inputs.put("housing csv", housingCsv);
        inputs.put("table csv", tableCsv);
        inputs.put("npy", npy);
        inputs.put("image folder", dir.resolve("pictures"));
        inputs.put("csv folder", data);
        inputs.put("empty file", empty);
        inputs.put("text as png", text);
        inputs.put("missing", missing);
        Map<String, List<String>> predictable = Map.of(
                digits.toString(), List.of("image", "image folder"),
                housing.toString(), List.of("housing csv", "csv folder"),
                table.toString(), List.of("table csv"));
        int pairs = 0;
        for (Path model : List.of(digits, housing, table)) {
            for (Map.Entry<String, Path> in : inputs.entrySet()) {
                CliTest.Run r = cnn("predict", model.toString(), in.getValue().toString());
                String what = model.getFileName() + " x " + in.getKey() + ": " + r.err();
                if (predictable.get(model.toString()).contains(in.getKey())) {
                    assertEquals(0, r.code(), what);
                    assertFalse(r.out().isBlank(), what);
                    continue;
                }
                pairs++;
                assertEquals(1, r.code(), what);
                assertTrue(r.out().isBlank(), what);
                List<String> lines = r.err().strip().lines().toList();
                for (String line : lines.subList(0, lines.size() - 1)) { // a line per bad file, then the count
                    assertTrue(line.startsWith("cnn: error: " + in.getValue()), what);
                }
                assertTrue(lines.get(lines.size() - 1).matches("cnn: \\d+ of \\d+ inputs could not be predicted"), what);
                for (String jdk : List.of("null", "Exception", "java.", "Index ", "cannot be cast", "Cannot ")) {
                    assertFalse(r.err().contains(jdk), jdk + " in " + what);
                }
                if (!in.getKey().contains("csv") || model == digits) {
                    assertTrue(r.err().contains("model takes") || r.err().contains("no such file")
                            || r.err().contains("no column named"), what);
                }
            }
        }
        assertEquals(22, pairs);

        // several inputs, one of them bad: the good ones are predicted, the bad one named, exit 1
        CliTest.Run mixed = cnn("predict", digits.toString(), image.toString(), text.toString(), imageDir.toString());
        assertEquals(1, mixed.code());
        assertEquals(2, mixed.out().strip().lines().count(), mixed.out());
        assertTrue(mixed.err().contains("cnn: error: " + text + ": not a PNG or JPEG image")
                && mixed.err().contains("1 of 3 inputs could not be predicted; the others were"), mixed.err());
    }

    /** Devices and FIFOs are refused by type, before they are opened: no endless read, no wait for a writer. */
    @Test
    void devicesAndFifosAreRefusedBeforeTheyAreRead() throws Exception {
        Path fifo = dir.resolve("p.png");
        Path netFifo = dir.resolve("net.json");
        for (Path f : List.of(fifo, netFifo)) {
            assertEquals(0, new ProcessBuilder("mkfifo", f.toString()).start().waitFor());
        }
        Path digits = digits(List.of("2", "5"), 1.0 / 255);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            for (String net : List.of("/dev/zero", netFifo.toString())) {
                CliTest.Run r = cnn("train", "housing", "--data", data.toString(), "--model", net, "--out",
                        dir.resolve("m.cnn").toString());
                assertEquals(1, r.code(), r.err());
                assertTrue(r.err().contains(net + ": not a regular file (a device, a pipe or a socket)"), r.err());
            }
            CliTest.Run p = cnn("predict", digits.toString(), fifo.toString());
            assertEquals(1, p.code());
            assertTrue(p.err().contains(fifo + ": not a regular file"), p.err());
            CliTest.Run m = cnn("evaluate", "/dev/null");
            assertEquals(1, m.code());
            assertTrue(m.err().contains("/dev/null: not a regular file (a device, a pipe or a socket), so not a model "
                    + "file"), m.err());
        });
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            Path csvFifo = dir.resolve("rows.csv");
            assertEquals(0, new ProcessBuilder("mkfifo", csvFifo.toString()).start().waitFor());
            CliTest.Run t = cnn("train", "table", csvFifo.toString(), "--target", "y", "--out", dir.resolve("t.cnn").toString());
            assertEquals(1, t.code());
            assertTrue(t.err().contains(csvFifo + ": not a regular file (a device, a pipe or a socket), so not a CSV file"),
                    t.err());
            CliTest.Run z = cnn("train", "table", "/dev/zero", "--target", "y", "--out", dir.resolve("t.cnn").toString());
            assertEquals(1, z.code());
            assertTrue(z.err().contains("/dev/zero: not a regular file"), z.err());
        });
        Path deep = Files.writeString(dir.resolve("deep.json"), "[".repeat(200_000));
        CliTest.Run d = cnn("train", "housing", "--data", data.toString(), "--model", deep.toString(), "--out",
                dir.resolve("m.cnn").toString());
        assertEquals(1, d.code());
        assertTrue(d.err().contains("deep.json: not valid JSON") && !d.err().contains("com.google"), d.err());
        Path folder = Files.createDirectories(dir.resolve("net-dir"));
        CliTest.Run f = cnn("train", "housing", "--data", data.toString(), "--model", folder.toString(), "--out",
                dir.resolve("m.cnn").toString());
        assertEquals(1, f.code());
        assertTrue(f.err().contains(folder + ": a directory, not a network file"), f.err());
    }

    /** A --model network too large for the heap is refused from its description, before any weight exists. */
    @Test
    void aNetworkTooLargeForTheHeapIsRefusedBeforeItsWeightsAreAllocated() throws Exception {
        Path huge = Files.writeString(dir.resolve("huge.json"), "[{\"type\": \"FullyConnected\", \"name\": \"fc1\", "
                + "\"config\": {\"inputSize\": 460, \"outputSize\": 2700000}}, {\"type\": \"ReLU\", \"name\": \"r\"}, "
                + "{\"type\": \"FullyConnected\", \"name\": \"fc2\", \"config\": {\"inputSize\": 2700000, \"outputSize\": 1}}]");
        CliTest.Run r = cnn("train", "housing", "--data", data.toString(), "--model", huge.toString(), "--out",
                dir.resolve("m.cnn").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(huge + ": the network has at least 1,244,700,000 parameters: their weights and "
                + "gradients alone need 9,496 MB"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Path two = Files.writeString(dir.resolve("two.json"), "[{\"type\": \"FullyConnected\", \"name\": \"fc1\", "
                + "\"config\": {\"inputSize\": 460, \"outputSize\": 200000}}, {\"type\": \"FullyConnected\", \"name\": "
                + "\"fc2\", \"config\": {\"inputSize\": 200000, \"outputSize\": 20000}}]");
        CliTest.Run t = cnn("train", "housing", "--data", data.toString(), "--model", two.toString(), "--out",
                dir.resolve("m.cnn").toString());
        assertEquals(1, t.code(), t.err());
        assertTrue(t.err().contains("layer 'fc2' (FullyConnected): 200000 x 20000 weights are more than one tensor holds"),
                t.err());
    }

    private static double[] ones(int n) {
        double[] a = new double[n];
        Arrays.fill(a, 1);
        return a;
    }

    private Path png() throws Exception {
        Path p = dir.resolve("img.png");
        javax.imageio.ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY),
                "png", p.toFile());
        return p;
    }

    private Path digits(List<String> classNames, Object inputScale) throws Exception {
        NumpyRandom rng = new NumpyRandom(1);
        Model m = Model.builder(28, 28, 1)
                .add("conv1", new Conv2D(1, 2, 5, 1, Padding.SAME, Init.HE, rng))
                .add("pool1", new Pool2D(4, 4, PoolMode.MAX))
                .add("fc1", new FullyConnected(98, 1, Init.XAVIER, rng))
                .add("sigmoid", Activation.sigmoid())
                .loss(Loss.BINARY_CROSS_ENTROPY).build();
        m.metadata().put("task", "digits");
        m.metadata().put("classNames", classNames);
        m.metadata().put("inputScale", inputScale);
        Path p = dir.resolve("digits-" + classNames.size() + inputScale + ".cnn");
        m.save(p);
        return p;
    }

    private Path housingModel(Map<String, Object> featureScaler, float weight) throws Exception {
        Tensor w = Tensor.full(weight, HousingFeatures.COUNT, 1);
        Model m = Model.builder(HousingFeatures.COUNT)
                .add("fc", new FullyConnected(w, Tensor.zeros(1)))
                .loss(Loss.MEAN_SQUARED_ERROR).build();
        m.metadata().put("task", "housing");
        m.metadata().put("featureScaler", featureScaler);
        m.metadata().put("targetScaler", Map.of("mean", List.of(200000.0), "std", List.of(100000.0)));
        Path p = dir.resolve("housing-" + weight + ".cnn");
        m.save(p);
        return p;
    }
}
