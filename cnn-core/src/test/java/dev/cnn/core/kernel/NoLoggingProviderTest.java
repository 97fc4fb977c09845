package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A consumer's common set-up: the Log4j API without a provider, and no {@code --add-modules
 * jdk.incubator.vector}. Log4j then drops warnings, but the one saying the slow kernels run must reach the user.
 */
class NoLoggingProviderTest {
    /** Runs in the child JVM: chooses the kernels and says which. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println("kernels " + Gemm.backendName());
        }
    }

    @Test
    void theSlowKernelWarningReachesStandardErrorWithoutAProvider() throws Exception {
        // cnn-core's own classes and the Log4j API jar: no log4j-core, no other provider
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains("log4j-api") || e.endsWith("classes") || e.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", cp, Child.class.getName())).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        assertTrue(out.contains("kernels plain-java") || out.contains("kernels scalar"), out);
        assertTrue(err.contains("the Vector API is not enabled, so cnn runs its plain-Java kernels"), err);
        assertEquals(1, err.lines().filter(l -> l.contains("Vector API is not enabled")).count(), "once: " + err);
    }
}
