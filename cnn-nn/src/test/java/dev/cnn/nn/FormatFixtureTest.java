package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnn.core.Npy;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.layers.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files saved by earlier versions of the library (format 1, committed under {@code fixtures/}) still
 * load and predict exactly what they predicted when they were written.
 */
class FormatFixtureTest {
    @TempDir
    Path dir;

    private Path fixture(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/fixtures/" + name)) {
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    @Test
    void aFormatOneFileWithEveryLayerTypeAndAdamStateLoadsAndPredictsAsWhenSaved() throws IOException {
        Model m = Model.load(fixture("every-layer-adam-v1.cnn"));
        assertEquals(List.of("Conv2D", "ReLU", "MaxPool2D", "Conv2D", "AveragePool2D", "Flatten", "FullyConnected", "Tanh",
                "FullyConnected", "Softmax"), m.layers().stream().map(Layer::type).toList());
        assertEquals(10, m.optimizer().steps());
        assertEquals(16, m.optimizer().state().size(), "m and v for each of the 8 parameters");
        assertArrayEquals(Npy.read(fixture("every-layer-expected.npy")).data(),
                m.predict(Npy.read(fixture("every-layer-probe.npy"))).data());
        // and saving it again gives the same entries, but for the library version that wrote them and for the
        // history's missing validation values, which files written before 0.1.0 held as a bare NaN (not JSON)
        // and are now null
        Path again = dir.resolve("again.cnn");
        m.save(again);
        try (java.util.zip.ZipFile old = new java.util.zip.ZipFile(fixture("every-layer-adam-v1.cnn").toFile());
             java.util.zip.ZipFile now = new java.util.zip.ZipFile(again.toFile())) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(old.entries())) {
                String a = new String(old.getInputStream(e).readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                String b = new String(now.getInputStream(now.getEntry(e.getName())).readAllBytes(),
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                String expected = a.replace("\"libraryVersion\": \"0.1.0\"", "\"libraryVersion\": \""
                        + ModelIO.LIBRARY_VERSION + "\"").replace("        NaN", "        null");
                if (e.getName().equals("config.json")) {
                    // format 2 adds each layer's inputs: in a chain, the layer before it
                    expected = chainInputs(expected.replace("\"formatVersion\": 1", "\"formatVersion\": 2"));
                }
                assertEquals(expected, b, e.getName());
            }
            assertEquals(old.size(), now.size());
        }
    }

    /**
     * {@code config} (a format-1 config.json as written) as format 2 writes it: {@code "inputs"} after every
     * layer's config, a convolution's groups (1), and a pooling layer's padding and rounding (none, floor;
     * averages count padded cells).
     */
    private static String chainInputs(String config) {
        com.google.gson.JsonObject c = com.google.gson.JsonParser.parseString(config).getAsJsonObject();
        String previous = "input";
        for (com.google.gson.JsonElement l : c.getAsJsonArray("layers")) {
            String type = l.getAsJsonObject().get("type").getAsString();
            if (type.equals("Conv2D")) {
                l.getAsJsonObject().getAsJsonObject("config").addProperty("groups", 1);
            }
            if (type.endsWith("Pool2D")) {
                com.google.gson.JsonObject pc = l.getAsJsonObject().getAsJsonObject("config");
                com.google.gson.JsonArray zero = new com.google.gson.JsonArray();
                zero.add(0);
                zero.add(0);
                pc.add("padding", zero);
                pc.addProperty("ceilMode", false);
                if (type.equals("AveragePool2D")) {
                    pc.addProperty("countIncludePad", true);
                }
            }
            com.google.gson.JsonArray in = new com.google.gson.JsonArray();
            in.add(previous);
            l.getAsJsonObject().add("inputs", in);
            previous = l.getAsJsonObject().get("name").getAsString();
        }
        return new com.google.gson.GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(c);
    }

    @Test
    void aFormatOneRegressionFileWithGradientDescentLoads() throws IOException {
        Model m = Model.load(fixture("mlp-gd-v1.cnn"));
        assertEquals("GradientDescent", m.optimizer().type());
        assertEquals(15, m.optimizer().steps());
        assertArrayEquals(Npy.read(fixture("mlp-expected.npy")).data(), m.predict(Npy.read(fixture("mlp-probe.npy"))).data());
    }
}
