package dev.cnn.serve;

import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One model's queue of requests and the thread that runs them in batches: it takes the first request waiting,
 * then the ones that follow until the batch holds {@code maxBatch} rows or {@code maxDelay} has passed, runs
 * {@link Model#predict} once on all their rows, and hands each request its own rows of the output. A request
 * of more than {@code maxBatch} rows runs alone. The queue holds at most {@code maxQueue} requests.
 */
final class Batcher implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Batcher.class);

    /** A request's rows, {@code (n, sample...)}, and where its output goes. */
    private record Pending(Tensor x, CompletableFuture<Tensor> result) {
    }

    private static final Pending STOP = new Pending(null, null);

    private final String name;
    private final UnaryOperator<Tensor> predict;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final BlockingQueue<Pending> queue;
    private final Metrics metrics;
    private final Thread worker;
    private Pending carried;

    Batcher(String name, Model model, ServeOptions options, Metrics metrics) {
        this(name, model::predict, options, metrics);
    }

    /** A batcher running {@code predict} (a model's, or a test's) on each batch. */
    Batcher(String name, UnaryOperator<Tensor> predict, ServeOptions options, Metrics metrics) {
        this.name = name;
        this.predict = predict;
        this.maxBatch = options.maxBatch();
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(options.maxDelayMillis());
        this.queue = new ArrayBlockingQueue<>(options.maxQueue() + 1); // + 1: room for STOP
        this.metrics = metrics;
        this.worker = new Thread(this::run, "cnn-serve-batcher-" + name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Requests waiting. */
    int depth() {
        return queue.size();
    }

    /**
     * Queues {@code x} (rows of the model's input shape); the future completes with its rows of the output
     * or fails with an {@link HttpError}. A full queue is an {@link HttpError} 503 at once.
     */
    CompletableFuture<Tensor> submit(Tensor x) {
        CompletableFuture<Tensor> f = new CompletableFuture<>();
        if (queue.remainingCapacity() <= 1 || !queue.offer(new Pending(x, f))) {
            throw new HttpError(503, "model '" + name + "' has " + queue.size() + " requests waiting, its limit; "
                    + "try again shortly");
        }
        return f;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (true) {
                Pending first = carried != null ? carried : queue.take();
                carried = null;
                if (first == STOP) {
                    return;
                }
                batch.clear();
                batch.add(first);
                int rows = first.x.dim(0);
                long deadline = System.nanoTime() + maxDelayNanos;
                while (rows < maxBatch) {
                    long wait = deadline - System.nanoTime();
                    Pending p = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                    if (p == null) {
                        break;
                    }
                    if (p == STOP || rows + p.x.dim(0) > maxBatch) {
                        carried = p; // the next batch's first
                        break;
                    }
                    batch.add(p);
                    rows += p.x.dim(0);
                }
                runBatch(batch, rows);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fail(batch);
            Pending p;
            while ((p = queue.poll()) != null) {
                if (p != STOP) {
                    p.result.completeExceptionally(new HttpError(503, "the server is stopping"));
                }
            }
        }
    }

    private void runBatch(List<Pending> batch, int rows) {
        metrics.batch(name, rows);
        if (batch.size() == 1) {
            Pending p = batch.get(0);
            try {
                p.result.complete(predict.apply(p.x));
            } catch (RuntimeException | OutOfMemoryError e) {
                p.result.completeExceptionally(refusal(e, rows));
            }
            batch.clear();
            return;
        }
        int[] shape = batch.get(0).x.shape();
        shape[0] = rows;
        Tensor x = Tensor.zeros(shape);
        int at = 0;
        for (Pending p : batch) {
            System.arraycopy(p.x.data(), 0, x.data(), at, p.x.size());
            at += p.x.size();
        }
        Tensor y;
        try {
            y = predict.apply(x);
        } catch (RuntimeException | OutOfMemoryError e) {
            // one request's rows may be what failed (an output overflowing): each runs alone, so only it fails
            LOG.debug("model '{}': a batch of {} rows failed ({}); running its {} requests one by one", name, rows,
                    e.toString(), batch.size());
            for (Pending p : batch) {
                try {
                    p.result.complete(predict.apply(p.x));
                } catch (RuntimeException | OutOfMemoryError e2) {
                    p.result.completeExceptionally(refusal(e2, p.x.dim(0)));
                }
            }
            batch.clear();
            return;
        }
        int per = y.size() / rows;
        at = 0;
        for (Pending p : batch) {
            int n = p.x.dim(0);
            int[] s = y.shape();
            s[0] = n;
            Tensor mine = Tensor.zeros(s);
            System.arraycopy(y.data(), at * per, mine.data(), 0, n * per);
            at += n;
            p.result.complete(mine);
        }
        batch.clear();
    }

    /**
     * What a request is answered when predict fails on it: 422 for an output that is not finite (Model's
     * {@link IllegalStateException}), 400 for an input it refuses, else 500.
     */
    private HttpError refusal(Throwable e, int rows) {
        if (e instanceof IllegalStateException) {
            return new HttpError(422, e.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return new HttpError(400, e.getMessage());
        }
        LOG.error("model '{}': {} rows failed: {}", name, rows, e.toString());
        return new HttpError(500, "model '" + name + "' failed on " + rows + " rows: " + e);
    }

    private static void fail(List<Pending> batch) {
        for (Pending p : batch) {
            p.result.completeExceptionally(new HttpError(503, "the server is stopping"));
        }
    }

    /** Runs what is queued, then stops the thread (waits for it up to {@code millis}). */
    void drain(long millis) throws InterruptedException {
        queue.put(STOP);
        worker.join(Math.max(1, millis));
        worker.interrupt();
    }

    @Override
    public void close() throws InterruptedException {
        drain(10_000);
    }
}
