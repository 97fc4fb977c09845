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
    /** Magic number of an IDX file of unsigned-byte images (3 dimensions). */
    public static final int IMAGES_MAGIC = 2051;
    /** Magic number of an IDX file of unsigned-byte labels (1 dimension). */
    public static final int LABELS_MAGIC = 2049;
    static final int MAX_GZIP_RATIO = 1100;
    /**
     * Largest body a header may declare: what one Java array holds. A gzipped file may also declare at
     * most {@value #MAX_GZIP_RATIO} times its own size (more than deflate can expand to).
     */
    static final long MAX_BODY = Integer.MAX_VALUE - 16;

    private Idx() {
    }

    /** Images as bytes: {@code count} images of {@code rows x cols}, row-major, one byte per pixel. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    /** Reads an image file ({@code .gz} or raw). */
    public static Images readImages(Path file) throws IOException {
        try (InputStream in = open(file)) {
            ByteBuffer bb = header(file, in, IMAGES_MAGIC, 16);
            int count = bb.getInt(4);
            int rows = bb.getInt(8);
            int cols = bb.getInt(12);
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw new DataException(file + ": bad IDX image header: count " + count + ", size " + rows + "x" + cols);
            }
            long body = (long) count * rows * cols;
            byte[] pixels = body(file, in, body, count + " images of " + rows + "x" + cols);
            return new Images(count, rows, cols, pixels);
        }
    }

    /** Reads a label file ({@code .gz} or raw): one byte per label. */
    public static byte[] readLabels(Path file) throws IOException {
        try (InputStream in = open(file)) {
            ByteBuffer bb = header(file, in, LABELS_MAGIC, 8);
            int count = bb.getInt(4);
            if (count < 0) {
                throw new DataException(file + ": bad IDX label header: count " + count);
            }
            return body(file, in, count, count + " labels");
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (!gzipped(file)) {
            return raw;
        }
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            raw.close();
            throw new DataException(file + ": corrupt gzip data: " + e.getMessage(), e);
        }
    }

    private static boolean gzipped(Path file) {
        return file.getFileName().toString().endsWith(".gz");
    }

    private static ByteBuffer header(Path file, InputStream in, int magic, int size) throws IOException {
        byte[] h = readN(file, in, size);
        if (h.length < size) {
            throw new DataException(file + ": too short for an IDX header (" + h.length + " bytes)");
        }
        ByteBuffer bb = ByteBuffer.wrap(h);
        int m = bb.getInt(0);
        if (m != magic) {
            throw new DataException(file + ": wrong IDX magic number " + m + ", expected " + magic
                    + (magic == IMAGES_MAGIC ? " (an image file)" : " (a label file)"));
        }
        return bb;
    }

    /**
     * Exactly the {@code bytes} the header declared, and nothing after them. The declared size is checked
     * against what the file can hold before anything is allocated, and the buffer grows only with bytes
     * actually read, so neither a lying header nor a decompression bomb can exhaust memory.
     */
    private static byte[] body(Path file, InputStream in, long bytes, String what) throws IOException {
        long fileSize = Files.size(file);
        long possible = gzipped(file) ? fileSize * MAX_GZIP_RATIO : fileSize;
        if (bytes > MAX_BODY || bytes > possible) {
            throw new DataException(file + ": header says " + what + " (" + bytes + " bytes), more than a "
                    + fileSize + "-byte file can hold");
        }
        byte[] b = readN(file, in, (int) bytes);
        if (b.length < bytes) {
            throw new DataException(file + ": header says " + what + " (" + bytes + " bytes) but the file has only "
                    + b.length + " bytes after the header");
        }
        if (readN(file, in, 1).length > 0) {
            throw new DataException(file + ": header says " + what + " (" + bytes + " bytes) but more bytes follow; "
                    + "the file is corrupt or not what its header says");
        }
        return b;
    }

    private static byte[] readN(Path file, InputStream in, int n) throws IOException {
        try {
            return in.readNBytes(n);
        } catch (EOFException e) {
            throw new DataException(file + ": truncated gzip data (the download or copy is incomplete)", e);
        } catch (ZipException e) {
            throw new DataException(file + ": corrupt gzip data: " + e.getMessage(), e);
        }
    }
}
