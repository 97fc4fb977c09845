package dev.cnn.core.kernel;

/**
 * Which implementation family the kernels run: the Vector API's (when {@code jdk.incubator.vector} is
 * present and {@code -Dcnn.vector} is not {@code false}) or plain Java, chosen once per process and
 * logged once by {@link Gemm}. A kernel holds the backend it was made with ({@link ConvKernel},
 * {@link PoolKernel}'s overloads take one), so no kernel asks a global while it runs; the plain-Java
 * backend never loads a Vector API class. Immutable and thread-safe.
 */
public final class Backend {
    /** The backend {@link #current} handed out last, reused while {@link Gemm}'s choice stays the same. */
    private static volatile Backend last = new Backend(Gemm.activeBackend());
    private final Gemm.GemmBackend gemm;

    private Backend(Gemm.GemmBackend gemm) {
        this.gemm = gemm;
    }

    /** The backend in use in this process (the one {@link Gemm#useVector} last chose). */
    public static Backend current() {
        Backend b = last;
        Gemm.GemmBackend g = Gemm.activeBackend();
        if (b.gemm != g) {
            b = new Backend(g);
            last = b;
        }
        return b;
    }

    /** Whether this is the Vector API backend. */
    public boolean vectorApi() {
        return !(gemm instanceof ScalarGemm);
    }

    /** Its name, e.g. {@code vector-512} or {@code scalar}. */
    public String name() {
        return gemm.name();
    }

    /** {@code n} rounded up to whole packed GEMM panels of this backend. */
    int paddedWidth(int n) {
        int w = gemm.panelWidth(n);
        return (n + w - 1) / w * w;
    }

    @Override
    public String toString() {
        return name();
    }
}
