package dev.cnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.nn.Model;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark entry point end to end in local mode: prepare, train, predict. */
class SparkMainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = SparkMain.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void aTableIsPreparedTrainedOnAndScored() throws Exception {
        NumpyRandom rng = new NumpyRandom(3);
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 200; i++) {
            double a = rng.nextGaussian();
            double b = rng.nextGaussian();
            csv.append(String.format(java.util.Locale.ROOT, "%.5f,%.5f,%.5f%n", a, b, 2 * a - b));
        }
        Path file = Files.writeString(dir.resolve("t.csv"), csv);
        String data = dir.resolve("t.parquet").toString();
        Run p = run("prepare", "table", file.toString(), data, "--target", "y", "--master", "local[2]");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("wrote 200 rows"), p.out());
        Path net = Files.writeString(dir.resolve("net.json"), "[{\"name\": \"fc\", \"type\": \"FullyConnected\", "
                + "\"config\": {\"inputSize\": 2, \"outputSize\": 1}}]");
        String model = dir.resolve("m.cnn").toString();
        Run t = run("train", data, "--network", net.toString(), "--out", model, "--epochs", "20", "--batch-size", "20",
                "--lr", "0.05", "--master", "local[2]");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("trained 20 epochs (200 optimizer steps)"), t.out());
        assertEquals(20, Model.load(Path.of(model)).epochsDone());
        Run s = run("predict", model, data, "--master", "local[2]");
        assertEquals(0, s.code(), s.err());
        double rmse = Double.parseDouble(s.out().replaceAll("(?s).*rmse ([0-9.e-]+),.*", "$1"));
        assertTrue(rmse < 0.1, "a linear target learned by a linear layer: " + s.out());
    }

    @Test
    void anImageFolderIsScoredThroughSparksImageDataSourceWithLabelsFromFolderNames() throws Exception {
        NumpyRandom rng = new NumpyRandom(4);
        Path images = dir.resolve("images");
        for (String c : java.util.List.of("x", "y")) {
            Files.createDirectories(images.resolve(c));
            for (int i = 0; i < 4; i++) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(5, 4,
                        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < 20; p++) {
                    img.getRaster().setSample(p % 5, p / 5, 0, (int) (rng.nextDouble() * 256));
                }
                javax.imageio.ImageIO.write(img, i % 2 == 0 ? "png" : "jpg", images.resolve(c).resolve(i + (i % 2 == 0
                        ? ".png" : ".jpg")).toFile());
            }
        }
        Files.writeString(images.resolve("x").resolve("notes.txt"), "not an image");
        Model m = Model.builder(4, 5, 1).seed(3).add("flat", new dev.cnn.nn.layers.Flatten())
                .add("fc", new dev.cnn.nn.layers.FullyConnected(2)).add("softmax", dev.cnn.nn.layers.Activation.softmax()).build();
        m.metadata().put("classNames", java.util.List.of("x", "y"));
        m.metadata().put("inputScale", 1.0 / 255);
        Path model = dir.resolve("images.cnn");
        m.save(model);
        // what cnn computes on the same files, read by its own ImageFolder
        dev.cnn.data.ImageSet set = dev.cnn.data.ImageFolder.load(images, 1);
        float[] x = new float[set.count() * 20];
        for (int i = 0; i < set.count(); i++) {
            for (int p = 0; p < 20; p++) {
                x[i * 20 + p] = (float) ((set.image(i)[p] & 0xff) * (1.0 / 255));
            }
        }
        int[] predicted = m.predictClasses(dev.cnn.core.Tensor.wrap(x, set.count(), 4, 5, 1));
        int wrong = 0;
        for (int i = 0; i < set.count(); i++) {
            wrong += predicted[i] != set.label(i) ? 1 : 0;
        }
        String out = dir.resolve("scores.json").toString();
        Run r = run("predict", model.toString(), images.toString(), "--format", "image", "--out", out, "--master", "local[2]");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(" + wrong + " wrong of 8)"), "as cnn on ImageFolder's pixels: " + wrong + " wrong; "
                + r.out());
        long lines = 0;
        try (java.util.stream.Stream<Path> parts = Files.list(Path.of(out))) {
            for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(part)) {
                    assertTrue(line.contains("\"origin\":\"file:") && line.contains("\"probability\":"), line);
                    lines++;
                }
            }
        }
        assertEquals(8, lines, "one JSON line per image, the text file left out");

        // a folder that is not a class: scored, not evaluated
        Files.createDirectories(images.resolve("z"));
        Files.copy(images.resolve("x").resolve("0.png"), images.resolve("z").resolve("0.png"));
        Run unlabelled = run("predict", model.toString(), images.toString(), "--format", "image", "--master", "local[2]");
        assertEquals(0, unlabelled.code(), unlabelled.err());
        assertTrue(unlabelled.out().contains("1 images are not in a folder named after one of the model's classes [x, y]")
                && unlabelled.out().contains("scored 9 rows"), unlabelled.out());
    }

    @Test
    void mnistFilesBecomePixelRowsAndUsageErrorsExitTwo() throws Exception {
        Path idx = Files.createDirectories(dir.resolve("idx"));
        for (String set : new String[] {"train", "t10k"}) {
            ByteBuffer img = ByteBuffer.allocate(16 + 4 * 4).putInt(2051).putInt(4).putInt(2).putInt(2);
            Files.write(idx.resolve(set + "-images-idx3-ubyte"), img.array());
            ByteBuffer lab = ByteBuffer.allocate(8 + 4).putInt(2049).putInt(4).put(new byte[] {2, 5, 7, 5});
            Files.write(idx.resolve(set + "-labels-idx1-ubyte"), lab.array());
        }
        Run p = run("prepare", "mnist", idx.toString(), dir.resolve("m.parquet").toString(), "--digits", "2,5",
                "--master", "local[2]");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("wrote 3 rows"), "the 7 is left out: " + p.out());
        Run bad = run("frobnicate");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown command 'frobnicate'"), bad.err());
        Run noTarget = run("prepare", "table", "x.csv", "y.parquet", "--master", "local[1]");
        assertEquals(2, noTarget.code());
        assertTrue(noTarget.err().contains("prepare table needs --target COLUMN"), noTarget.err());
    }
}
