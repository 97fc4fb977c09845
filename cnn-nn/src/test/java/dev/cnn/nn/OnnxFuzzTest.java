package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.io.ModelIO.ModelFormatException;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.onnx.OnnxExport;
import dev.cnn.nn.onnx.OnnxImport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * 3,000 mutated ONNX files (bytes flipped, zeroed or set high, runs cut out or repeated, the file cut short,
 * large varints written over lengths and dimensions): each imports, or is one {@link ModelFormatException}
 * naming the file — never another exception, a hang or a huge allocation — and a model that imports gives
 * finite outputs or refuses an overflow.
 */
class OnnxFuzzTest {
    @Test
    void threeThousandMutatedOnnxFilesImportOrFailAsDocumented() throws Exception {
        Model chain = Model.builder(6, 6, 1).seed(4)
                .add("conv", new Conv2D(3, 3, 1, Padding.SAME, Init.HE)).add("relu", Activation.relu())
                .add("fc", new FullyConnected(4)).add("softmax", Activation.softmax()).build();
        List<byte[]> bases = List.of(OnnxExport.toBytes(chain), OnnxExport.toBytes(GraphTest.residual(2)),
                OnnxExport.toBytes(GraphTest.standardBlocks(3)));
        Random r = new Random(2026);
        Map<String, Integer> outcomes = new TreeMap<>();
        long slowest = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = mutate(bases.get(i % bases.size()), r);
            long start = System.nanoTime();
            String outcome = check(b);
            slowest = Math.max(slowest, System.nanoTime() - start);
            outcomes.merge(outcome, 1, Integer::sum);
        }
        System.out.printf("onnx fuzz: %s; slowest import %.1f ms%n", outcomes, slowest / 1e6);
        assertEquals(3000, outcomes.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(outcomes.getOrDefault("refused", 0) > 1000, outcomes.toString());
    }

    private static String check(byte[] bytes) {
        Model m;
        try {
            m = OnnxImport.fromBytes(bytes, "fuzz.onnx");
        } catch (ModelFormatException e) {
            assertTrue(e.getMessage().startsWith("fuzz.onnx: "), e.getMessage());
            return "refused";
        } catch (Throwable e) {
            fail("undocumented failure for a mutated ONNX file: " + e, e);
            return null;
        }
        int[] in = m.inputShape();
        long size = 1;
        for (int d : in) {
            size *= d;
        }
        if (size > 1 << 16) {
            return "imported (input too large to probe)";
        }
        int[] shape = new int[in.length + 1];
        shape[0] = 2;
        System.arraycopy(in, 0, shape, 1, in.length);
        Tensor x = new NumpyRandom(5).randn(shape);
        try {
            for (float v : m.predict(x).data()) {
                assertTrue(Float.isFinite(v), "an imported model gave a non-finite output");
            }
            return "imported, finite outputs";
        } catch (IllegalStateException overflow) {
            assertTrue(overflow.getMessage().contains("an overflow inside the network"), overflow.getMessage());
            return "imported, predict refused an overflow";
        }
    }

    private static byte[] mutate(byte[] base, Random r) {
        byte[] b = base.clone();
        int at = r.nextInt(b.length);
        switch (r.nextInt(6)) {
            case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[at] = (byte) (r.nextBoolean() ? 0 : 0xff);
            case 2 -> {
                return java.util.Arrays.copyOf(b, at);
            }
            case 3 -> { // a run repeated
                int len = Math.min(1 + r.nextInt(64), b.length - at);
                byte[] c = new byte[b.length + len];
                System.arraycopy(b, 0, c, 0, at + len);
                System.arraycopy(b, at, c, at + len, b.length - at);
                return c;
            }
            case 4 -> { // a run cut out
                int len = Math.min(1 + r.nextInt(64), b.length - at);
                byte[] c = new byte[b.length - len];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + len, c, at, b.length - at - len);
                return c;
            }
            default -> { // a large varint over whatever stood there (a length, a dimension, a count)
                long v = new long[] {0x7fffffffL, 1L << 40, 65536, 0, -1L}[r.nextInt(5)];
                List<Byte> out = new ArrayList<>();
                do {
                    out.add((byte) ((v & 0x7F) | ((v & ~0x7FL) != 0 ? 0x80 : 0)));
                    v >>>= 7;
                } while (v != 0);
                for (int k = 0; k < out.size() && at + k < b.length; k++) {
                    b[at + k] = out.get(k);
                }
            }
        }
        return b;
    }
}
