package dev.cnn.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.io.ModelIO.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A network written as PyTorch writes it — an NCHW input, OIHW kernels, Clip with its bounds as inputs, a
 * flatten of a C×H×W map into a transposed Gemm — imported and run on the same images in NHWC gives ONNX
 * Runtime's outputs on the NCHW originals: the kernels are converted and the dense layer's rows permuted.
 */
class OnnxImportNchwTest {
    private final NumpyRandom rng = new NumpyRandom(41);

    private float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return v;
    }

    private static Protobuf tensor(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return new Protobuf().varints(1, dims).varint(2, 1).string(8, name).bytes(9, raw.array());
    }

    private static Protobuf node(String op, String name, List<String> in, String out, Protobuf... attributes) {
        Protobuf n = new Protobuf();
        for (String s : in) {
            n.string(1, s);
        }
        n.string(2, out).string(3, name).string(4, op);
        for (Protobuf a : attributes) {
            n.message(5, a);
        }
        return n;
    }

    private static Protobuf ints(String name, long... v) {
        return new Protobuf().string(1, name).varint(20, 7).varints(8, v);
    }

    private static Protobuf valueInfo(String name, long... dims) {
        Protobuf shape = new Protobuf();
        for (long d : dims) {
            shape.message(1, d < 0 ? new Protobuf().string(2, "N") : new Protobuf().varint(1, d));
        }
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1)
                .message(2, shape)));
    }

    /** x (n, 3, 6, 5) → Conv 4×3×3 pad 1 → Clip [0, 6] → MaxPool 2 → Flatten (n, 24) → Gemm (transB) → Softmax. */
    private byte[] network(long opset) {
        Protobuf g = new Protobuf()
                .message(1, node("Conv", "features.0", List.of("x", "w1", "b1"), "c1", ints("kernel_shape", 3, 3),
                        ints("pads", 1, 1, 1, 1), ints("strides", 1, 1)))
                .message(1, node("Clip", "features.1", List.of("c1", "lo", "hi"), "r1"))
                .message(1, node("MaxPool", "features.2", List.of("r1"), "p1", ints("kernel_shape", 2, 2),
                        ints("strides", 2, 2)))
                .message(1, node("Flatten", "flatten", List.of("p1"), "f1",
                        new Protobuf().string(1, "axis").varint(20, 2).varint(3, 1)))
                .message(1, node("Gemm", "classifier", List.of("f1", "w2", "b2"), "z",
                        new Protobuf().string(1, "transB").varint(20, 2).varint(3, 1),
                        new Protobuf().string(1, "alpha").varint(20, 1).float32(2, 0.5f)))
                .message(1, node("Softmax", "softmax", List.of("z"), "y",
                        new Protobuf().string(1, "axis").varint(20, 2).varint(3, 1)))
                .string(2, "torch_jit")
                .message(5, tensor("w1", random(4 * 3 * 3 * 3), 4, 3, 3, 3))
                .message(5, tensor("b1", random(4), 4))
                .message(5, tensor("lo", new float[] {0f}))
                .message(5, tensor("hi", new float[] {6f}))
                .message(5, tensor("w2", random(5 * 24), 5, 24))
                .message(5, tensor("b2", random(5), 5))
                .message(11, valueInfo("x", -1, 3, 6, 5))
                .message(12, valueInfo("y", -1, 5));
        return new Protobuf().varint(1, 7).string(2, "pytorch").string(3, "1.13.0").message(7, g)
                .message(8, new Protobuf().string(1, "").varint(2, opset)).toByteArray();
    }

    @Test
    void anNchwNetworkAnswersAsOnnxRuntimeOnTheSameImages() throws Exception {
        byte[] onnx = network(13);
        float[] nchw = random(2 * 3 * 6 * 5);
        float[] expected;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw), new long[] {2, 3, 6, 5});
             OrtSession.Result r = s.run(Map.of("x", in))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            expected = new float[out.remaining()];
            out.get(expected);
        }
        Model m = OnnxImport.fromBytes(onnx, "net.onnx");
        assertArrayEquals(new int[] {6, 5, 3}, m.inputShape());
        float[] nhwc = Tensor.wrap(nchw, 2, 3, 6, 5).permute(0, 2, 3, 1).data();
        assertArrayEquals(expected, m.predict(Tensor.wrap(nhwc, 2, 6, 5, 3)).data(), 1e-6f);
        assertEquals(List.of("features_0", "features_1", "features_2", "flatten", "classifier", "softmax"), m.layerNames());
        assertEquals("pytorch 1.13.0", m.metadata().get("onnxProducer"));
        assertEquals(13L, m.metadata().get("onnxOpset"));
    }

    @Test
    void outsideTheSupportedOpsetsAndOperatorsItSaysSo() {
        ModelFormatException old = assertThrows(ModelFormatException.class,
                () -> OnnxImport.fromBytes(network(18), "new.onnx"));
        assertTrue(old.getMessage().contains("opset 18; cnn imports opsets 1 to 17"), old.getMessage());
        byte[] unknown = new Protobuf().varint(1, 7).message(7, new Protobuf()
                        .message(1, node("Relu", "r", List.of("x"), "h"))
                        .message(1, node("Erf", "mystery", List.of("h"), "y"))
                        .message(11, valueInfo("x", -1, 4)).message(12, valueInfo("y", -1, 4)))
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toByteArray();
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxImport.fromBytes(unknown, "u.onnx"));
        assertTrue(e.getMessage().startsWith("u.onnx: node 'mystery' (Erf): operator 'Erf', which cnn does not import "
                + "(supported: Add, AveragePool,"), e.getMessage());
    }
}
