package dev.cnn.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format: reads {@code <f4 <f8 |u1 <i4 <i8} (and their big-endian forms) in C or
 * Fortran order into a float32 {@link Tensor}; writes {@code <f4}, version 1.0, C order, which
 * {@code numpy.load} reads back. Every malformed input raises an {@link IOException} that says what was
 * wrong; sizes are checked against the bytes actually present before anything large is allocated.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {
    }

    /** Reads a {@code .npy} file. */
    public static Tensor read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString());
        }
    }

    /**
     * Reads one array from a stream; {@code source} names it in error messages. Reads exactly the
     * array's bytes, so several arrays can follow each other.
     */
    public static Tensor read(InputStream in, String source) throws IOException {
        return read(in, source, null);
    }

    /**
     * As {@link #read(InputStream, String)}, but fails before reading any data unless the array's shape
     * is {@code expectedShape} (null accepts any shape).
     */
    public static Tensor read(InputStream in, String source, int[] expectedShape) throws IOException {
        byte[] pre = in.readNBytes(8);
        if (pre.length < 8) {
            throw new NpyFormatException(source + ": not a .npy file (only " + pre.length + " bytes)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre[i] != MAGIC[i]) {
                throw new NpyFormatException(source + ": not a .npy file (bad magic string)");
            }
        }
        int major = pre[6] & 0xff;
        long headerLen;
        if (major == 1) {
            byte[] l = in.readNBytes(2);
            if (l.length < 2) {
                throw new NpyFormatException(source + ": truncated .npy header");
            }
            headerLen = (l[0] & 0xff) | ((l[1] & 0xff) << 8);
        } else if (major == 2 || major == 3) {
            byte[] l = in.readNBytes(4);
            if (l.length < 4) {
                throw new NpyFormatException(source + ": truncated .npy header");
            }
            headerLen = ByteBuffer.wrap(l).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        } else {
            throw new NpyFormatException(source + ": unsupported .npy version " + major + "." + (pre[7] & 0xff)
                    + " (expected 1.0, 2.0 or 3.0)");
        }
        if (headerLen > MAX_HEADER) {
            throw new NpyFormatException(source + ": .npy header length " + headerLen + " is absurd");
        }
        byte[] hb = in.readNBytes((int) headerLen);
        if (hb.length < headerLen) {
            throw new NpyFormatException(source + ": truncated .npy header (" + hb.length + " of " + headerLen
                    + " bytes)");
        }
        String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr", source);
        boolean fortran = "True".equals(group(FORTRAN, header, "fortran_order", source));
        int[] shape = parseShape(group(SHAPE, header, "shape", source), source);

        if (expectedShape != null && !Arrays.equals(expectedShape, shape)) {
            throw new NpyFormatException(source + ": expected shape " + shapeText(expectedShape) + " but the file holds "
                    + shapeText(shape));
        }
        int itemSize;
        switch (descr.substring(1)) {
            case "f4": case "i4": itemSize = 4; break;
            case "f8": case "i8": itemSize = 8; break;
            case "u1": case "i1": case "b1": itemSize = 1; break;
            default:
                throw new NpyFormatException(source + ": unsupported dtype '" + descr
                        + "' (expected <f4, <f8, |u1, <i4 or <i8)");
        }
        char order = descr.charAt(0);
        if (itemSize > 1 && order != '<' && order != '>' && order != '=') {
            throw new NpyFormatException(source + ": unsupported byte order in dtype '" + descr + "'");
        }
        long count = 1;
        for (int d : shape) {
            count *= d;
            if (count > Integer.MAX_VALUE / 8) {
                throw new NpyFormatException(source + ": shape " + shapeText(shape) + " is too large to load");
            }
        }
        int nbytes = (int) count * itemSize;
        byte[] raw = in.readNBytes(nbytes); // grows with the bytes present, so a lying header cannot OOM
        if (raw.length < nbytes) {
            throw new NpyFormatException(source + ": truncated data: shape " + shapeText(shape) + " of " + descr
                    + " needs " + nbytes + " bytes but only " + raw.length + " are present");
        }
        ByteBuffer bb = ByteBuffer.wrap(raw).order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[(int) count];
        String kind = descr.substring(1);
        for (int i = 0; i < values.length; i++) {
            switch (kind) {
                case "f4": values[i] = bb.getFloat(); break;
                case "f8": values[i] = (float) bb.getDouble(); break;
                case "i4": values[i] = bb.getInt(); break;
                case "i8": values[i] = bb.getLong(); break;
                case "u1": values[i] = bb.get() & 0xff; break;
                default: values[i] = bb.get(); break;
            }
        }
        if (fortran && shape.length > 1) {
            values = fortranToC(values, shape);
        }
        return Tensor.wrap(values, shape);
    }

    /** Writes {@code t} as a version 1.0 {@code <f4} C-order {@code .npy} file. */
    public static void write(Path path, Tensor t) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            write(out, t);
        }
    }

    /** Writes {@code t} as {@code .npy} bytes to a stream (the stream is not closed). */
    public static void write(OutputStream out, Tensor t) throws IOException {
        out.write(toBytes(t));
    }

    /** The {@code .npy} bytes of {@code t}. */
    public static byte[] toBytes(Tensor t) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText(t.shape()) + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream bos = new ByteArrayOutputStream(10 + header.length() + 4 * t.size());
        bos.writeBytes(MAGIC);
        bos.write(1);
        bos.write(0);
        bos.write(header.length() & 0xff);
        bos.write(header.length() >>> 8);
        bos.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer bb = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(t.data());
        bos.writeBytes(bb.array());
        return bos.toByteArray();
    }

    private static String shapeText(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static String group(Pattern p, String header, String key, String source) throws NpyFormatException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new NpyFormatException(source + ": .npy header has no valid '" + key + "' entry: " + header.trim());
        }
        return m.group(1);
    }

    private static int[] parseShape(String text, String source) throws NpyFormatException {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String s = part.trim();
            if (s.isEmpty()) {
                continue;
            }
            s = s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
            try {
                long d = Long.parseLong(s);
                if (d < 0 || d > Integer.MAX_VALUE) {
                    throw new NpyFormatException(source + ": bad dimension " + s + " in shape (" + text + ")");
                }
                dims.add((int) d);
            } catch (NumberFormatException e) {
                throw new NpyFormatException(source + ": bad dimension '" + s + "' in shape (" + text + ")");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static float[] fortranToC(float[] f, int[] shape) {
        float[] c = new float[f.length];
        int rank = shape.length;
        int[] idx = new int[rank];
        for (int ci = 0; ci < c.length; ci++) {
            int fi = 0;
            int stride = 1;
            for (int a = 0; a < rank; a++) {
                fi += idx[a] * stride;
                stride *= shape[a];
            }
            c[ci] = f[fi];
            for (int a = rank - 1; a >= 0; a--) {
                if (++idx[a] < shape[a]) {
                    break;
                }
                idx[a] = 0;
            }
        }
        return c;
    }

    /** A {@code .npy} input that is not a valid array of a supported type. */
    public static final class NpyFormatException extends IOException {
        private static final long serialVersionUID = 1L;

        /** A {@code .npy} problem described by {@code message}. */
        public NpyFormatException(String message) {
            super(message);
        }
    }
}
