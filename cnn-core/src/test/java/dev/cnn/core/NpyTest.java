package dev.cnn.core;

import static dev.cnn.core.Assertions2.assertShape;
import static dev.cnn.core.Assertions2.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) {
        return Path.of("src/test/resources/npy", name);
    }

    @Test
    void readsFilesWrittenByNumpy() throws IOException {
        double[] half = {-1, -0.5, 0, 0.5, 1, 1.5};
        Tensor f4 = Npy.read(fixture("f4_2x3.npy"));
        assertShape(f4, 2, 3);
        assertValues(half, f4, 0);
        assertValues(half, Npy.read(fixture("f4_fortran_2x3.npy")), 0);
        assertValues(new double[] {0.1f, 0.35f, 0.6f, 0.85f, 1.1f, 1.35f}, Npy.read(fixture("f8_2x3.npy")), 0);
        assertValues(new double[] {0, 50, 100, 150, 200, 250}, Npy.read(fixture("u1_2x3.npy")), 0);
        assertValues(new double[] {-7, 0, 2147483647f}, Npy.read(fixture("i4_3.npy")), 0);
        assertValues(new double[] {-3, 4, 5, -6}, Npy.read(fixture("i8_2x2.npy")), 0);
        assertValues(new double[] {1.5, -2.25, 3}, Npy.read(fixture("f4_big_endian_3.npy")), 0);
        Tensor scalar = Npy.read(fixture("f4_scalar.npy"));
        assertEquals(0, scalar.rank());
        assertEquals(2.5f, scalar.data()[0]);
    }

    @Test
    void writesExactlyTheBytesNumpyWrites() throws IOException {
        Tensor t = Tensor.of(new float[] {-1, -0.5f, 0, 0.5f, 1, 1.5f}, 2, 3);
        assertArrayEquals(Files.readAllBytes(fixture("f4_2x3.npy")), Npy.toBytes(t));
    }

    @Test
    void roundTrip() throws IOException {
        Tensor t = new NumpyRandom(9).randn(3, 4, 5, 2);
        Path p = dir.resolve("t.npy");
        Npy.write(p, t);
        Tensor back = Npy.read(p);
        assertArrayEquals(t.shape(), back.shape());
        assertArrayEquals(t.data(), back.data());
    }

    @Test
    void malformedInputGetsAClearError() throws IOException {
        byte[] good = Files.readAllBytes(fixture("f4_2x3.npy"));
        assertError("not a .npy file", new byte[] {1, 2, 3});
        byte[] magic = good.clone();
        magic[1] = 'X';
        assertError("bad magic", magic);
        assertError("truncated data", Arrays.copyOf(good, good.length - 3));
        assertError("truncated .npy header", Arrays.copyOf(good, 40));
        byte[] version = good.clone();
        version[6] = 9;
        assertError("unsupported .npy version 9", version);
        assertError("unsupported dtype '<c8'", new String(good, 0, 128, "ISO-8859-1").replace("<f4", "<c8")
                .getBytes("ISO-8859-1"));
        String huge = new String(good, 0, 128, "ISO-8859-1").replace("(2, 3)", "(99999, 99999)");
        assertError("too large", huge.getBytes("ISO-8859-1"));
        String lying = new String(good, 0, 128, "ISO-8859-1").replace("(2, 3)", "(9000, 900)");
        assertError("needs 32400000 bytes but only", lying.getBytes("ISO-8859-1"));
    }

    private static void assertError(String expected, byte[] bytes) {
        IOException e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(bytes), "x.npy"));
        assertTrue(e.getMessage().startsWith("x.npy: ") && e.getMessage().contains(expected), e.getMessage());
    }
}
