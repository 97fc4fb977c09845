package dev.cnn.nn.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.cnn.nn.io.ModelIO.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the parts of an ONNX file that import needs — the model's versions and producer, the main graph's
 * nodes, initializers, inputs and outputs — with protobuf-java's {@link CodedInputStream} and the field
 * numbers of the ONNX specification ({@code onnx.proto}). Everything else is skipped.
 *
 * <p>Bounded as model files are: the whole file is in memory, every length prefix is checked against the
 * bytes left ({@code pushLimit}), no array is sized from a count the file claims (tensor values are sized
 * from the bytes that hold them, and a tensor's declared dimensions must account for exactly those
 * values), and tensors stored in external files are refused. Any problem is a {@link ModelFormatException}
 * naming the file and the part.
 */
final class OnnxReader {
    // TensorProto.DataType
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int DOUBLE = 11;

    // AttributeProto.AttributeType
    static final int ATTR_FLOAT = 1;
    static final int ATTR_INT = 2;
    static final int ATTR_STRING = 3;
    static final int ATTR_TENSOR = 4;
    static final int ATTR_FLOATS = 6;
    static final int ATTR_INTS = 7;

    /** The model: versions, producer, default-domain opset and main graph. */
    record File(long irVersion, String producer, String producerVersion, long opset, Graph graph) {
    }

    /** The main graph: nodes in file order, initializers by name, declared inputs and outputs. */
    record Graph(List<Node> nodes, Map<String, TensorData> initializers, List<ValueInfo> inputs,
                 List<ValueInfo> outputs) {
    }

