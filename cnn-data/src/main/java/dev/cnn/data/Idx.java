package dev.cnn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST and Fashion-MNIST, raw or gzipped: big-endian magic number (2051 for
 * {@code uint8} images {@code (count, rows, cols)}, 2049 for {@code uint8} labels {@code (count)}),
 * then the sizes, then the bytes. Every header field is checked against the bytes present.
 */
public final class Idx {
    public static final int IMAGES_MAGIC = 2051;
    public static final int LABELS_MAGIC = 2049;

    private Idx() {
    }

    /** Images as bytes: {@code count} images of {@code rows x cols}, row-major, one byte per pixel. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    /** Reads an image file ({@code .gz} or raw). */
    public static Images readImages(Path file) throws IOException {
        byte[] b = readAll(file);
        ByteBuffer bb = header(file, b, IMAGES_MAGIC, 16);
        int count = bb.getInt(4);
        int rows = bb.getInt(8);
        int cols = bb.getInt(12);
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new DataException(file + ": bad IDX image header: count " + count + ", size " + rows + "x" + cols);
        }
        long expected = 16L + (long) count * rows * cols;
        if (b.length != expected) {
            throw new DataException(file + ": header says " + count + " images of " + rows + "x" + cols + " (" + expected
                    + " bytes) but the file has " + b.length + " bytes");
        }
        byte[] pixels = new byte[b.length - 16];
        System.arraycopy(b, 16, pixels, 0, pixels.length);
        return new Images(count, rows, cols, pixels);
    }

    /** Reads a label file ({@code .gz} or raw): one byte per label. */
    public static byte[] readLabels(Path file) throws IOException {
        byte[] b = readAll(file);
        ByteBuffer bb = header(file, b, LABELS_MAGIC, 8);
        int count = bb.getInt(4);
        if (count < 0 || b.length != 8L + count) {
            throw new DataException(file + ": header says " + count + " labels but the file has " + (b.length - 8)
                    + " label bytes");
        }
        byte[] labels = new byte[count];
        System.arraycopy(b, 8, labels, 0, count);
        return labels;
    }

    private static ByteBuffer header(Path file, byte[] b, int magic, int size) throws DataException {
        if (b.length < size) {
            throw new DataException(file + ": too short for an IDX header (" + b.length + " bytes)");
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        int m = bb.getInt(0);
        if (m != magic) {
            throw new DataException(file + ": wrong IDX magic number " + m + ", expected " + magic
                    + (magic == IMAGES_MAGIC ? " (an image file)" : " (a label file)"));
        }
        return bb;
    }

    /** The whole file, decompressed when its name ends in {@code .gz}. */
    static byte[] readAll(Path file) throws IOException {
        if (!file.getFileName().toString().endsWith(".gz")) {
            return Files.readAllBytes(file);
        }
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), 1 << 16)) {
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new DataException(file + ": truncated gzip data (the download or copy is incomplete)", e);
        } catch (ZipException e) {
            throw new DataException(file + ": corrupt gzip data: " + e.getMessage(), e);
        }
    }
}
