package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnn.core.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The BOM has no parent (so it pins nothing else), hence its own version strings: they must be the build's. */
class BomVersionTest {
    @Test
    void everyVersionInTheBomIsTheLibraryVersion() throws Exception {
        String bom = Files.readString(Path.of("..", "cnn-bom", "pom.xml"));
        Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(bom);
        int count = 0;
        while (m.find()) {
            assertEquals(Version.LIBRARY, m.group(1), "cnn-bom/pom.xml");
            count++;
        }
        assertEquals(5, count, "the BOM's own version and one per library module (core, nn, data, serve)");
    }
}
