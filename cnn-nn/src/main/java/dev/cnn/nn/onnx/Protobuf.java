package dev.cnn.nn.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A protocol-buffers message being written: fields in the wire format (varints, 32-bit floats,
 * length-delimited bytes and nested messages), enough for an ONNX model file. Repeated scalars are
 * written unpacked, which every parser accepts for proto2 fields.
 */
final class Protobuf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A varint field (int32, int64 or enum); negative values take ten bytes, as the format says. */
    Protobuf varint(int field, long value) {
        tag(field, 0);
        rawVarint(value);
        return this;
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
        tag(field, 5);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    /** A UTF-8 string field. */
    Protobuf string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A length-delimited bytes field. */
    Protobuf bytes(int field, byte[] value) {
        tag(field, 2);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    /** A nested message field. */
    Protobuf message(int field, Protobuf message) {
        return bytes(field, message.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
