package dev.cnn.data;

import ai.djl.training.util.DownloadUtils;
import ai.djl.training.util.ProgressBar;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * MNIST (and anything else in its format, such as Fashion-MNIST) from a directory holding the four
 * standard files, raw or gzipped: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}. Images are {@code (28, 28, 1)}
 * bytes; labels are the digits 0–9.
 */
public final class Mnist {
    private static final Logger LOG = LogManager.getLogger(Mnist.class);
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    private static final String[] FILES = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};
    /** SHA-256 of each original MNIST file's decompressed bytes, in the order of {@link #FILES}. */
    private static final String[] SHA256 = {
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };
    /** Where {@link #download} fetches the gzipped files from unless told otherwise (a public MNIST mirror). */
    public static final String DEFAULT_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/";

    private Mnist() {
    }

    /** The training and test images. */
    public record Split(ImageSet train, ImageSet test) {
    }

    /** Loads the four files from {@code dir}; a clear error lists any that are missing. */
    public static Split load(Path dir) throws IOException {
        List<String> missing = missing(dir);
        if (!missing.isEmpty()) {
            throw new DataException("MNIST files missing in " + dir + ": " + String.join(", ", missing)
                    + " (each raw or .gz)");
        }
        long start = System.nanoTime();
        ImageSet train = read(find(dir, TRAIN_IMAGES), find(dir, TRAIN_LABELS));
        ImageSet test = read(find(dir, TEST_IMAGES), find(dir, TEST_LABELS));
        LOG.info("loaded MNIST from {}: {} training and {} test images in {} ms", dir, train.count(), test.count(),
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

    private static Path find(Path dir, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    static ImageSet read(Path imagesFile, Path labelsFile) throws IOException {
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
        if (max > 9) {
            throw new DataException(labelsFile + ": label " + max + " is not a digit 0-9");
        }
        return new ImageSet(images.pixels(), l, images.rows(), images.cols(), 1,
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    }

    /**
     * Loads MNIST from {@code dir}; if any file is missing there, downloads the missing ones into
     * {@code dir} from {@code baseUrl} (null: {@link #DEFAULT_URL}) first. Fails fast without network.
     */
    public static Split loadOrDownload(Path dir, String baseUrl, boolean progress) throws IOException {
        if (!missing(dir).isEmpty()) {
            download(dir, baseUrl == null ? DEFAULT_URL : baseUrl, progress);
        }
        return load(dir);
    }

    /**
     * Downloads every missing file as {@code <name>.gz} from {@code baseUrl} with DJL's download
     * utilities, which store it decompressed; each file's SHA-256 is checked before it is moved to its
     * final name, so an interrupted or wrong download never stands under that name.
     */
    public static void download(Path dir, String baseUrl, boolean progress) throws IOException {
        Files.createDirectories(dir);
        String base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        for (int i = 0; i < FILES.length; i++) {
            String name = FILES[i];
            if (find(dir, name) != null) {
                continue;
            }
            URL url = new URL(base + name + ".gz");
            probe(url, dir);
            Path part = dir.resolve("." + name + ".part");
            Files.deleteIfExists(part);
            LOG.info("downloading {} to {}", url, dir);
            try {
                DownloadUtils.download(url, part, progress ? new ProgressBar() : null);
                String got = sha256(part);
                if (!got.equals(SHA256[i])) {
                    throw new DataException("downloaded " + url + " has SHA-256 " + got + ", expected " + SHA256[i]
                            + "; not using it");
                }
                try {
                    Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(part, dir.resolve(name));
                }
            } finally {
                Files.deleteIfExists(part);
            }
        }
    }

    /** Fails within seconds, with a useful message, when {@code url} cannot be reached. */
    private static void probe(URL url, Path dir) throws DataException {
        try {
            URLConnection c = url.openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            if (c instanceof HttpURLConnection h) {
                h.setRequestMethod("HEAD");
                int code = h.getResponseCode();
                if (code >= 400) {
                    throw new IOException("HTTP " + code);
                }
                h.disconnect();
            } else {
                try (InputStream in = c.getInputStream()) {
                    in.read();
                }
            }
        } catch (IOException e) {
            throw new DataException("MNIST files are missing in " + dir + " and cannot be downloaded from " + url + " ("
                    + e + "); copy the four MNIST files (" + String.join(", ", FILES) + ", raw or .gz) there", e);
        }
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
