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
import java.util.HexFormat;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Downloads the four MNIST files with DJL's download utilities ({@code ai.djl:api} must be on the class
 * or module path; reading them with {@link Mnist} does not need it). Each file's SHA-256 is checked
 * against the original's before it is given its final name.
 */
public final class MnistDownload {
    private static final Logger LOG = LogManager.getLogger(MnistDownload.class);
    /** SHA-256 of each original MNIST file's decompressed bytes, in the order train images, labels, test images, labels. */
    private static final String[] SHA256 = {
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };
    /** Where {@link #download} fetches the gzipped files from unless told otherwise (a public MNIST mirror). */
    public static final String DEFAULT_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/";

    private MnistDownload() {
    }

    /**
     * Loads MNIST from {@code dir}; if any file is missing there, downloads the missing ones into
     * {@code dir} from {@code baseUrl} (null: {@link #DEFAULT_URL}) first. Fails fast without network.
     */
    public static Mnist.Split loadOrDownload(Path dir, String baseUrl, boolean progress) throws IOException {
        if (!Mnist.missing(dir).isEmpty()) {
            download(dir, baseUrl == null ? DEFAULT_URL : baseUrl, progress);
        }
        return Mnist.load(dir);
    }

    /**
     * Downloads every missing file as {@code <name>.gz} from {@code baseUrl} with DJL's download
     * utilities, which store it decompressed; each file's SHA-256 is checked before it is moved to its
     * final name, so an interrupted or wrong download never stands under that name.
     */
    public static void download(Path dir, String baseUrl, boolean progress) throws IOException {
        Files.createDirectories(dir);
        String base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        for (int i = 0; i < Mnist.FILES.length; i++) {
            String name = Mnist.FILES[i];
            if (Mnist.find(dir, name) != null) {
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
                    + e + "); copy the four MNIST files (" + String.join(", ", Mnist.FILES) + ", raw or .gz) there", e);
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
