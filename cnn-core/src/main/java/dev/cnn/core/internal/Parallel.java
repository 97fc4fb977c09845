package dev.cnn.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread pool the kernels run on. Work is split into contiguous chunks whose boundaries depend
 * only on the problem size and the thread count, and every chunk writes its own part of the output,
 * so results are bit-identical from run to run for the same thread count.
 *
 * <p>The thread count defaults to the number of available processors, or to the system property
 * {@code cnn.threads} when it is set.
 */
public final class Parallel {
    private static volatile int threads = defaultThreads();
    private static ExecutorService pool;

    private Parallel() {
    }

    /** Body of a parallel loop: processes indices {@code [lo, hi)} as chunk number {@code chunk}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int chunk, int lo, int hi);
    }

    private static int defaultThreads() {
        String p = System.getProperty("cnn.threads");
        if (p != null && !p.isBlank()) {
            try {
                int t = Integer.parseInt(p.trim());
                if (t >= 1) {
                    return t;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the processor count
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** The number of threads kernels use. */
    public static int threads() {
        return threads;
    }

    /** Sets the number of threads kernels use (≥ 1). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        }
        if (n != threads && pool != null) {
            pool.shutdown();
            pool = null;
        }
        threads = n;
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            AtomicInteger id = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "cnn-kernel-" + id.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            pool = Executors.newFixedThreadPool(threads, tf);
        }
        return pool;
    }

    /** How many chunks {@link #forRange} will use for {@code n} items with at least {@code grain} each. */
    public static int chunks(int n, int grain) {
        if (n <= 0) {
            return 0;
        }
        long byGrain = (n + (long) Math.max(1, grain) - 1) / Math.max(1, grain);
        return (int) Math.max(1, Math.min(threads, byGrain));
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into {@link #chunks(int, int)} contiguous chunks, the
     * boundaries aligned to multiples of {@code align}. Returns when every chunk is done; rethrows the
     * first failure.
     */
    public static void forRange(int n, int grain, int align, RangeBody body) {
        int chunks = chunks(n, grain);
        if (chunks == 0) {
            return;
        }
        int units = (n + align - 1) / align;
        if (chunks == 1) {
            body.run(0, 0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks - 1);
        ExecutorService ex = pool();
        for (int c = 1; c < chunks; c++) {
            int lo = Math.min(n, (int) ((long) units * c / chunks) * align);
            int hi = Math.min(n, (int) ((long) units * (c + 1) / chunks) * align);
            int chunk = c;
            futures.add(ex.submit(() -> body.run(chunk, lo, hi)));
        }
        body.run(0, 0, Math.min(n, (int) ((long) units / chunks) * align));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for kernel threads", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
        }
    }
}