    /** One node: its operator, names and attributes by name. */
    record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                Map<String, Attribute> attributes) {
    }

    /** One attribute: the field its {@code type} names is set. */
    record Attribute(String name, int type, float f, long i, String s, TensorData t, float[] floats, long[] ints) {
    }

    /**
     * A tensor: {@code dims} as declared (their product is the number of values, checked), its values either
     * little-endian in {@code raw} (a view of the file's bytes, decoded when asked for) or in the typed fields.
     */
    record TensorData(String name, long[] dims, int dataType, ByteString raw, float[] typedFloats, long[] typedLongs) {
        /** The number of values (the product of the dimensions, checked against the data when read). */
        long size() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        /** Whether the values are floating point (float or double). */
        boolean isFloat() {
            return dataType == FLOAT || dataType == DOUBLE;
        }

        /**
         * The values of a float tensor as a buffer over the file's bytes (or its typed field), read in place: a
         * large kernel is converted without a decoded copy beside it. Other types are decoded first.
         */
        FloatBuffer floatBuffer() {
            if (dataType == FLOAT && raw != null) {
                return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            }
            return FloatBuffer.wrap(raw == null && typedFloats != null ? typedFloats : floats());
        }

        /** The values as floats (doubles rounded); integer tensors converted. */
        float[] floats() {
            if (raw == null) {
                if (typedFloats != null) {
                    return typedFloats.clone();
                }
                float[] f = new float[typedLongs.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = typedLongs[i];
                }
                return f;
            }
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[raw.size() / width(dataType)];
            for (int i = 0; i < f.length; i++) {
                f[i] = switch (dataType) {
                    case FLOAT -> b.getFloat();
                    case DOUBLE -> (float) b.getDouble();
                    case INT64 -> b.getLong();
                    default -> b.getInt();
                };
            }
            return f;
        }

        /** The values as longs (integer tensors; floats truncated). */
        long[] longs() {
            if (raw == null) {
                if (typedLongs != null) {
                    return typedLongs.clone();
                }
                long[] l = new long[typedFloats.length];
                for (int i = 0; i < l.length; i++) {
                    l[i] = (long) typedFloats[i];
                }
                return l;
            }
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] l = new long[raw.size() / width(dataType)];
            for (int i = 0; i < l.length; i++) {
                l[i] = switch (dataType) {
                    case INT64 -> b.getLong();
                    case INT32 -> b.getInt();
                    case DOUBLE -> (long) b.getDouble();
                    default -> (long) b.getFloat();
                };
            }
            return l;
        }
    }

    /** Bytes per value of a supported data type. */
    static int width(int dataType) {
        return dataType == INT64 || dataType == DOUBLE ? 8 : 4;
    }

    /** A graph input or output: its element type and dimensions (−1 where symbolic or absent). */
    record ValueInfo(String name, int elemType, long[] dims) {
    }

    private final String source;

    private OnnxReader(String source) {
        this.source = source;
    }

    /**
     * The model in {@code bytes} (a heap buffer, or a file mapped into memory, which then holds the weights
     * until they are converted instead of the heap); {@code source} names it in errors.
     */
    static File read(ByteBuffer bytes, String source) throws ModelFormatException {
        OnnxReader r = new OnnxReader(source);
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true); // raw tensor data stays a view of the file's bytes until it is converted
            return r.model(in);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(source + ": not a readable ONNX file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
    }

    /** One serialized TensorProto (as the ONNX backend tests store their inputs and outputs). */
    static TensorData tensor(byte[] bytes, String source) throws ModelFormatException {
        OnnxReader r = new OnnxReader(source);
        try {
            return r.tensor(CodedInputStream.newInstance(bytes), "tensor");
        } catch (ModelFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- messages

    private File model(CodedInputStream in) throws IOException {
        long ir = 0;
        long opset = -1;
        String producer = "";
        String version = "";
        Graph graph = null;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> ir = varint(in, tag, "ir_version");
                case 2 -> producer = string(in, tag, "producer_name");
                case 3 -> version = string(in, tag, "producer_version");
                case 7 -> {
                    int old = open(in, tag, "graph");
                    graph = graph(in);
                    in.popLimit(old);
                }
                case 8 -> {
                    int old = open(in, tag, "opset_import");
                    long[] o = opset(in);
                    in.popLimit(old);
                    if (o[0] == 1) {
                        opset = o[1];
                    }
                }
                default -> in.skipField(tag);
            }
        }
        if (graph == null) {
            throw new ModelFormatException(source + ": the file has no graph (is it an ONNX model?)");
        }
        return new File(ir, producer, version, opset, graph);
    }

    /** {default domain? 1 : 0, version}. */
    private long[] opset(CodedInputStream in) throws IOException {
        String domain = "";
        long version = 0;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> domain = string(in, tag, "opset_import domain");
                case 2 -> version = varint(in, tag, "opset_import version");
                default -> in.skipField(tag);
            }
        }
        return new long[] {domain.isEmpty() || domain.equals("ai.onnx") ? 1 : 0, version};
    }

    private Graph graph(CodedInputStream in) throws IOException {
        List<Node> nodes = new ArrayList<>();
        Map<String, TensorData> init = new LinkedHashMap<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            switch (field) {
                case 1 -> {
                    int old = open(in, tag, "node");
                    nodes.add(node(in, nodes.size()));
                    in.popLimit(old);
                }
                case 5 -> {
                    int old = open(in, tag, "initializer");
                    TensorData t = tensor(in, "initializer " + init.size());
                    in.popLimit(old);
                    init.put(t.name(), t);
                }
                case 11, 12 -> {
                    int old = open(in, tag, field == 11 ? "input" : "output");
                    ValueInfo v = valueInfo(in);
                    in.popLimit(old);
                    (field == 11 ? inputs : outputs).add(v);
                }
                case 15 -> throw new ModelFormatException(source + ": the graph has sparse initializers, which cnn does "
                        + "not import");
                default -> in.skipField(tag);
            }
        }
        return new Graph(nodes, init, inputs, outputs);
    }

    private Node node(CodedInputStream in, int index) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, Attribute> attributes = new LinkedHashMap<>();
        String name = "";
        String op = "";
        String domain = "";
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(string(in, tag, "node input"));
                case 2 -> outputs.add(string(in, tag, "node output"));
                case 3 -> name = string(in, tag, "node name");
                case 4 -> op = string(in, tag, "op_type");
                case 7 -> domain = string(in, tag, "node domain");
                case 5 -> {
                    int old = open(in, tag, "attribute");
                    Attribute a = attribute(in, "node " + index + " (" + op + ")");
                    in.popLimit(old);
                    attributes.put(a.name(), a);
                }
                default -> in.skipField(tag);
            }
        }
        return new Node(name, op, domain, inputs, outputs, attributes);
    }

    private Attribute attribute(CodedInputStream in, String where) throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        TensorData t = null;
        FloatList floats = new FloatList();
        LongList ints = new LongList();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = string(in, tag, "attribute name");
                case 20 -> type = (int) varint(in, tag, "attribute type");
                case 2 -> {
                    wire(tag, WireFormat.WIRETYPE_FIXED32, "attribute f");
                    f = in.readFloat();
                }
                case 3 -> i = varint(in, tag, "attribute i");
                case 4 -> s = string(in, tag, "attribute s");
                case 5 -> {
                    int old = open(in, tag, "attribute t");
                    t = tensor(in, where + " attribute '" + name + "'");
                    in.popLimit(old);
                }
                case 7 -> floats(in, tag, floats, "attribute floats");
                case 8 -> longs(in, tag, ints, "attribute ints");
                default -> in.skipField(tag);
            }
        }
        return new Attribute(name, type, f, i, s, t, floats.toArray(), ints.toArray());
    }

    private ValueInfo valueInfo(CodedInputStream in) throws IOException {
        String name = "";
        int elem = 0;
        long[] dims = null;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = string(in, tag, "value name");
                case 2 -> { // TypeProto
                    int old = open(in, tag, "type");
                    while (!in.isAtEnd()) {
                        int t = in.readTag();
                        if (WireFormat.getTagFieldNumber(t) == 1) { // tensor_type
                            int o2 = open(in, t, "tensor_type");
                            while (!in.isAtEnd()) {
                                int u = in.readTag();
                                switch (WireFormat.getTagFieldNumber(u)) {
                                    case 1 -> elem = (int) varint(in, u, "elem_type");
                                    case 2 -> {
                                        int o3 = open(in, u, "shape");
                                        dims = shape(in);
                                        in.popLimit(o3);
                                    }
                                    default -> in.skipField(u);
                                }
                            }
                            in.popLimit(o2);
                        } else {
                            in.skipField(t);
                        }
                    }
                    in.popLimit(old);
                }
                default -> in.skipField(tag);
            }
        }
        return new ValueInfo(name, elem, dims == null ? new long[0] : dims);
    }

    private long[] shape(CodedInputStream in) throws IOException {
        LongList dims = new LongList();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) != 1) {
                in.skipField(tag);
                continue;
            }
            int old = open(in, tag, "dim");
            long d = -1;
            while (!in.isAtEnd()) {
                int t = in.readTag();
                if (WireFormat.getTagFieldNumber(t) == 1) {
                    d = varint(in, t, "dim_value");
                } else {
                    in.skipField(t);
                }
            }
            in.popLimit(old);
            dims.add(d);
        }
        return dims.toArray();
    }

    private TensorData tensor(CodedInputStream in, String where) throws IOException {
        LongList dims = new LongList();
        int type = 0;
        String name = "";
        FloatList floats = new FloatList();
        LongList longs = new LongList();
        ByteString raw = null;
        boolean external = false;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> longs(in, tag, dims, "dims");
                case 2 -> type = (int) varint(in, tag, "data_type");
                case 4 -> floats(in, tag, floats, "float_data");
                case 5, 7 -> longs(in, tag, longs, "int data");
                case 8 -> name = string(in, tag, "tensor name");
                case 9 -> {
                    wire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "raw_data");
                    raw = in.readBytes();
                }
                case 10 -> doubles(in, tag, floats);
                case 13 -> {
                    external = true;
                    in.skipField(tag);
                }
                case 14 -> external |= varint(in, tag, "data_location") == 1;
                default -> in.skipField(tag);
            }
        }
        String what = where + (name.isEmpty() ? "" : " '" + name + "'");
        if (external) {
            throw new ModelFormatException(source + ": " + what + " keeps its values in an external file; cnn reads "
                    + "only models whose weights are inside the .onnx file (torch.onnx.export writes them inside for "
                    + "models under 2 GB; onnx.load + onnx.save without save_as_external_data joins them)");
        }
        long[] d = dims.toArray();
        long count = 1;
        for (long x : d) {
            if (x < 0 || (x > 0 && count > Integer.MAX_VALUE / x)) {
                throw new ModelFormatException(source + ": " + what + " has dimensions " + Arrays.toString(d)
                        + " (negative, or more values than an array holds)");
            }
            count *= x;
        }
        if (type != FLOAT && type != DOUBLE && type != INT32 && type != INT64) {
            throw new ModelFormatException(source + ": " + what + " is of ONNX data type " + type
                    + "; cnn imports float (1), double (11), int32 (6) and int64 (7) tensors");
        }
        long n;
        if (raw != null) {
            if (raw.size() % width(type) != 0) {
                throw new ModelFormatException(source + ": " + what + " has " + raw.size() + " bytes of raw data, not "
                        + "a whole number of " + width(type) + "-byte values");
            }
            n = raw.size() / width(type);
        } else {
            n = type == FLOAT || type == DOUBLE ? floats.size() : longs.size();
        }
        if (n != count) {
            throw new ModelFormatException(source + ": " + what + " declares dimensions " + Arrays.toString(d) + " ("
                    + count + " values) but holds " + n);
        }
        return new TensorData(name, d, type, raw,
                raw == null && (type == FLOAT || type == DOUBLE) ? floats.toArray() : null,
                raw == null && (type == INT32 || type == INT64) ? longs.toArray() : null);
    }

    // ---------------------------------------------------------------- fields

    /** Enters a length-delimited field: checks its wire type and that its length fits in what is left. */
    private int open(CodedInputStream in, int tag, String what) throws IOException {
        wire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        int length = in.readRawVarint32();
        if (length < 0) {
            throw new ModelFormatException(source + ": " + what + " has a negative length");
        }
        return in.pushLimit(length); // beyond the bytes present: a truncated-message error
    }

    private void wire(int tag, int expected, String what) throws ModelFormatException {
        if (WireFormat.getTagWireType(tag) != expected) {
            throw new ModelFormatException(source + ": " + what + " has wire type " + WireFormat.getTagWireType(tag)
                    + ", expected " + expected + " (a damaged file, or not ONNX)");
        }
    }

    private long varint(CodedInputStream in, int tag, String what) throws IOException {
        wire(tag, WireFormat.WIRETYPE_VARINT, what);
        return in.readInt64();
    }

    private String string(CodedInputStream in, int tag, String what) throws IOException {
        wire(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        return new String(in.readByteArray(), StandardCharsets.UTF_8);
    }

    /** A repeated int64 field, packed or one value a tag. */
    private void longs(CodedInputStream in, int tag, LongList into, String what) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = open(in, tag, what);
            while (!in.isAtEnd()) {
                into.add(in.readInt64());
            }
            in.popLimit(old);
        } else {
            into.add(varint(in, tag, what));
        }
    }

    /** A repeated float field, packed or one value a tag. */
    private void floats(CodedInputStream in, int tag, FloatList into, String what) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = open(in, tag, what);
            while (!in.isAtEnd()) {
                into.add(in.readFloat());
            }
            in.popLimit(old);
        } else {
            wire(tag, WireFormat.WIRETYPE_FIXED32, what);
            into.add(in.readFloat());
        }
    }

    /** A repeated double field (double_data), kept as floats. */
    private void doubles(CodedInputStream in, int tag, FloatList into) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = open(in, tag, "double_data");
            while (!in.isAtEnd()) {
                into.add((float) in.readDouble());
            }
            in.popLimit(old);
        } else {
            wire(tag, WireFormat.WIRETYPE_FIXED64, "double_data");
            into.add((float) in.readDouble());
        }
    }

    /** A growable float array: grows with the values read, never from a count the file claims. */
    private static final class FloatList {
        private float[] a = new float[8];
        private int n;

        int size() {
            return n;
        }

        void add(float v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** A growable long array, as {@link FloatList}. */
    private static final class LongList {
        private long[] a = new long[8];
        private int n;

        int size() {
            return n;
        }

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
