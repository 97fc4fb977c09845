package dev.cnn.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The library's version, as the build wrote it (the Maven project version); written into model files. */
public final class Version {
    /** This library's version, e.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} if the build did not record it. */
    public static final String LIBRARY = read();

    private Version() {
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
