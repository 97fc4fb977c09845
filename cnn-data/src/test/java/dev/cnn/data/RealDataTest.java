package dev.cnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checks against the real datasets in {@code ../shared/datasets} (system property {@code cnn.datasets});
 * run with {@code ./mvnw -B verify -Preal-data}, excluded from the default test run.
 */
@Tag("real-data")
class RealDataTest {
    private static final Path ROOT = Path.of(System.getProperty("cnn.datasets", "../../shared/datasets"));

    @Test
    void mnist() throws IOException {
        long start = System.nanoTime();
        Mnist.Split s = Mnist.load(ROOT.resolve("mnist"));
        System.out.printf("MNIST load: %.2f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(60000, s.train().count());
        assertEquals(10000, s.test().count());
        assertEquals(5958, s.train().countsByLabel()[2]);
        assertEquals(5421, s.train().countsByLabel()[5]);
        assertEquals(1032, s.test().countsByLabel()[2]);
        assertEquals(892, s.test().countsByLabel()[5]);
        assertArrayEquals(new int[] {5, 0, 4, 1, 9, 2}, Arrays.copyOf(s.train().labels(), 6));
        assertEquals(11379, s.train().binary(2, 5).size());
        assertEquals(1924, s.test().binary(2, 5).size());
    }

    @Test
    void fashionMnistReadsUnchanged() throws IOException {
        // Debian's dataset-fashion-mnist package, installed by .ci/run when the machine allows it
        Path dir = Path.of(System.getProperty("cnn.fashion", "/usr/share/datasets/fashion-mnist"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "no " + dir);
        Mnist.Split s = Mnist.load(dir, Mnist.FASHION);
        assertEquals("Ankle boot", s.train().classNames().get(s.train().labels()[0]));
        assertEquals(60000, s.train().count());
        assertEquals(10000, s.test().count());
        assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000},
                s.train().countsByLabel());
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2}, Arrays.copyOf(s.train().labels(), 6));
    }

    @Test
    void californiaHousing() throws IOException {
        CsvTable train = CsvTable.read(ROOT.resolve("california_housing/california_housing_train.csv"));
        CsvTable test = CsvTable.read(ROOT.resolve("california_housing/california_housing_test.csv"));
        assertEquals(17000, train.rows());
        assertEquals(3000, test.rows());
        assertEquals(8, train.columns());
        assertEquals("median_house_value", train.targetName());
        double sum = 0;
        for (float v : train.target()) {
            sum += v;
        }
        assertEquals(207300.9, sum / train.rows(), 0.1);
    }

    @Test
    void mnistJpegFolders() throws IOException {
        ImageSet s = ImageFolder.load(ROOT.resolve("mnist-2-5-jpg"), 1);
        assertEquals(List.of("2", "5"), s.classNames());
        assertArrayEquals(new int[] {1000, 1000}, s.countsByLabel());
        assertEquals(28, s.height());
        assertEquals(28, s.width());
        assertEquals(1, s.channels());
    }
}
