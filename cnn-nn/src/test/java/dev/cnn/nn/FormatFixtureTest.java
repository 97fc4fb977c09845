package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnn.core.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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
        // and saving it again gives the same file
        Path again = dir.resolve("again.cnn");
        m.save(again);
        assertArrayEquals(Files.readAllBytes(fixture("every-layer-adam-v1.cnn")), Files.readAllBytes(again));
    }

    @Test
    void aFormatOneRegressionFileWithGradientDescentLoads() throws IOException {
        Model m = Model.load(fixture("mlp-gd-v1.cnn"));
        assertEquals("GradientDescent", m.optimizer().type());
        assertEquals(15, m.optimizer().steps());
        assertArrayEquals(Npy.read(fixture("mlp-expected.npy")).data(), m.predict(Npy.read(fixture("mlp-probe.npy"))).data());
    }
}
