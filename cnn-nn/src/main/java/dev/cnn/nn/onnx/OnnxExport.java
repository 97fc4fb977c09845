package dev.cnn.nn.onnx;

import dev.cnn.core.AtomicFile;
import dev.cnn.core.Tensor;
import dev.cnn.core.Version;
import dev.cnn.core.kernel.PaddedPoolGeometry;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.LeakyReLU;
import dev.cnn.nn.layers.Parameter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Model} as an ONNX model (IR version {@value #IR_VERSION}, default-domain opset
 * {@value #OPSET}) that ONNX Runtime and other ONNX engines run for inference.
 *
 * <p>The graph has one input {@code input} of shape {@code (batch, inputShape...)} and one output
 * {@code output} of shape {@code (batch, outputShape...)}, float32, in cnn's own NHWC layout, so the
 * same arrays go in and come out as with {@link Model#predict}. ONNX's convolution and pooling work in
 * NCHW: the graph transposes to NCHW before the first of them ({@code Transpose} perm 0,3,1,2) and back
 * to NHWC (perm 0,2,3,1) before a {@code Flatten} or {@code FullyConnected} and at the end, so flattened
 * features keep cnn's (h, w, c) order; in a graph network every value keeps its layout until a layer needs the
 * other, and is transposed once. Mapping: {@code Conv2D} → {@code Conv} (weights transposed from
 * (kh, kw, in, filters) to (filters, in, kh, kw), symmetric {@code pads}), {@code DepthwiseConv2D} →
 * {@code Conv} with {@code group} = channels (weights (channels·multiplier, 1, kh, kw)), {@code Add} →
 * {@code Add}, {@code Concatenate} → {@code Concat} on the channel axis, {@code ReLU6} → {@code Clip} (0, 6),
 * {@code LeakyReLU} → {@code LeakyRelu}, {@code MaxPool2D} /
 * {@code AveragePool2D} → {@code MaxPool} / {@code AveragePool}, {@code FullyConnected} → {@code Flatten}
 * + {@code Gemm}, {@code Flatten} → {@code Flatten}, activations → {@code Sigmoid}, {@code Relu},
 * {@code Tanh}, {@code Identity}, {@code Softmax} (axis 1), {@code BatchNorm} → {@code BatchNormalization}
 * with the moving statistics (inference), {@code Dropout} → {@code Identity}, {@code GlobalAveragePooling2D} →
 * {@code GlobalAveragePool} + {@code Flatten}. Weights are initializers (raw little-endian
 * float32). A layer of any other type is refused with an error naming it. Thread-safe.
 */
public final class OnnxExport {
    /** The ONNX IR version written. */
    public static final int IR_VERSION = 7;
    /** The default-domain operator set the graph uses. */
    public static final int OPSET = 13;
    private static final int FLOAT = 1;
    private static final long[] TO_NCHW = {0, 3, 1, 2};
    private static final long[] TO_NHWC = {0, 2, 3, 1};

    private OnnxExport() {
    }

    /** The model as ONNX bytes. */
    public static byte[] toBytes(Model model) {
        Values v = new Values(model);
        OnnxGraph g = v.g;
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            String name = model.layerNames().get(i);
            String type = layer.type();
            Map<String, Object> c = layer.config();
            int rank = v.rank(i, 0);
            String result;
            boolean nchw;
            switch (type) {
                case "Conv2D", "MaxPool2D", "AveragePool2D" -> {
                    String x = v.input(i, 0, true);
                    result = type.equals("Conv2D") ? conv(g, name, layer, c, x)
                            : pool(g, name, type, c, x, v.shape(i, 0));
                    nchw = true;
                }
                case "DepthwiseConv2D" -> {
                    result = depthwise(g, name, layer, c, v.input(i, 0, true));
                    nchw = true;
                }
                case "FullyConnected", "Flatten" -> {
                    String flat = g.node("Flatten", name + (type.equals("Flatten") ? "" : "/flatten"),
                            List.of(v.input(i, 0, false)), new Protobuf[] {intAttribute("axis", 1)});
                    result = type.equals("Flatten") ? flat : fullyConnected(g, name, layer, flat);
                    nchw = false;
                }
                case "Sigmoid", "ReLU", "Tanh", "Linear", "Dropout" -> {
                    nchw = v.isNchw(i, 0);
                    result = g.node(onnxActivation(type), name, List.of(v.input(i, 0, nchw)), new Protobuf[0]);
                }
                case "ReLU6" -> {
                    nchw = v.isNchw(i, 0);
                    String min = g.initializer(name + ".min", new float[] {0f});
                    String max = g.initializer(name + ".max", new float[] {6f});
                    result = g.node("Clip", name, List.of(v.input(i, 0, nchw), min, max), new Protobuf[0]);
                }
                case "LeakyReLU" -> {
                    nchw = v.isNchw(i, 0);
                    float alpha = (float) ((LeakyReLU) layer).alpha();
                    result = g.node("LeakyRelu", name, List.of(v.input(i, 0, nchw)), new Protobuf[] {
                        new Protobuf().string(1, "alpha").varint(20, 1).float32(2, alpha)});
                }
                case "BatchNorm" -> {
                    nchw = rank == 3;
                    result = batchNorm(g, name, layer, c, v.input(i, 0, nchw));
                }
                case "GlobalAveragePooling2D" -> {
                    String pooled = g.node("GlobalAveragePool", name + "/pool", List.of(v.input(i, 0, true)),
                            new Protobuf[0]);
                    result = g.node("Flatten", name, List.of(pooled), new Protobuf[] {intAttribute("axis", 1)});
                    nchw = false; // (n, c, 1, 1) flattened to (n, c)
                }
                case "Softmax" -> {
                    result = g.node("Softmax", name, List.of(v.input(i, 0, false)),
                            new Protobuf[] {intAttribute("axis", 1)});
                    nchw = false;
                }
                case "Add" -> {
                    nchw = v.isNchw(i, 0);
                    result = g.node("Add", name, v.inputs(i, nchw), new Protobuf[0]);
                }
                case "Concatenate" -> {
                    // the channel axis: 1 of NCHW for images, 1 of (n, features) for flat samples
                    nchw = rank == 3;
                    result = g.node("Concat", name, v.inputs(i, nchw), new Protobuf[] {intAttribute("axis", 1)});
                }
                default -> throw new IllegalArgumentException("layer '" + name + "' (" + type + ") has no ONNX form: "
                        + "ONNX export covers Conv2D, DepthwiseConv2D, MaxPool2D, AveragePool2D, GlobalAveragePooling2D, FullyConnected, "
                        + "Flatten, BatchNorm, Dropout, Add, Concatenate, LeakyReLU and the activations Sigmoid, ReLU, "
                        + "ReLU6, Tanh, Linear and Softmax");
            }
            v.set(i, result, nchw && rank(model, i) == 3);
        }
        String x = v.output();
        g.node("Identity", "output", List.of(x), new Protobuf[0], "output");

        Protobuf graph = g.graph
                .string(2, "cnn")
                .message(11, valueInfo("input", model.inputShape()))
                .message(12, valueInfo("output", model.outputShape()));
        return new Protobuf()
                .varint(1, IR_VERSION)
                .string(2, "cnn")
                .string(3, Version.LIBRARY)
                .message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, OPSET))
                .toByteArray();
    }

    /** Writes {@link #toBytes} to {@code path} atomically (see {@link AtomicFile}). */
    public static void write(Model model, Path path) throws IOException {
        AtomicFile.write(path, toBytes(model));
    }

    private static String conv(OnnxGraph g, String name, Layer layer, Map<String, Object> c, String x) {
        Tensor w = parameter(layer, "W");
        int kh = w.dim(0);
        int kw = w.dim(1);
        int in = w.dim(2);
        int filters = w.dim(3);
        float[] src = w.data();
        float[] oihw = new float[src.length];
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                for (int ci = 0; ci < in; ci++) {
                    for (int o = 0; o < filters; o++) {
                        oihw[((o * in + ci) * kh + i) * kw + j] = src[((i * kw + j) * in + ci) * filters + o];
                    }
                }
            }
        }
        String wName = g.initializer(name + ".W", oihw, filters, in, kh, kw);
        String bName = g.initializer(name + ".b", parameter(layer, "b").data(), filters);
        long[] stride = ints(c.get("stride"));
        long[] pad = ints(c.get("padding"));
        long groups = c.containsKey("groups") ? ((Number) c.get("groups")).longValue() : 1;
        return g.node("Conv", name, List.of(x, wName, bName), new Protobuf[] {
            intsAttribute("kernel_shape", kh, kw),
            intsAttribute("strides", stride),
            intsAttribute("pads", pad[0], pad[1], pad[0], pad[1]),
            intAttribute("group", groups),
        });
    }

    /** Conv with {@code group} = channels: weights (kh, kw, c, m) to (c·m, 1, kh, kw). */
    private static String depthwise(OnnxGraph g, String name, Layer layer, Map<String, Object> c, String x) {
        Tensor w = parameter(layer, "W");
        int kh = w.dim(0);
        int kw = w.dim(1);
        int ch = w.dim(2);
        int m = w.dim(3);
        float[] src = w.data();
        float[] oihw = new float[src.length];
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                for (int ci = 0; ci < ch; ci++) {
                    for (int k = 0; k < m; k++) {
                        oihw[((ci * m + k) * kh + i) * kw + j] = src[((i * kw + j) * ch + ci) * m + k];
                    }
                }
            }
        }
        String wName = g.initializer(name + ".W", oihw, ch * m, 1, kh, kw);
        String bName = g.initializer(name + ".b", parameter(layer, "b").data(), ch * m);
        long[] stride = ints(c.get("stride"));
        long[] pad = ints(c.get("padding"));
        return g.node("Conv", name, List.of(x, wName, bName), new Protobuf[] {
            intsAttribute("kernel_shape", kh, kw),
            intsAttribute("strides", stride),
            intsAttribute("pads", pad[0], pad[1], pad[0], pad[1]),
            intAttribute("group", ch),
        });
    }

    /** BatchNormalization in inference mode over axis 1: the channels of NCHW, or the features of (n, f). */
    private static String batchNorm(OnnxGraph g, String name, Layer layer, Map<String, Object> c, String x) {
        Tensor gamma = parameter(layer, "gamma");
        int ch = gamma.size();
        String scale = g.initializer(name + ".gamma", gamma.data(), ch);
        String bias = g.initializer(name + ".beta", parameter(layer, "beta").data(), ch);
        String mean = g.initializer(name + ".movingMean", layer.state().get("movingMean").data(), ch);
        String var = g.initializer(name + ".movingVariance", layer.state().get("movingVariance").data(), ch);
        return g.node("BatchNormalization", name, List.of(x, scale, bias, mean, var), new Protobuf[] {
            new Protobuf().string(1, "epsilon").varint(20, 1).float32(2, ((Number) c.get("epsilon")).floatValue()),
        });
    }

    /** The rank of one sample leaving layer {@code i} of {@code model}. */
    private static int rank(Model model, int i) {
        return model.outputShape(model.layerNames().get(i)).length;
    }

    /**
     * The ONNX value of every node's output and its layout: an image-shaped value is NCHW after a convolution
     * or pooling and NHWC otherwise; a layer's input is transposed (once per value and layout) when the
     * layer needs the other layout.
     */
    private static final class Values {
        final OnnxGraph g = new OnnxGraph();
        private final Model model;
        private final String[] names;
        private final boolean[] nchw;
        private final Map<String, String> transposed = new java.util.HashMap<>();

        Values(Model model) {
            this.model = model;
            this.names = new String[model.layers().size()];
            this.nchw = new boolean[names.length];
        }

        void set(int i, String value, boolean isNchw) {
            names[i] = value;
            nchw[i] = isNchw;
        }

        private int source(int i, int k) {
            String in = model.inputsOf(model.layerNames().get(i)).get(k);
            return in.equals(Model.INPUT) ? -1 : model.layerNames().indexOf(in);
        }

        /** The shape of one sample of layer {@code i}'s input {@code k}. */
        int[] shape(int i, int k) {
            int j = source(i, k);
            return j < 0 ? model.inputShape() : model.outputShape(model.layerNames().get(j));
        }

        /** The rank of one sample of layer {@code i}'s input {@code k}. */
        int rank(int i, int k) {
            return shape(i, k).length;
        }

        boolean isNchw(int i, int k) {
            int j = source(i, k);
            return j >= 0 && nchw[j];
        }

        /** Layer {@code i}'s input {@code k}, in NCHW when {@code wantNchw} and it is image-shaped, else NHWC. */
        String input(int i, int k, boolean wantNchw) {
            int j = source(i, k);
            return convert(j < 0 ? "input" : names[j], j >= 0 && nchw[j], wantNchw && rank(i, k) == 3);
        }

        List<String> inputs(int i, boolean wantNchw) {
            List<String> r = new java.util.ArrayList<>();
            for (int k = 0; k < model.inputsOf(model.layerNames().get(i)).size(); k++) {
                r.add(input(i, k, wantNchw));
            }
            return r;
        }

        /** The model's output value, in NHWC. */
        String output() {
            int last = names.length - 1;
            return convert(names[last], nchw[last], false);
        }

        private String convert(String value, boolean isNchw, boolean wantNchw) {
            if (isNchw == wantNchw) {
                return value;
            }
            String base = value.endsWith(":0") ? value.substring(0, value.length() - 2) : value;
            return transposed.computeIfAbsent(value + (wantNchw ? "|nchw" : "|nhwc"), k -> g.transpose(value,
                    base + (wantNchw ? "/to_nchw" : "/to_nhwc"), wantNchw ? TO_NCHW : TO_NHWC));
        }
    }

    private static String pool(OnnxGraph g, String name, String type, Map<String, Object> c, String x, int[] sample) {
        List<Protobuf> attributes = new java.util.ArrayList<>(List.of(
                intsAttribute("kernel_shape", ints(c.get("kernel"))),
                intsAttribute("strides", ints(c.get("stride")))));
        if (c.containsKey("padding")) { // a user's own pooling type may have none
            long[] pad = ints(c.get("padding"));
            boolean ceil = Boolean.TRUE.equals(c.get("ceilMode"));
            boolean include = type.equals("AveragePool2D") && Boolean.TRUE.equals(c.get("countIncludePad"));
            attributes.add(intsAttribute("pads", pad[0], pad[1], pad[0], pad[1]));
            attributes.add(intAttribute("ceil_mode", ceil ? 1 : 0));
            if (include && ceil && pad[0] + pad[1] > 0) {
                // ONNX Runtime counts the cells of a ceil-mode window past the padded input in the divisor; cnn and
                // PyTorch do not. So: the average over the cells inside the input, times a constant map of
                // (cells inside the input) / (cells inside the padded input) per output position
                long[] k = ints(c.get("kernel"));
                long[] st = ints(c.get("stride"));
                PaddedPoolGeometry inside = new PaddedPoolGeometry(1, sample[0], sample[1], 1, (int) k[0], (int) k[1],
                        (int) st[0], (int) st[1], (int) pad[0], (int) pad[1], true, false);
                PaddedPoolGeometry counting = new PaddedPoolGeometry(1, sample[0], sample[1], 1, (int) k[0], (int) k[1],
                        (int) st[0], (int) st[1], (int) pad[0], (int) pad[1], true, true);
                float[] scale = new float[inside.outH() * inside.outW()];
                for (int oy = 0; oy < inside.outH(); oy++) {
                    for (int ox = 0; ox < inside.outW(); ox++) {
                        scale[oy * inside.outW() + ox] = (float) inside.divisor(oy, ox) / counting.divisor(oy, ox);
                    }
                }
                attributes.add(intAttribute("count_include_pad", 0));
                String avg = g.node("AveragePool", name + "/inside", List.of(x), attributes.toArray(new Protobuf[0]));
                String map = g.initializer(name + ".scale", scale, 1, 1, inside.outH(), inside.outW());
                return g.node("Mul", name, List.of(avg, map), new Protobuf[0]);
            }
            if (type.equals("AveragePool2D")) {
                attributes.add(intAttribute("count_include_pad", include ? 1 : 0));
            }
        }
        return g.node(type.equals("MaxPool2D") ? "MaxPool" : "AveragePool", name, List.of(x),
                attributes.toArray(new Protobuf[0]));
    }

    private static String fullyConnected(OnnxGraph g, String name, Layer layer, String x) {
        Tensor w = parameter(layer, "W");
        String wName = g.initializer(name + ".W", w.data(), w.dim(0), w.dim(1));
        String bName = g.initializer(name + ".b", parameter(layer, "b").data(), w.dim(1));
        return g.node("Gemm", name, List.of(x, wName, bName), new Protobuf[0]);
    }

    private static String onnxActivation(String type) {
        return switch (type) {
            case "Sigmoid" -> "Sigmoid";
            case "ReLU" -> "Relu";
            case "Tanh" -> "Tanh";
            default -> "Identity"; // Linear, and Dropout at inference
        };
    }

    private static Tensor parameter(Layer layer, String name) {
        for (Parameter p : layer.parameters()) {
            if (p.name().equals(name)) {
                return p.value();
            }
        }
        throw new IllegalArgumentException(layer.type() + " has no parameter " + name);
    }

    private static long[] ints(Object list) {
        List<?> l = (List<?>) list;
        long[] r = new long[l.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = ((Number) l.get(i)).longValue();
        }
        return r;
    }

    private static Protobuf intAttribute(String name, long value) {
        return new Protobuf().string(1, name).varint(20, 2).varint(3, value);
    }

    private static Protobuf intsAttribute(String name, long... values) {
        return new Protobuf().string(1, name).varint(20, 7).varints(8, values);
    }

    /** A float32 tensor value {@code (batch, sample...)}, the batch a named dimension. */
    private static Protobuf valueInfo(String name, int[] sample) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "batch"));
        for (int d : sample) {
            shape.message(1, new Protobuf().varint(1, d));
        }
        Protobuf tensorType = new Protobuf().varint(1, FLOAT).message(2, shape);
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, tensorType));
    }

    /** The graph being built: nodes in order and initializers. */
    private static final class OnnxGraph {
        final Protobuf graph = new Protobuf();

        String node(String op, String name, List<String> inputs, Protobuf[] attributes) {
            return node(op, name, inputs, attributes, name + ":0");
        }

        String node(String op, String name, List<String> inputs, Protobuf[] attributes, String output) {
            Protobuf n = new Protobuf();
            for (String in : inputs) {
                n.string(1, in);
            }
            n.string(2, output).string(3, name).string(4, op);
            for (Protobuf a : attributes) {
                n.message(5, a);
            }
            graph.message(1, n);
            return output;
        }

        String transpose(String x, String name, long[] perm) {
            return node("Transpose", name, List.of(x), new Protobuf[] {intsAttribute("perm", perm)});
        }

        String initializer(String name, float[] values, long... dims) {
            ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(values);
            graph.message(5, new Protobuf().varints(1, dims).varint(2, FLOAT).string(8, name).bytes(9, raw.array()));
            return name;
        }
    }
}
