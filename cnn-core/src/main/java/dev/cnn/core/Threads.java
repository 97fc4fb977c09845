package dev.cnn.core;

import dev.cnn.core.internal.Parallel;

/**
 * How many threads cnn's kernels use: one process-wide pool of daemon threads named
 * {@code cnn-kernel-N}. The count defaults to the system property {@code cnn.threads} when it is set
 * (e.g. {@code -Dcnn.threads=2}, the way to fix it on Spark executors), else to the number of available
 * processors. Results are bit-identical for a given count, whatever else runs.
 */
public final class Threads {
    private Threads() {
    }

    /** The number of threads the kernels split work over. */
    public static int count() {
        return Parallel.threads();
    }

    /**
     * Sets the number of threads (>= 1). Call it once, before any model runs: changing the count shuts
     * the pool down, so a kernel running in another thread at that moment fails.
     */
    public static void setCount(int threads) {
        Parallel.setThreads(threads);
    }
}
