package dev.cnn.core.kernel;

import java.util.Arrays;
import dev.cnn.core.internal.Parallel;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Single-precision matrix multiply {@code C = A·B (+ bias)} or {@code C += A·B}, with A and B given
 * by strides so that transposed operands cost nothing extra: element {@code A(i, p)} is
 * {@code a[aOff + i·aRowStride + p·aColStride]} and {@code B(p, j)} is
 * {@code b[bOff + p·bRowStride + j·bColStride]}; C is row-major with leading dimension {@code ldc}.
 *
 * <p>B is packed into panels (in parallel), then rows of C are split across {@link Parallel#threads()}
 * threads; for a batch of rows (fewer than four register tiles per thread) against at least four column
 * panels per thread, the panels are split instead, each thread packing the ones it multiplies. Each element
 * of C is summed by one thread in a fixed order, so results are deterministic. The
 * Vector API backend is used when {@code jdk.incubator.vector} is present (and the system property
 * {@code cnn.vector} is not {@code false}); otherwise a plain-Java backend.
 */
public final class Gemm {
    private static final Logger LOG = LogManager.getLogger(Gemm.class);
    private static final GemmBackend VECTOR = loadVector();
    private static volatile GemmBackend backend = chooseDefault();

    private Gemm() {
    }

    /** The computation on one range of rows; implementations hold no state between calls. */
    interface GemmBackend {
        /** Width of a packed B panel. */
        int panelWidth(int n);

        String name();

        /** Rows of C per register tile: row ranges split across threads are multiples of it. */
        int tileRows();

        /**
         * Rows {@code [i0, i1)} of C, in the columns of panels {@code [panel0, panel1)}, from packed B
         * ({@code bp}, panels of {@link #panelWidth} columns, zero-padded, each {@code k × width}). Element
         * {@code A(i, p)} is {@code a[aOff + (iOff == null ? i·ars : iOff[i]) + kOff[p]]}; {@code kStep > 0} says
         * that {@code kOff[p] == p·kStep} (A's columns evenly spaced), 0 that nothing is known of it.
         */
        void rows(int i0, int i1, int panel0, int panel1, int n, int k, float[] a, int aOff, int ars, int[] iOff,
                  int[] kOff, int kStep, float[] bp, int width, float[] c, int cOff, int ldc, float[] bias, boolean accumulate);
    }

    private static GemmBackend loadVector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            GemmBackend b = (GemmBackend) Class.forName("dev.cnn.core.kernel.VectorGemm").getDeclaredConstructor().newInstance();
            return b.panelWidth(1) >= 8 ? b : null;
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("Vector API present but unusable ({}); using the plain-Java kernels", e.toString());
            return null;
        }
    }

    private static GemmBackend chooseDefault() {
        boolean wanted = !"false".equalsIgnoreCase(System.getProperty("cnn.vector", "true"));
        if (wanted && ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            // once per process (class initialisation): the plain-Java kernels train ~17x slower
            String message = "the Vector API is not enabled, so cnn runs its plain-Java kernels (a training step ~17x "
                    + "slower): start the JVM with --add-modules jdk.incubator.vector (or set JDK_JAVA_OPTIONS to it); "
                    + "-Dcnn.vector=false silences this";
            if (log4jHasProvider()) {
                LOG.warn(message);
            } else {
                // without a Log4j provider the API drops warnings: this one goes through the JDK's own logger
                // (java.util.logging, to standard error unless configured otherwise), so the user still sees it
                System.getLogger(Gemm.class.getName()).log(System.Logger.Level.WARNING, message);
            }
        }
        GemmBackend b = wanted && VECTOR != null ? VECTOR : new ScalarGemm();
        LOG.debug("matrix kernels: {}", b.name());
        return b;
    }

    /** Whether Log4j found a logging implementation; without one it falls back to its simple logger (errors only). */
    static boolean log4jHasProvider() {
        return !org.apache.logging.log4j.LogManager.getFactory().getClass().getName()
                .startsWith("org.apache.logging.log4j.simple.");
    }

    /** True when the Vector API backend can be used on this JVM. */
    public static boolean vectorAvailable() {
        return VECTOR != null;
    }

    /** The backend in use (for {@link Backend#current}). */
    static GemmBackend activeBackend() {
        return backend;
    }

    /** True when the Vector API backend is the one in use. */
    static boolean vectorActive() {
        return VECTOR != null && backend == VECTOR;
    }

    /** Chooses the Vector API backend ({@code true}, if available) or the plain-Java one. */
    public static void useVector(boolean vector) {
        if (vector && VECTOR == null) {
            throw new IllegalStateException("the Vector API is not available: run with --add-modules jdk.incubator.vector");
        }
        backend = vector ? VECTOR : new ScalarGemm();
    }

    /** The width the backend pads {@code n} columns of C to (a whole number of vectors). */
    public static int paddedWidth(int n) {
        int w = backend.panelWidth(n);
        return (n + w - 1) / w * w;
    }

    /** Name of the backend in use ({@code vector-512}, {@code scalar}, ...). */
    public static String backendName() {
        return backend.name();
    }

    /** {@code C (m×n) = A (m×k) · B (k×n)}, all row-major and dense. */
    public static void matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, null, false);
    }

    /**
     * The general form; see the class comment for the stride convention. With {@code accumulate} C is
     * added to, otherwise overwritten with {@code A·B + bias} ({@code bias}, length n, may be null).
     */
    public static void gemm(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff,
                            int brs, int bcs, float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        gemm(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, ldc, bias, accumulate, null, true);
    }

    /**
     * As {@link #gemm(int, int, int, float[], int, int, int, float[], int, int, int, float[], int, int, float[], boolean)},
     * with a caller-owned buffer {@code pack} for the packed B (grown if too small; the one used is
     * returned) and a choice to stay on the calling thread (for callers that are already parallel).
     */
    public static float[] gemm(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff,
                               int brs, int bcs, float[] c, int cOff, int ldc, float[] bias, boolean accumulate,
                               float[] pack, boolean parallel) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative matrix size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return pack;
        }
        if (bias != null && bias.length < n) {
            throw new IllegalArgumentException("bias has " + bias.length + " elements, expected " + n);
        }
        GemmBackend be = backend;
        int width = be.panelWidth(n);
        int panels = (n + width - 1) / width;
        int[] kOff = linear(k, acs);
        if (!parallel) {
            float[] bp = packB(b, bOff, brs, bcs, k, n, width, pack);
            be.rows(0, m, 0, panels, n, k, a, aOff, ars, null, kOff, acs, bp, width, c, cOff, ldc, bias, accumulate);
            return bp;
        }
        float[] bp = packBuffer(k, n, width, pack);
        long flops = 2L * m * n * Math.max(k, 1);
        int tr = be.tileRows();
        int threads = Parallel.threads();
        if (panels >= 4 * threads && m < 4 * tr * threads) {
            // few rows (a batch): each thread packs the panels of columns it multiplies, so they are still in its
            // cache, and runs every row over them, instead of reading panels another thread packed
            int grain = (int) Math.max(1, Math.min(panels, (2_000_000L * panels) / Math.max(flops, 1)));
            Parallel.forRange(panels, grain, 1, (chunk, lo, hi) -> {
                packPanels(b, bOff, brs, bcs, k, n, width, bp, lo, hi);
                be.rows(0, m, lo, hi, n, k, a, aOff, ars, null, kOff, acs, bp, width, c, cOff, ldc, bias, accumulate);
            });
            return bp;
        }
        // B is packed panel by panel in parallel (a transposed B is a gather: as slow as a small product)
        // (a thread takes at least ~400,000 floats of panels: smaller packs stay on the calling thread)
        int panelGrain = (int) Math.max(1, 400_000L / Math.max(1L * k * width, 1));
        Parallel.forRange(panels, panelGrain, 1, (chunk, lo, hi) -> packPanels(b, bOff, brs, bcs, k, n, width, bp, lo, hi));
        int grain = (int) Math.max(tr, Math.min(m, (2_000_000L * m) / Math.max(flops, 1)));
        Parallel.forRange(m, grain, tr, (chunk, lo, hi) ->
                be.rows(lo, hi, 0, panels, n, k, a, aOff, ars, null, kOff, acs, bp, width, c, cOff, ldc, bias, accumulate));
        return bp;
    }

    private static final ConcurrentHashMap<Long, int[]> LINEAR =
            new ConcurrentHashMap<>();

    /**
     * {@code 0, step, 2·step, ...} ({@code k} values): the column offsets of a matrix whose columns are
     * {@code step} apart. Shared and cached; callers must not modify it.
     */
    public static int[] linear(int k, int step) {
        long key = ((long) k << 32) | (step & 0xFFFFFFFFL);
        int[] o = LINEAR.get(key);
        if (o == null) {
            o = new int[k];
            for (int p = 0; p < k; p++) {
                o[p] = p * step;
            }
            if (LINEAR.size() > 256) {
                LINEAR.clear();
            }
            LINEAR.put(key, o);
        }
        return o;
    }

    /** B packed once for many products with the same right-hand side; see {@link #pack}. */
    public static final class PackedB {
        private final GemmBackend backend;
        private final float[] data;
        private final int width;
        private final int n;
        private final int k;

        private PackedB(GemmBackend backend, float[] data, int width, int n, int k) {
            this.backend = backend;
            this.data = data;
            this.width = width;
            this.n = n;
            this.k = k;
        }

        /** The packed values; pass back to {@link #pack} as its reuse buffer. */
        public float[] buffer() {
            return data;
        }

        /**
         * Rows {@code [i0, i1)} of {@code C = A·B (+ bias)} (or {@code C += A·B}) on the calling
         * thread, with A and C addressed as in {@link Gemm#gemm}.
         */
        public void multiplyRows(int i0, int i1, float[] a, int aOff, int ars, int acs, float[] c, int cOff, int ldc,
                                 float[] bias, boolean accumulate) {
            if (i1 > i0) {
                backend.rows(i0, i1, 0, (n + width - 1) / width, n, k, a, aOff, ars, null, linear(k, acs), acs, data, width,
                        c, cOff, ldc, bias, accumulate);
            }
        }

        /**
         * As {@link #multiplyRows}, with A addressed through offset tables: {@code A(i, p) =
         * a[aOff + (iOff == null ? i·ars : iOff[i]) + kOff[p]]} (an implicit, gather-free im2col).
         */
        public void multiplyRows(int i0, int i1, float[] a, int aOff, int ars, int[] iOff, int[] kOff, float[] c,
                                 int cOff, int ldc, float[] bias, boolean accumulate) {
            if (i1 > i0) {
                backend.rows(i0, i1, 0, (n + width - 1) / width, n, k, a, aOff, ars, iOff, kOff, 0, data, width, c, cOff,
                        ldc, bias, accumulate);
            }
        }
    }

    /**
     * Packs B (k×n, strides as in {@link #gemm}) for the current backend, reusing {@code reuse} when it
     * is large enough.
     */
    public static PackedB pack(int n, int k, float[] b, int bOff, int brs, int bcs, float[] reuse) {
        GemmBackend be = backend;
        int width = be.panelWidth(n);
        return new PackedB(be, packB(b, bOff, brs, bcs, k, n, width, reuse), width, n, k);
    }

    /** Packs B (k×n) into panels of {@code width} columns, each k×width row-major, zero-padded. */
    static float[] packB(float[] b, int bOff, int brs, int bcs, int k, int n, int width, float[] pack) {
        float[] bp = packBuffer(k, n, width, pack);
        packPanels(b, bOff, brs, bcs, k, n, width, bp, 0, (n + width - 1) / width);
        return bp;
    }

    /** {@code pack} when it holds the packed B of a k×n matrix in panels of {@code width}, else a new array. */
    private static float[] packBuffer(int k, int n, int width, float[] pack) {
        int size = (n + width - 1) / width * k * width;
        return pack != null && pack.length >= size ? pack : new float[size];
    }

    /** Packs panels {@code [panel0, panel1)} of B into {@code bp}. */
    private static void packPanels(float[] b, int bOff, int brs, int bcs, int k, int n, int width, float[] bp,
                                   int panel0, int panel1) {
        for (int panel = panel0; panel < panel1; panel++) {
            int j0 = panel * width;
            int cols = Math.min(width, n - j0);
            int base = panel * k * width;
            if (bcs != 1 && brs == 1) {
                // B transposed: read each column of the panel along k (contiguous), write it down the panel
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + j) * bcs;
                    for (int p = 0; p < k; p++) {
                        bp[base + p * width + j] = b[src + p];
                    }
                }
                for (int p = 0; p < k; p++) {
                    Arrays.fill(bp, base + p * width + cols, base + (p + 1) * width, 0f);
                }
                continue;
            }
            for (int p = 0; p < k; p++) {
                int dst = base + p * width;
                int src = bOff + p * brs + j0 * bcs;
                if (bcs == 1) {
                    System.arraycopy(b, src, bp, dst, cols);
                } else {
                    for (int j = 0; j < cols; j++) {
                        bp[dst + j] = b[src + j * bcs];
                    }
                }
                for (int j = cols; j < width; j++) {
                    bp[dst + j] = 0f;
                }
            }
        }
    }
}
