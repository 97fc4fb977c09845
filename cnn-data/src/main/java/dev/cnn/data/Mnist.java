package dev.cnn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * MNIST (and anything else in its format, such as Fashion-MNIST) from a directory holding the four
 * standard files, raw or gzipped: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}. Images are {@code (28, 28, 1)}
 * bytes; labels are class indices, the digits 0–9 for MNIST itself, or any other list of class names
 * ({@link #load(Path, List)}). Reading needs no dependency beyond the JDK and Log4j's API; downloading
 * is {@link MnistDownload}.
 */
public final class Mnist {
    private static final Logger LOG = LogManager.getLogger(Mnist.class);
    /** File name of the training images (without {@code .gz}). */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** File name of the training labels (without {@code .gz}). */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** File name of the test images (without {@code .gz}). */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** File name of the test labels (without {@code .gz}). */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    static final String[] FILES = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};
    /** MNIST's class names: the digits. */
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** Fashion-MNIST's class names, in label order. */
    public static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private Mnist() {
    }

    /** The training and test images. */
    public record Split(ImageSet train, ImageSet test) {
    }

    /** Loads the four files from {@code dir} as digits 0–9; a clear error lists any that are missing. */
    public static Split load(Path dir) throws IOException {
        return load(dir, DIGITS);
    }

    /**
     * Loads the four files from {@code dir}, whose labels index {@code classNames} (e.g. Fashion-MNIST's
     * {@code T-shirt/top, Trouser, ...}); a label outside the list is an error naming the file.
     */
    public static Split load(Path dir, List<String> classNames) throws IOException {
        if (classNames.isEmpty() || classNames.size() > 256) {
            throw new IllegalArgumentException("an IDX label is one byte: 1 to 256 class names, got " + classNames.size());
        }
        List<String> missing = missing(dir);
        if (!missing.isEmpty()) {
            throw new DataException("IDX files missing in " + dir + ": " + String.join(", ", missing)
                    + " (each raw or .gz)");
        }
        long start = System.nanoTime();
        ImageSet train = read(find(dir, TRAIN_IMAGES), find(dir, TRAIN_LABELS), classNames);
        ImageSet test = read(find(dir, TEST_IMAGES), find(dir, TEST_LABELS), classNames);
        LOG.info("loaded IDX images from {}: {} training and {} test images in {} ms", dir, train.count(), test.count(),
                (System.nanoTime() - start) / 1_000_000);
        return new Split(train, test);
    }

    /** The standard file names absent from {@code dir} (neither raw nor {@code .gz}). */
    public static List<String> missing(Path dir) {
        List<String> m = new ArrayList<>();
        for (String f : FILES) {
            if (find(dir, f) == null) {
                m.add(f);
            }
        }
        return m;
    }

    static Path find(Path dir, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    static ImageSet read(Path imagesFile, Path labelsFile, List<String> classNames) throws IOException {
        Idx.Images images = Idx.readImages(imagesFile);
        byte[] labels = Idx.readLabels(labelsFile);
        if (labels.length != images.count()) {
            throw new DataException(imagesFile + " has " + images.count() + " images but " + labelsFile + " has "
                    + labels.length + " labels");
        }
        int[] l = new int[labels.length];
        int max = 0;
        for (int i = 0; i < l.length; i++) {
            l[i] = labels[i] & 0xff;
            max = Math.max(max, l[i]);
        }
        if (max >= classNames.size()) {
            throw new DataException(labelsFile + ": label " + max + " is not one of the " + classNames.size()
                    + " classes (0-" + (classNames.size() - 1) + ")");
        }
        return new ImageSet(images.pixels(), l, images.rows(), images.cols(), 1, List.copyOf(classNames));
    }
}
