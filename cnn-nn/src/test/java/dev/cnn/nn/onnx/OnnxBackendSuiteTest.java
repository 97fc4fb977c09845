package dev.cnn.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.io.ModelIO.ModelFormatException;
import dev.cnn.nn.onnx.OnnxReader.Node;
import dev.cnn.nn.onnx.OnnxReader.TensorData;
import dev.cnn.nn.onnx.OnnxReader.ValueInfo;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The ONNX backend test suite as Debian's {@code libonnx-testdata} installs it ({@code data/node} and
 * {@code data/pytorch-converted}: a model, inputs and expected outputs each): every test whose operators are
 * all among {@link OnnxImport#SUPPORTED} is imported and run. The first graph input is the data; the others
 * (the suite passes weights as inputs) are bound as constants. 4-D NCHW data goes in transposed to NHWC and
 * comes out transposed back. A test passes when every output is within the suite's own tolerance
 * ({@code |got − expected| ≤ 1e-7 + 1e-3·|expected|}); it may be refused, with a {@link ModelFormatException}
 * naming why (an operator form cnn does not import); it must never give a wrong answer. Runs with
 * {@code -Dcnn.onnx.suite=/usr/share/libonnx-testdata/data} ({@code -Ponnx-suite} sets it).
 */
@EnabledIfSystemProperty(named = "cnn.onnx.suite", matches = ".+")
class OnnxBackendSuiteTest {
    @Test
    void everyTestOfTheSupportedOperatorsPassesOrIsRefusedNeverWrong() throws Exception {
        Path root = Path.of(System.getProperty("cnn.onnx.suite"));
        Map<String, List<String>> outcomes = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        int considered = 0;
        for (String part : List.of("node", "pytorch-converted")) {
            List<Path> tests;
            try (Stream<Path> s = Files.list(root.resolve(part))) {
                tests = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
            }
            for (Path t : tests) {
                byte[] bytes = Files.readAllBytes(t.resolve("model.onnx"));
                OnnxReader.File f;
                try {
                    f = OnnxReader.read(ByteBuffer.wrap(bytes), t.toString());
                } catch (ModelFormatException e) {
                    continue; // not readable as cnn reads ONNX (a data type it does not import): not of the supported set
                }
                boolean supported = !f.graph().nodes().isEmpty();
                for (Node n : f.graph().nodes()) {
                    supported &= OnnxImport.SUPPORTED.contains(n.opType());
                }
                if (!supported) {
                    continue;
                }
                considered++;
                String name = part + "/" + t.getFileName();
                String outcome = run(t, bytes, f, wrong);
                outcomes.computeIfAbsent(outcome, k -> new ArrayList<>()).add(name);
            }
        }
        StringBuilder report = new StringBuilder("ONNX backend suite, tests whose operators cnn imports: " + considered);
        for (Map.Entry<String, List<String>> e : outcomes.entrySet()) {
            report.append(String.format("%n  %3d %s: %s", e.getValue().size(), e.getKey(), e.getValue()));
        }
        System.out.println(report);
        assertTrue(considered > 50, report.toString());
        assertEquals(List.of(), wrong, report.toString());
    }

    /** "passed", "refused: REASON", or "wrong" (recorded in {@code wrong}). */
    private static String run(Path test, byte[] bytes, OnnxReader.File f, List<String> wrong) throws Exception {
        List<ValueInfo> inputs = new ArrayList<>();
        for (ValueInfo v : f.graph().inputs()) {
            if (!f.graph().initializers().containsKey(v.name())) {
                inputs.add(v);
            }
        }
        List<Path> sets;
        try (Stream<Path> s = Files.list(test)) {
            sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
        }
        for (Path set : sets) {
            List<TensorData> given = new ArrayList<>();
            TensorData y;
            try {
                for (int i = 0; Files.exists(set.resolve("input_" + i + ".pb")); i++) {
                    given.add(OnnxReader.tensor(Files.readAllBytes(set.resolve("input_" + i + ".pb")), set + "/input_" + i));
                }
                y = OnnxReader.tensor(Files.readAllBytes(set.resolve("output_0.pb")), set + "/output_0");
            } catch (ModelFormatException e) {
                return "refused (test data): " + reason(e.getMessage(), e.getMessage().split(": ")[0]);
            }
            Map<String, TensorData> bound = new HashMap<>();
            for (int i = 1; i < given.size() && i < inputs.size(); i++) {
                bound.put(inputs.get(i).name(), given.get(i));
            }
            Model m;
            try {
                m = OnnxImport.convert(ByteBuffer.wrap(bytes), test.toString(), bound);
            } catch (ModelFormatException e) {
                return "refused: " + reason(e.getMessage(), test.toString());
            }
            TensorData x = given.get(0);
            Tensor in = tensor(x);
            if (x.dims().length == 4) { // an NCHW image batch: cnn takes it as NHWC
                in = in.permute(0, 2, 3, 1);
            }
            Tensor out;
            try {
                out = m.predict(in);
            } catch (IllegalArgumentException | IllegalStateException e) {
                return "refused at predict: " + e.getMessage();
            }
            Tensor expected = tensor(y);
            if (y.dims().length == 4) { // and gives an NCHW map back as NHWC
                expected = expected.permute(0, 2, 3, 1);
            }
            float[] a = out.data();
            float[] b = expected.data();
            boolean ok = a.length == b.length;
            for (int i = 0; ok && i < a.length; i++) {
                ok = Math.abs(a[i] - b[i]) <= 1e-7 + 1e-3 * Math.abs(b[i]);
            }
            if (!ok) {
                wrong.add(test.getFileName() + " " + set.getFileName());
                return "wrong";
            }
        }
        return "passed";
    }

    /** The refusal without the file and node names: what is common to the tests refused alike. */
    private static String reason(String message, String source) {
        String m = message.startsWith(source + ": ") ? message.substring(source.length() + 2) : message;
        m = m.replaceFirst("^node '[^']*' \\(([A-Za-z]+)\\): ", "$1: ");
        return m.replaceAll("\\[[-0-9, ]+\\]", "[..]").replaceAll("\\d+", "N");
    }

    private static Tensor tensor(TensorData t) {
        int[] shape = new int[t.dims().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (int) t.dims()[i];
        }
        return Tensor.wrap(t.floats(), shape);
    }
}
