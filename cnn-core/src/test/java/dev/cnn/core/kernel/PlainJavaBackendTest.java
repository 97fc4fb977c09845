package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Which backend a JVM gets: in the {@code plain-java} test run (no {@code jdk.incubator.vector}) the
 * plain-Java one, and every kernel test of that run exercises it; in the default run the Vector API's.
 */
class PlainJavaBackendTest {
    @Test
    void theBackendMatchesTheModulesOfThisJvm() {
        boolean hasModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        System.out.println("kernel backend of this test JVM: " + Gemm.backendName());
        assertEquals(hasModule, Gemm.vectorAvailable());
        assertEquals(hasModule ? "vector" : "plain", Gemm.backendName().startsWith("vector") ? "vector" : "plain",
                Gemm.backendName());
    }
}
