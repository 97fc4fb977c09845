package dev.cnn.nn.onnx;

import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.io.ModelIO.ModelFormatException;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Add;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Concatenate;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.DepthwiseConv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.GlobalAveragePooling2D;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.LeakyReLU;
import dev.cnn.nn.layers.MultiInputLayer;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.onnx.OnnxReader.Attribute;
import dev.cnn.nn.onnx.OnnxReader.Node;
import dev.cnn.nn.onnx.OnnxReader.TensorData;
import dev.cnn.nn.onnx.OnnxReader.ValueInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX model (opsets {@value #MIN_OPSET} to {@value #MAX_OPSET}, as PyTorch and cnn's own
 * {@link OnnxExport} write them) into a cnn graph network, in pure Java.
 *
 * <p>Layout: ONNX convolutions work on NCHW values, cnn on NHWC; every 4-D value is held in NHWC and its
 * kernels converted (OIHW into {@code (kh, kw, in, out)}), so nothing is transposed at run time. The model's
 * input is NHWC ({@code (h, w, c)} for an ONNX input {@code (n, c, h, w)}); an input that the graph itself
 * transposes to NCHW first (as {@link OnnxExport} writes) is taken as the NHWC it is. Where an NCHW feature map
 * is flattened into a fully connected layer, that layer's weight rows are permuted to cnn's (h, w, c) order, so
 * outputs equal the source model's. A batch normalisation right after a convolution is folded into its
 * weights; a matrix product followed by a bias {@code Add} is one fully connected layer.
 *
 * <p>Operators: {@value #SUPPORTED_TEXT}. Anything else — another operator, a dilated convolution, asymmetric
 * padding — is one {@link ModelFormatException} naming the node and the operator. Node names survive (made
 * valid cnn layer names); the model's metadata records the file, producer, opset and the input and output names.
 * Thread-safe.
 */
public final class OnnxImport {
    /**
     * The oldest default-domain opset imported: the forms of the supported operators that cnn reads mean the
     * same from opset 1 (Reshape's shape was an attribute before opset 5, and is read as one).
     */
    public static final int MIN_OPSET = 1;
    /** The newest default-domain opset imported. */
    public static final int MAX_OPSET = 17;
    static final String SUPPORTED_TEXT = "Add, AveragePool, BatchNormalization, Clip, Concat, Constant, Conv, Dropout, "
            + "Flatten, Gemm, GlobalAveragePool, Identity, LeakyRelu, MatMul, MaxPool, Relu, Reshape, Sigmoid, Softmax, "
            + "Tanh, Transpose";
    /** The operators imported, by ONNX name. */
    public static final List<String> SUPPORTED = List.of(SUPPORTED_TEXT.split(", "));

    private OnnxImport() {
    }

    /**
     * The model in the ONNX file {@code file}. The file is mapped into memory, not read onto the heap: the
     * weights are converted straight from it, so importing takes about the heap of the model it makes.
     */
    public static Model read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(file + ": " + size + " bytes; an ONNX file (a protobuf) holds at most 2 GB");
            }
            return convert(ch.map(FileChannel.MapMode.READ_ONLY, 0, size), file.toString());
        }
    }

    /** The model in {@code bytes}, an ONNX file; {@code source} names it in errors and in the metadata. */
    public static Model fromBytes(byte[] bytes, String source) throws IOException {
        return convert(ByteBuffer.wrap(bytes), source);
    }

    private static Model convert(ByteBuffer bytes, String source) throws IOException {
        return convert(bytes, source, Map.of());
    }

    /**
     * As {@link #fromBytes}, with graph inputs named in {@code bound} taken as these constants (the ONNX backend
     * tests pass a node's weights as inputs).
     */
    static Model convert(ByteBuffer bytes, String source, Map<String, TensorData> bound) throws IOException {
        OnnxReader.File f = OnnxReader.read(bytes, source);
        if (f.opset() < MIN_OPSET || f.opset() > MAX_OPSET) {
            throw new ModelFormatException(source + ": opset " + (f.opset() < 0 ? "(none for the default domain)"
                    : f.opset()) + "; cnn imports opsets " + MIN_OPSET + " to " + MAX_OPSET
                    + " (torch.onnx.export(..., opset_version=13) writes one)");
        }
        Model m = new Converter(f, source, bound).convert();
        Path name = Path.of(source).getFileName();
        m.metadata().put("importedFrom", name == null ? source : name.toString());
        m.metadata().put("onnxProducer", (f.producer() + " " + f.producerVersion()).trim());
        m.metadata().put("onnxOpset", f.opset());
        m.metadata().put("onnxIrVersion", f.irVersion());
        return m;
    }

    /**
     * A value of the ONNX graph as cnn holds it: the cnn node computing it ({@link Model#INPUT} for the input),
     * its sample shape in cnn, whether it is a 4-D NCHW value held as NHWC, the rank ONNX gives it (with the
     * batch), and for a flattened NCHW map the ONNX feature index of each cnn feature (null: the same order).
     */
    private record Value(String node, int[] shape, boolean nchw, int onnxRank, int[] order) {
        Value with(int[] newShape, boolean newNchw, int newRank, int[] newOrder) {
            return new Value(node, newShape, newNchw, newRank, newOrder);
        }
    }

    /** One conversion: the graph's values, constants and the builder that the nodes go into. */
    private static final class Converter {
        private final OnnxReader.File file;
        private final OnnxReader.Graph g;
        private final String source;
        private final Map<String, Value> values = new HashMap<>();
        private final Map<String, TensorData> constants = new HashMap<>();
        /** How many needed nodes (and graph outputs) read each value. */
        private final Map<String, Integer> readers = new HashMap<>();
        private final Set<String> names = new HashSet<>();
        private final Set<Node> done = new HashSet<>();
        private Model.Builder b;
        private String last;

        Converter(OnnxReader.File file, String source, Map<String, TensorData> bound) {
            this.file = file;
            this.g = file.graph();
            this.source = source;
            constants.putAll(g.initializers());
            constants.putAll(bound);
        }

        Model convert() throws ModelFormatException {
            if (g.outputs().size() != 1) {
                throw new ModelFormatException(source + ": the graph has " + g.outputs().size() + " outputs; cnn imports "
                        + "models with one");
            }
            String output = g.outputs().get(0).name();
            List<Node> needed = needed(output);
            for (Node n : needed) {
                for (String in : n.inputs()) {
                    readers.merge(in, 1, Integer::sum);
                }
            }
            readers.merge(output, 1, Integer::sum);
            input(needed);
            for (Node n : needed) {
                if (!done.contains(n)) {
                    try {
                        node(n, needed);
                    } catch (IllegalArgumentException e) {
                        throw new ModelFormatException(where(n) + ": " + e.getMessage(), e);
                    }
                }
            }
            Value out = values.get(output);
            if (out == null) {
                throw new ModelFormatException(source + ": the output '" + output + "' is a constant; nothing to compute");
            }
            if (out.order() != null) {
                throw new ModelFormatException(source + ": the output '" + output + "' is a flattened NCHW map; cnn "
                        + "imports models whose flattened features go into a Gemm or MatMul");
            }
            if (!out.node().equals(last)) { // the output is an earlier node's (or the input): one node ends the graph
                add(unique(output), Activation.linear(), out);
            }
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(source + ": " + e.getMessage(), e);
            }
        }

        /** The nodes the output depends on, in file order (ONNX requires a topological one). */
        private List<Node> needed(String output) throws ModelFormatException {
            Map<String, Node> producer = new HashMap<>();
            for (Node n : g.nodes()) {
                for (String o : n.outputs()) {
                    producer.put(o, n);
                }
            }
            Set<Node> need = new HashSet<>();
            ArrayDeque<String> todo = new ArrayDeque<>(List.of(output));
            while (!todo.isEmpty()) {
                Node n = producer.get(todo.pop());
                if (n != null && need.add(n)) {
                    for (String in : n.inputs()) {
                        if (!in.isEmpty()) {
                            todo.push(in);
                        }
                    }
                }
            }
            List<Node> order = new ArrayList<>();
            for (Node n : g.nodes()) {
                if (need.contains(n)) {
                    order.add(n);
                }
            }
            return order;
        }

        /** The graph's one input that is not an initializer, as cnn's NHWC input. */
        private void input(List<Node> needed) throws ModelFormatException {
            List<ValueInfo> in = new ArrayList<>();
            for (ValueInfo v : g.inputs()) {
                if (!constants.containsKey(v.name())) {
                    in.add(v);
                }
            }
            if (in.size() != 1) {
                throw new ModelFormatException(source + ": the graph has " + in.size() + " inputs besides its weights "
                        + names(in) + "; cnn imports models with one");
            }
            ValueInfo x = in.get(0);
            long[] d = x.dims();
            for (int i = 1; i < d.length; i++) {
                if (d[i] <= 0 || d[i] > Integer.MAX_VALUE) {
                    throw new ModelFormatException(source + ": input '" + x.name() + "' has dimensions "
                            + Arrays.toString(d) + "; all but the batch must be fixed (export with a fixed image size)");
                }
            }
            if (x.elemType() != OnnxReader.FLOAT) {
                throw new ModelFormatException(source + ": input '" + x.name() + "' is of ONNX type " + x.elemType()
                        + "; cnn imports float32 inputs");
            }
            int[] shape;
            boolean nchw;
            if (d.length == 4) {
                // NHWC already when every reader transposes it to NCHW first (cnn's own exports do)
                boolean givenNhwc = true;
                for (Node n : needed) {
                    if (n.inputs().contains(x.name())) {
                        givenNhwc &= n.opType().equals("Transpose") && Arrays.equals(ints(n, "perm", null),
                                new long[] {0, 3, 1, 2});
                    }
                }
                nchw = !givenNhwc;
                shape = nchw ? new int[] {(int) d[2], (int) d[3], (int) d[1]} : new int[] {(int) d[1], (int) d[2], (int) d[3]};
            } else if (d.length >= 2 && d.length <= 6) {
                // feature rows (n, f), and other ranks as they are: element-wise layers take any sample shape,
                // and a layer that needs images or rows refuses the value, naming its node
                nchw = false;
                shape = new int[d.length - 1];
                for (int i = 1; i < d.length; i++) {
                    shape[i - 1] = (int) d[i];
                }
            } else {
                throw new ModelFormatException(source + ": input '" + x.name() + "' has rank " + d.length + " "
                        + Arrays.toString(d) + "; cnn imports inputs with a batch axis and 1 to 5 more: images "
                        + "(n, c, h, w), feature rows (n, f), ...");
            }
            b = Model.builder(shape);
            values.put(x.name(), new Value(Model.INPUT, shape, nchw, d.length, null));
            names.add(Model.INPUT);
        }

        // ------------------------------------------------------------ nodes

        private void node(Node n, List<Node> needed) throws ModelFormatException {
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
                throw new ModelFormatException(where(n) + ": operator domain '" + n.domain() + "'; cnn imports the "
                        + "default ONNX domain only");
            }
            switch (n.opType()) {
                case "Constant" -> constants.put(n.outputs().get(0), constantOf(n));
                case "Identity", "Dropout" -> {
                    TensorData c = constants.get(n.inputs().get(0));
                    if (c != null) { // torch writes a weight it shares (or one equal to another) as an Identity of it
                        constants.put(n.outputs().get(0), c);
                    } else {
                        alias(n, value(n, 0));
                    }
                }
                case "Relu" -> activation(n, Activation.relu());
                case "Sigmoid" -> activation(n, Activation.sigmoid());
                case "Tanh" -> activation(n, Activation.tanh());
                case "LeakyRelu" -> activation(n, new LeakyReLU(attrFloat(n, "alpha", 0.01f)));
                case "Clip" -> clip(n);
                case "Softmax" -> softmax(n);
                case "Conv" -> conv(n, needed);
                case "BatchNormalization" -> batchNorm(n);
                case "MaxPool", "AveragePool" -> pool(n);
                case "GlobalAveragePool" -> {
                    Value x = spatial(n, value(n, 0));
                    Value y = add(n, new GlobalAveragePooling2D(), x);
                    values.put(n.outputs().get(0), y.with(new int[] {x.shape()[2]}, true, 4, null));
                }
                case "Add" -> addValues(n);
                case "Concat" -> concat(n);
                case "Flatten" -> {
                    long axis = attrInt(n, "axis", 1);
                    if (axis != 1) {
                        throw new ModelFormatException(where(n) + ": axis " + axis + "; cnn imports Flatten at axis 1 "
                                + "(batch, features)");
                    }
                    flatten(n, value(n, 0));
                }
                case "Reshape" -> reshape(n);
                case "Transpose" -> transpose(n);
                case "Gemm" -> gemm(n);
                case "MatMul" -> matMul(n, needed);
                default -> throw new ModelFormatException(where(n) + ": operator '" + n.opType() + "', which cnn does "
                        + "not import (supported: " + SUPPORTED_TEXT + ")");
            }
        }

        private void activation(Node n, Layer layer) throws ModelFormatException {
            add(n, layer, value(n, 0));
        }

        /** Clip to [0, 6] is ReLU6 and to [0, ∞) ReLU; the bounds are attributes before opset 11, inputs after. */
        private void clip(Node n) throws ModelFormatException {
            float min = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty() ? scalar(n, 1) : attrFloat(n, "min",
                    Float.NEGATIVE_INFINITY);
            float max = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? scalar(n, 2) : attrFloat(n, "max",
                    Float.POSITIVE_INFINITY);
            if (min == 0f && max == 6f) {
                activation(n, Activation.relu6());
            } else if (min == 0f && max == Float.POSITIVE_INFINITY) {
                activation(n, Activation.relu());
            } else {
                throw new ModelFormatException(where(n) + ": Clip to [" + min + ", " + max + "]; cnn imports Clip to "
                        + "[0, 6] (ReLU6) and [0, inf) (ReLU)");
            }
        }

        private void softmax(Node n) throws ModelFormatException {
            Value x = value(n, 0);
            long axis = attrInt(n, "axis", file.opset() >= 13 ? -1 : 1);
            if (x.onnxRank() != 2 || (axis != 1 && axis != -1)) {
                throw new ModelFormatException(where(n) + ": Softmax over axis " + axis + " of a rank-" + x.onnxRank()
                        + " value; cnn imports a softmax over the classes of (batch, classes)");
            }
            activation(n, Activation.softmax());
        }

        private void conv(Node n, List<Node> needed) throws ModelFormatException {
            Value x = spatial(n, value(n, 0));
            TensorData w = constant(n, 1, "weights");
            if (w.dims().length != 4) {
                throw new ModelFormatException(where(n) + ": weights of shape " + Arrays.toString(w.dims())
                        + "; cnn imports 2-D convolutions (weights (out, in/group, kh, kw))");
            }
            requireOnes(n, "dilations");
            int out = (int) w.dims()[0];
            int perGroup = (int) w.dims()[1];
            int kh = (int) w.dims()[2];
            int kw = (int) w.dims()[3];
            int cIn = x.shape()[2];
            long group = attrInt(n, "group", 1);
            if (group < 1 || cIn % group != 0 || perGroup * group != cIn || out % group != 0) {
                throw new ModelFormatException(where(n) + ": " + group + " groups with weights "
                        + Arrays.toString(w.dims()) + " for an input of " + cIn + " channels");
            }
            long[] strides = ints(n, "strides", new long[] {1, 1});
            int[] pad = pads(n, x, kh, kw, strides);
            FloatBuffer onnx = w.floatBuffer(); // read in place: no decoded copy of a large kernel
            double[] scale = new double[out]; // per filter: 1, or batch norm's gamma / sqrt(var + eps) folded in
            Arrays.fill(scale, 1);
            float[] bias = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constant(n, 2, "bias").floats()
                    : new float[out];
            if (bias.length != out) {
                throw new ModelFormatException(where(n) + ": a bias of " + bias.length + " values for " + out + " filters");
            }
            Node bn = soleReader(n.outputs().get(0), "BatchNormalization", needed);
            if (bn != null) { // folded: W·s and (b − mean)·s + beta per filter, s = gamma / sqrt(var + eps)
                float[][] p = bnParams(bn, out);
                double eps = attrFloat(bn, "epsilon", 1e-5f);
                for (int o = 0; o < out; o++) {
                    double s = p[0][o] / Math.sqrt(p[3][o] + eps);
                    scale[o] = s;
                    bias[o] = (float) ((bias[o] - p[2][o]) * s + p[1][o]);
                }
                done.add(bn);
            }
            Layer layer;
            if (group == cIn && cIn > 1 && perGroup == 1) { // depthwise: filter c·m + j reads channel c
                int m = out / cIn;
                float[] dw = new float[kh * kw * cIn * m];
                for (int o = 0; o < out; o++) {
                    for (int u = 0; u < kh; u++) {
                        for (int v = 0; v < kw; v++) {
                            dw[((u * kw + v) * cIn + o / m) * m + o % m] = (float) (onnx.get((o * kh + u) * kw + v) * scale[o]);
                        }
                    }
                }
                layer = new DepthwiseConv2D(Tensor.wrap(dw, kh, kw, cIn, m), Tensor.wrap(bias, 1, 1, 1, out),
                        (int) strides[0], (int) strides[1], pad[0], pad[1]);
            } else {
                float[] hwio = new float[out * perGroup * kh * kw];
                for (int o = 0; o < out; o++) {
                    for (int c = 0; c < perGroup; c++) {
                        for (int u = 0; u < kh; u++) {
                            for (int v = 0; v < kw; v++) {
                                hwio[((u * kw + v) * perGroup + c) * out + o] =
                                        (float) (onnx.get(((o * perGroup + c) * kh + u) * kw + v) * scale[o]);
                            }
                        }
                    }
                }
                layer = new Conv2D(Tensor.wrap(hwio, kh, kw, perGroup, out), Tensor.wrap(bias, 1, 1, 1, out),
                        (int) strides[0], (int) strides[1], pad[0], pad[1], (int) group);
            }
            Value y = add(n, layer, x);
            if (bn != null) {
                values.put(bn.outputs().get(0), y);
            }
        }

        /** {gamma, beta, mean, var} of a BatchNormalization node, each {@code channels} long. */
        private float[][] bnParams(Node bn, int channels) throws ModelFormatException {
            float[][] p = new float[4][];
            String[] what = {"scale", "bias", "mean", "variance"};
            for (int i = 0; i < 4; i++) {
                p[i] = constant(bn, i + 1, what[i]).floats();
                if (p[i].length != channels) {
                    throw new ModelFormatException(where(bn) + ": " + what[i] + " has " + p[i].length + " values for "
                            + channels + " channels");
                }
            }
            for (float v : p[3]) {
                if (!(v >= 0)) {
                    throw new ModelFormatException(where(bn) + ": a variance of " + v);
                }
            }
            return p;
        }

        private void batchNorm(Node n) throws ModelFormatException {
            Value x = value(n, 0);
            if (x.onnxRank() == 4 && !x.nchw()) {
                throw new ModelFormatException(where(n) + ": batch normalisation of an NHWC value over axis 1");
            }
            if (x.onnxRank() != 2 && x.onnxRank() != 4) {
                throw new ModelFormatException(where(n) + ": batch normalisation of a rank-" + x.onnxRank() + " value; "
                        + "cnn imports it on images (n, c, h, w) and feature rows (n, f)");
            }
            if (x.order() != null) {
                throw new ModelFormatException(where(n) + ": batch normalisation of flattened NCHW features");
            }
            int c = x.shape()[x.shape().length - 1];
            float[][] p = bnParams(n, c);
            double momentum = attrFloat(n, "momentum", 0.9f);
            add(n, new BatchNorm(Tensor.wrap(p[0], c), Tensor.wrap(p[1], c), Tensor.wrap(p[2], c), Tensor.wrap(p[3], c),
                    momentum, attrFloat(n, "epsilon", 1e-5f)), x);
        }

        private void pool(Node n) throws ModelFormatException {
            if (n.outputs().size() > 1 && readers.containsKey(n.outputs().get(1))) {
                throw new ModelFormatException(where(n) + ": the indices output of MaxPool is read; cnn imports its values");
            }
            Value x = spatial(n, value(n, 0));
            requireOnes(n, "dilations");
            long[] k = ints(n, "kernel_shape", null);
            if (k == null || k.length != 2) {
                throw new ModelFormatException(where(n) + ": kernel_shape " + Arrays.toString(k) + "; cnn imports 2-D pooling");
            }
            long[] strides = ints(n, "strides", new long[] {1, 1});
            int[] pad = pads(n, x, (int) k[0], (int) k[1], strides);
            boolean ceil = attrInt(n, "ceil_mode", 0) != 0;
            boolean countPad = attrInt(n, "count_include_pad", 0) != 0;
            add(n, new Pool2D((int) k[0], (int) k[1], (int) strides[0], (int) strides[1], pad[0], pad[1], ceil, countPad,
                    n.opType().equals("MaxPool") ? PoolMode.MAX : PoolMode.AVERAGE), x);
        }

        private void addValues(Node n) throws ModelFormatException {
            Value a = value(n, 0);
            Value c = value(n, 1);
            if (!Arrays.equals(a.shape(), c.shape()) || a.nchw() != c.nchw() || !Arrays.equals(a.order(), c.order())) {
                throw new ModelFormatException(where(n) + ": Add of values of shapes " + Arrays.toString(a.shape()) + " and "
                        + Arrays.toString(c.shape()) + "; cnn imports Add of two computed values of one shape");
            }
            add(n, new Add(), a, c);
        }

        private void concat(Node n) throws ModelFormatException {
            List<Value> in = new ArrayList<>();
            for (int i = 0; i < n.inputs().size(); i++) {
                in.add(value(n, i));
            }
            Value first = in.get(0);
            long axis = attrInt(n, "axis", 1);
            long along = axis < 0 ? axis + first.onnxRank() : axis;
            boolean channels = first.nchw() ? along == 1 : along == first.onnxRank() - 1;
            for (Value v : in) {
                channels &= v.nchw() == first.nchw() && v.onnxRank() == first.onnxRank() && v.order() == null;
            }
            if (!channels) {
                throw new ModelFormatException(where(n) + ": Concat along axis " + axis + "; cnn imports concatenation "
                        + "of channels (axis 1 of NCHW maps, the features of (batch, features))");
            }
            add(n, new Concatenate(), in.toArray(new Value[0]));
        }

        private void flatten(Node n, Value x) throws ModelFormatException {
            if (x.onnxRank() == 2) {
                alias(n, x);
                return;
            }
            Value y = x;
            int[] order = null;
            if (x.shape().length > 1) {
                y = add(n, new Flatten(), x);
                int h = x.shape()[0];
                int w = x.shape()[1];
                int c = x.nchw() ? x.shape()[2] : 1; // a value held as ONNX has it flattens in ONNX's order
                if (x.nchw() && h * w > 1 && c > 1) { // cnn feature (i, j, ch) is ONNX feature (ch, i, j)
                    order = new int[h * w * c];
                    for (int i = 0; i < h; i++) {
                        for (int j = 0; j < w; j++) {
                            for (int ch = 0; ch < c; ch++) {
                                order[(i * w + j) * c + ch] = (ch * h + i) * w + j;
                            }
                        }
                    }
                }
            }
            int features = Arrays.stream(x.shape()).reduce(1, Math::multiplyExact);
            values.put(n.outputs().get(0), new Value(y.node(), new int[] {features}, false, 2, order));
        }

        /** Reshape to (batch, −1) or (batch, features) is a flatten; to the shape it has, nothing. */
        private void reshape(Node n) throws ModelFormatException {
            Value x = value(n, 0);
            long[] to = n.inputs().size() < 2 && n.attributes().containsKey("shape") ? ints(n, "shape", null)
                    : constant(n, 1, "shape").longs();
            int features = Arrays.stream(x.shape()).reduce(1, Math::multiplyExact);
            long batch = g.inputs().isEmpty() ? -1 : firstDim();
            boolean batchFirst = to.length >= 1 && (to[0] == 0 || to[0] == -1 || to[0] == batch);
            if (to.length == 2 && batchFirst && (to[1] == -1 || to[1] == features)) {
                flatten(n, x);
                return;
            }
            throw new ModelFormatException(where(n) + ": Reshape to " + Arrays.toString(to) + "; cnn imports Reshape to "
                    + "(batch, -1), a flatten");
        }

        private long firstDim() {
            for (ValueInfo v : g.inputs()) {
                if (!constants.containsKey(v.name()) && v.dims().length > 0) {
                    return v.dims()[0];
                }
            }
            return -1;
        }

        private void transpose(Node n) throws ModelFormatException {
            Value x = value(n, 0);
            long[] perm = ints(n, "perm", null);
            if (x.onnxRank() == 4 && x.nchw() && Arrays.equals(perm, new long[] {0, 2, 3, 1})) {
                values.put(n.outputs().get(0), x.with(x.shape(), false, 4, null));
            } else if (x.onnxRank() == 4 && !x.nchw() && Arrays.equals(perm, new long[] {0, 3, 1, 2})) {
                values.put(n.outputs().get(0), x.with(x.shape(), true, 4, null));
            } else if (perm != null && isIdentity(perm)) {
                alias(n, x);
            } else {
                throw new ModelFormatException(where(n) + ": Transpose " + Arrays.toString(perm) + " of a rank-"
                        + x.onnxRank() + " value; cnn imports the transposes between NCHW and NHWC");
            }
        }

        /** Gemm {@code alpha·A·B' + beta·C} with A computed and B, C constant, as a fully connected layer. */
        private void gemm(Node n) throws ModelFormatException {
            if (attrInt(n, "transA", 0) != 0) {
                throw new ModelFormatException(where(n) + ": transA=1; cnn imports Gemm of (batch, features) inputs");
            }
            Value a = features(n, value(n, 0));
            TensorData bt = constant(n, 1, "weights");
            boolean transB = attrInt(n, "transB", 0) != 0;
            if (bt.dims().length != 2) {
                throw new ModelFormatException(where(n) + ": weights of shape " + Arrays.toString(bt.dims()));
            }
            int in = (int) bt.dims()[transB ? 1 : 0];
            int out = (int) bt.dims()[transB ? 0 : 1];
            float alpha = attrFloat(n, "alpha", 1f);
            float beta = attrFloat(n, "beta", 1f);
            float[] bias = new float[out];
            if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()) {
                float[] cv = constant(n, 2, "bias").floats();
                if (cv.length != out && cv.length != 1) {
                    throw new ModelFormatException(where(n) + ": a bias of " + cv.length + " values for " + out + " outputs");
                }
                for (int o = 0; o < out; o++) {
                    bias[o] = beta * cv[cv.length == 1 ? 0 : o];
                }
            }
            fullyConnected(n, a, bt.floats(), in, out, transB, alpha, bias);
        }

        /** MatMul by a constant (in, out); with a bias Add after it (its only reader), both are one layer. */
        private void matMul(Node n, List<Node> needed) throws ModelFormatException {
            Value a = features(n, value(n, 0));
            TensorData bt = constant(n, 1, "weights");
            if (bt.dims().length != 2) {
                throw new ModelFormatException(where(n) + ": MatMul by a constant of shape " + Arrays.toString(bt.dims())
                        + "; cnn imports MatMul of (batch, features) by a constant matrix");
            }
            int out = (int) bt.dims()[1];
            float[] bias = new float[out];
            Node plus = soleReader(n.outputs().get(0), "Add", needed);
            if (plus != null) {
                int other = plus.inputs().get(0).equals(n.outputs().get(0)) ? 1 : 0;
                TensorData c = constants.get(plus.inputs().get(other));
                if (c != null && c.size() == out && c.isFloat()) {
                    bias = c.floats();
                } else {
                    plus = null;
                }
            }
            Value y = fullyConnected(n, a, bt.floats(), (int) bt.dims()[0], out, false, 1f, bias);
            if (plus != null) {
                done.add(plus);
                values.put(plus.outputs().get(0), y);
            }
        }

        private Value fullyConnected(Node n, Value a, float[] b, int in, int out, boolean transposed, float alpha,
                                     float[] bias) throws ModelFormatException {
            int features = a.shape()[0];
            if (in != features) {
                throw new ModelFormatException(where(n) + ": weights for " + in + " input features, the input has "
                        + features);
            }
            float[] w = new float[in * out];
            for (int j = 0; j < in; j++) {
                int src = a.order() == null ? j : a.order()[j]; // the ONNX feature that cnn feature j is
                for (int o = 0; o < out; o++) {
                    w[j * out + o] = alpha * (transposed ? b[o * in + src] : b[src * out + o]);
                }
            }
            Value y = add(n, new FullyConnected(Tensor.wrap(w, in, out), Tensor.wrap(bias, out)), a);
            values.put(n.outputs().get(0), y.with(new int[] {out}, false, 2, null));
            return values.get(n.outputs().get(0));
        }

        // ------------------------------------------------------------ helpers

        /** Adds {@code layer} as the node for {@code n}, reading {@code inputs}; maps its first output. */
        private Value add(Node n, Layer layer, Value... inputs) throws ModelFormatException {
            Value y = add(unique(n.name().isEmpty() ? n.opType() : n.name()), layer, inputs);
            values.put(n.outputs().get(0), y);
            return y;
        }

        private Value add(String name, Layer layer, Value... inputs) {
            String[] in = new String[inputs.length];
            List<int[]> shapes = new ArrayList<>();
            for (int i = 0; i < inputs.length; i++) {
                in[i] = inputs[i].node();
                shapes.add(inputs[i].shape().clone());
            }
            b.add(name, layer, in);
            last = name;
            int[] shape = layer instanceof MultiInputLayer m ? m.outputShape(shapes) : layer.outputShape(shapes.get(0));
            Value x = inputs[0];
            return new Value(name, shape, x.nchw() && shape.length == 3, shape.length == 3 ? 4 : x.onnxRank(),
                    x.order());
        }

        private void alias(Node n, Value x) {
            values.put(n.outputs().get(0), x);
        }

        private Value value(Node n, int i) throws ModelFormatException {
            if (i >= n.inputs().size()) {
                throw new ModelFormatException(where(n) + ": input " + i + " is missing");
            }
            Value v = values.get(n.inputs().get(i));
            if (v == null) {
                throw new ModelFormatException(where(n) + ": input '" + n.inputs().get(i) + "' is "
                        + (constants.containsKey(n.inputs().get(i)) ? "a constant; cnn imports this operator on computed "
                        + "values" : "not computed by any earlier node"));
            }
            return v;
        }

        /** A 4-D NCHW value, as convolutions and pooling need. */
        private Value spatial(Node n, Value x) throws ModelFormatException {
            if (x.shape().length != 3 || !x.nchw()) {
                throw new ModelFormatException(where(n) + ": " + n.opType() + " of a " + (x.shape().length == 3
                        ? "NHWC-ordered" : "rank-" + x.onnxRank()) + " value; cnn imports it on (batch, channels, h, w) maps");
            }
            return x;
        }

        /** A (batch, features) value, as Gemm and MatMul need. */
        private Value features(Node n, Value x) throws ModelFormatException {
            if (x.onnxRank() != 2 || x.shape().length != 1) {
                throw new ModelFormatException(where(n) + ": " + n.opType() + " of a rank-" + x.onnxRank()
                        + " value; cnn imports it on (batch, features)");
            }
            return x;
        }

        private TensorData constant(Node n, int i, String what) throws ModelFormatException {
            String name = i < n.inputs().size() ? n.inputs().get(i) : "";
            TensorData t = constants.get(name);
            if (t == null) {
                throw new ModelFormatException(where(n) + ": its " + what + " (input " + i + (name.isEmpty() ? "" : " '"
                        + name + "'") + ") must be a constant (an initializer or a Constant node)");
            }
            return t;
        }

        private float scalar(Node n, int i) throws ModelFormatException {
            TensorData t = constant(n, i, "bound");
            if (t.size() != 1) {
                throw new ModelFormatException(where(n) + ": input " + i + " holds " + t.size() + " values, not one");
            }
            return t.floats()[0];
        }

        private TensorData constantOf(Node n) throws ModelFormatException {
            Attribute a = n.attributes().values().stream().findFirst().orElse(null);
            if (a == null) {
                throw new ModelFormatException(where(n) + ": a Constant without a value");
            }
            return switch (a.name()) {
                case "value" -> a.t();
                case "value_float" -> new TensorData("", new long[0], OnnxReader.FLOAT, null, new float[] {a.f()}, null);
                case "value_floats" -> new TensorData("", new long[] {a.floats().length}, OnnxReader.FLOAT, null,
                        a.floats(), null);
                case "value_int" -> new TensorData("", new long[0], OnnxReader.INT64, null, null, new long[] {a.i()});
                case "value_ints" -> new TensorData("", new long[] {a.ints().length}, OnnxReader.INT64, null, null,
                        a.ints());
                default -> throw new ModelFormatException(where(n) + ": a Constant given as '" + a.name() + "'");
            };
        }

        /** {padH, padW} from explicit pads or auto_pad; asymmetric padding is refused. */
        private int[] pads(Node n, Value x, int kh, int kw, long[] strides) throws ModelFormatException {
            if (strides.length != 2 || strides[0] < 1 || strides[1] < 1) {
                throw new ModelFormatException(where(n) + ": strides " + Arrays.toString(strides));
            }
            String auto = n.attributes().containsKey("auto_pad") ? n.attributes().get("auto_pad").s() : "NOTSET";
            long[] p;
            switch (auto) {
                case "NOTSET" -> p = ints(n, "pads", new long[] {0, 0, 0, 0});
                case "VALID" -> p = new long[] {0, 0, 0, 0};
                case "SAME_UPPER", "SAME_LOWER" -> {
                    p = new long[4];
                    int[] size = {x.shape()[0], x.shape()[1]};
                    int[] k = {kh, kw};
                    for (int a = 0; a < 2; a++) {
                        long outSize = (size[a] + strides[a] - 1) / strides[a];
                        long total = Math.max(0, (outSize - 1) * strides[a] + k[a] - size[a]);
                        p[a] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                        p[a + 2] = total - p[a];
                    }
                }
                default -> throw new ModelFormatException(where(n) + ": auto_pad '" + auto + "'");
            }
            if (p.length != 4 || p[0] != p[2] || p[1] != p[3] || p[0] < 0 || p[1] < 0) {
                throw new ModelFormatException(where(n) + ": pads " + Arrays.toString(p) + " (top, left, bottom, right); "
                        + "cnn imports symmetric padding");
            }
            return new int[] {(int) p[0], (int) p[1]};
        }

        private void requireOnes(Node n, String attr) throws ModelFormatException {
            long[] d = ints(n, attr, new long[] {1, 1});
            for (long v : d) {
                if (v != 1) {
                    throw new ModelFormatException(where(n) + ": " + attr + " " + Arrays.toString(d) + "; cnn imports "
                            + n.opType() + " without dilation");
                }
            }
        }

        /** The node that alone reads {@code value} when it is of {@code op}; else null. */
        private Node soleReader(String value, String op, List<Node> needed) {
            if (readers.getOrDefault(value, 0) != 1) {
                return null;
            }
            for (Node m : needed) {
                if (m.inputs().contains(value)) {
                    return m.opType().equals(op) && m.inputs().get(0).equals(value) || op.equals("Add") && m.opType()
                            .equals(op) ? m : null;
                }
            }
            return null;
        }

        private String unique(String onnxName) {
            String base = onnxName.replaceAll("[^A-Za-z0-9_-]+", "_").replaceAll("^_+|_+$", "");
            if (base.isEmpty()) {
                base = "node";
            }
            String name = base;
            for (int k = 2; names.contains(name); k++) {
                name = base + "_" + k;
            }
            names.add(name);
            return name;
        }

        private String where(Node n) {
            return source + ": node '" + (n.name().isEmpty() ? n.outputs() : n.name()) + "' (" + n.opType() + ")";
        }

        private static boolean isIdentity(long[] perm) {
            for (int i = 0; i < perm.length; i++) {
                if (perm[i] != i) {
                    return false;
                }
            }
            return true;
        }

        private static List<String> names(List<ValueInfo> v) {
            return v.stream().map(ValueInfo::name).toList();
        }

        private static long attrInt(Node n, String name, long otherwise) {
            Attribute a = n.attributes().get(name);
            return a == null ? otherwise : a.i();
        }

        private static float attrFloat(Node n, String name, float otherwise) {
            Attribute a = n.attributes().get(name);
            return a == null ? otherwise : a.f();
        }

        private static long[] ints(Node n, String name, long[] otherwise) {
            Attribute a = n.attributes().get(name);
            return a == null ? otherwise : a.ints();
        }
    }
}
