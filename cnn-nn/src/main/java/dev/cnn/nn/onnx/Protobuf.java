package dev.cnn.nn.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A protocol-buffers message being written, on protobuf-java's {@link CodedOutputStream}: varints, 32-bit
 * floats, length-delimited bytes and nested messages, enough for an ONNX model file. Repeated scalars are
 * written unpacked, which every parser accepts for proto2 fields.
 */
final class Protobuf {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    /** A varint field (int32, int64 or enum); negative values take ten bytes, as the format says. */
    Protobuf varint(int field, long value) {
        return write(() -> out.writeInt64(field, value));
    }

    /** Each value as its own varint field (an unpacked repeated int64). */
    Protobuf varints(int field, long... values) {
        for (long v : values) {
            varint(field, v);
        }
        return this;
    }

    /** A 32-bit float field, little-endian. */
    Protobuf float32(int field, float value) {
        return write(() -> out.writeFloat(field, value));
    }

    /** A UTF-8 string field. */
    Protobuf string(int field, String value) {
        return write(() -> out.writeString(field, value));
    }

    /** A length-delimited bytes field. */
    Protobuf bytes(int field, byte[] value) {
        return write(() -> out.writeByteArray(field, value));
    }

    /** A nested message field. */
    Protobuf message(int field, Protobuf message) {
        return bytes(field, message.toByteArray());
    }

    byte[] toByteArray() {
        write(out::flush);
        return bytes.toByteArray();
    }

    /** A write that cannot fail (the bytes go to memory). */
    private interface Write {
        void run() throws IOException;
    }

    private Protobuf write(Write w) {
        try {
            w.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
