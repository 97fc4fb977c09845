package dev.cnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files written by the test itself: 6 images of 2x3 pixels. */
class MnistTest {
    @TempDir
    Path dir;

    static byte[] images(int magic, int count, int rows, int cols, int actualPixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + actualPixels);
        b.putInt(magic).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < actualPixels; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    static byte[] labels(int magic, byte... l) {
        return ByteBuffer.allocate(8 + l.length).putInt(magic).putInt(l.length).put(l).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bos)) {
            o.write(raw);
        }
        return bos.toByteArray();
    }

    private void writeSet(boolean gz) throws IOException {
        byte[] trainImages = images(2051, 6, 2, 3, 36);
        byte[] trainLabels = labels(2049, (byte) 5, (byte) 0, (byte) 2, (byte) 5, (byte) 9, (byte) 2);
        byte[] testImages = images(2051, 2, 2, 3, 12);
        byte[] testLabels = labels(2049, (byte) 2, (byte) 5);
        write(Mnist.TRAIN_IMAGES, trainImages, gz);
        write(Mnist.TRAIN_LABELS, trainLabels, gz);
        write(Mnist.TEST_IMAGES, testImages, gz);
        write(Mnist.TEST_LABELS, testLabels, gz);
    }

    private void write(String name, byte[] raw, boolean gz) throws IOException {
        if (gz) {
            Files.write(dir.resolve(name + ".gz"), gzip(raw));
        } else {
            Files.write(dir.resolve(name), raw);
        }
    }

    @Test
    void readsGzippedAndRawFilesIntoScaledNhwcBatches() throws IOException {
        for (boolean gz : new boolean[] {true, false}) {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            writeSet(gz);
            Mnist.Split split = Mnist.load(dir);
            assertEquals(6, split.train().count());
            assertEquals(2, split.test().count());
            assertArrayEquals(new int[] {1, 0, 2, 0, 0, 2, 0, 0, 0, 1}, split.train().countsByLabel());
            Dataset twoFive = split.train().binary(2, 5);
            assertEquals(4, twoFive.size());
            assertArrayEquals(new int[] {2, 3, 1}, twoFive.sampleShape());
            float[] x = new float[4 * 6];
            float[] y = new float[4];
            twoFive.fill(new int[] {0, 1, 2, 3}, 0, 4, x, y);
            assertArrayEquals(new float[] {1, 0, 1, 0}, y, "5 -> 1, 2 -> 0, in file order 5,2,5,2");
            assertEquals(12 * 7, Math.round(x[6] * 255), "first pixel of original image 2 (label 2), the second selected");
            Dataset ten = split.train().oneHot();
            float[] y10 = new float[10];
            ten.fill(new int[] {4}, 0, 1, new float[6], y10);
            assertEquals(1f, y10[9]);
            assertEquals(1f, (float) Arrays.stream(toDouble(y10)).sum());
        }
    }

    @Test
    void otherIdxSetsCarryTheirOwnClassNames() throws IOException {
        writeSet(true);
        Mnist.Split split = Mnist.load(dir, List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"));
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), split.test().classNames());
        DataException e = assertThrows(DataException.class, () -> Mnist.load(dir, List.of("a", "b", "c")));
        assertTrue(e.getMessage().contains("label 9 is not one of the 3 classes (0-2)"), e.getMessage());
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void badFilesGetClearErrors() throws IOException {
        writeSet(true);
        byte[] gz = gzip(images(2051, 6, 2, 3, 36));
        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), Arrays.copyOf(gz, gz.length - 10));
        assertError("truncated gzip", () -> Mnist.load(dir));

        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), gzip(images(2049, 6, 2, 3, 36)));
        assertError("wrong IDX magic number 2049, expected 2051", () -> Mnist.load(dir));

        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), gzip(images(2051, 7, 2, 3, 42)));
        assertError("has 7 images but", () -> Mnist.load(dir));

        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), gzip(images(2051, 6, 2, 3, 30)));
        assertError("header says 6 images of 2x3 (36 bytes) but the file has only 30 bytes after the header",
                () -> Mnist.load(dir));

        // a decompression bomb: a valid header followed by far more zeros than it declares
        byte[] bomb = new byte[64 << 20];
        System.arraycopy(images(2051, 6, 2, 3, 0), 0, bomb, 0, 16);
        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), gzip(bomb));
        assertError("header says 6 images of 2x3 (36 bytes) but more bytes follow", () -> Mnist.load(dir));

        // a header that declares more than the file could ever inflate to is refused before anything is read
        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), gzip(images(2051, 60000, 2800, 2800, 0)));
        assertError("header says 60000 images of 2800x2800 (470400000000 bytes), more than a", () -> Mnist.load(dir));
        Files.write(dir.resolve(Mnist.TRAIN_IMAGES), images(2051, 100, 28, 28, 50));
        Files.delete(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"));
        assertError("header says 100 images of 28x28 (78400 bytes), more than a 66-byte file can hold",
                () -> Mnist.load(dir));
        Files.delete(dir.resolve(Mnist.TRAIN_IMAGES));

        Files.write(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"), "not gzip at all".getBytes());
        assertError("corrupt gzip data", () -> Mnist.load(dir));

        Files.delete(dir.resolve(Mnist.TRAIN_IMAGES + ".gz"));
        Files.delete(dir.resolve(Mnist.TEST_LABELS + ".gz"));
        assertError("IDX files missing in " + dir + ": train-images-idx3-ubyte, t10k-labels-idx1-ubyte",
                () -> Mnist.load(dir));
    }

    @Test
    void downloadFailsFastWithAHelpfulMessageWhenOffline() {
        long start = System.nanoTime();
        DataException e = assertThrows(DataException.class,
                () -> MnistDownload.loadOrDownload(dir.resolve("cache"), "http://127.0.0.1:9/mnist/", false));
        assertTrue(e.getMessage().contains("cannot be downloaded") && e.getMessage().contains("copy the four MNIST files"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("--data"), "a library message names no command-line option: " + e.getMessage());
        assertTrue((System.nanoTime() - start) < 30e9, "failed fast");
        assertTrue(Mnist.missing(dir.resolve("cache")).size() == 4, "nothing half-downloaded under a final name");
    }

    interface Call {
        void run() throws Exception;
    }

    static void assertError(String expected, Call c) {
        Exception e = assertThrows(Exception.class, c::run);
        assertTrue(e instanceof DataException, "expected a DataException, got " + e);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
