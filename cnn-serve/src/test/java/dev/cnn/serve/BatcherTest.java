package dev.cnn.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnn.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The queue's bound, batch sizes, each request's own rows, and draining on close. */
class BatcherTest {
    static final Metrics METRICS = new Metrics(Map.of(), m -> 0);

    static Tensor rows(float first, int n) {
        Tensor t = Tensor.zeros(n, 2);
        for (int i = 0; i < n; i++) {
            t.set(first + i, i, 0);
            t.set(-(first + i), i, 1);
        }
        return t;
    }

    /** {@code f} once {@code release} opens, recording each batch's rows in {@code batchRows}. */
    static UnaryOperator<Tensor> blocking(CountDownLatch release, List<Integer> batchRows, UnaryOperator<Tensor> f) {
        return x -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (batchRows) {
                batchRows.add(x.dim(0));
            }
            return f.apply(x);
        };
    }

    @Test
    void aFullQueueIsAnImmediate503AndWhatWasQueuedIsStillAnswered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> batchRows = new ArrayList<>();
        UnaryOperator<Tensor> slow = blocking(release, batchRows, x -> {
            Tensor y = Tensor.zeros(x.dim(0), 1);
            for (int i = 0; i < x.dim(0); i++) {
                y.set(x.get(i, 0) * 10, i, 0);
            }
            return y;
        });
        Batcher b = new Batcher("slow", slow, ServeOptions.defaults().withBatching(4, 0).withMaxQueue(3), METRICS);
        CompletableFuture<Tensor> first = b.submit(rows(1, 1));
        while (b.depth() > 0) {
            Thread.sleep(1); // the worker has taken the first request and waits in predict
        }
        List<CompletableFuture<Tensor>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(b.submit(rows(10 * (i + 1), 1 + i % 2)));
        }
        HttpError full = assertThrows(HttpError.class, () -> b.submit(rows(99, 1)));
        assertEquals(503, full.status);
        assertEquals("model 'slow' has 3 requests waiting, its limit; try again shortly", full.getMessage());
        release.countDown();
        assertArrayEquals(new float[] {10}, first.get(5, TimeUnit.SECONDS).data());
        // 1 + 2 + 1 rows queued: the first two fit a batch of 4 together (3 rows), the third (1 row) joins them
        assertArrayEquals(new float[] {100}, queued.get(0).get(5, TimeUnit.SECONDS).data());
        assertArrayEquals(new float[] {200, 210}, queued.get(1).get(5, TimeUnit.SECONDS).data());
        assertArrayEquals(new float[] {300}, queued.get(2).get(5, TimeUnit.SECONDS).data());
        assertEquals(List.of(1, 4), batchRows);
        b.close();
    }

    @Test
    void aRequestOverTheBatchLimitRunsAloneAndFailuresStayWithTheirRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> batchRows = new ArrayList<>();
        UnaryOperator<Tensor> model = blocking(release, batchRows, x -> {
            for (int i = 0; i < x.dim(0); i++) {
                if (x.get(i, 0) < 0) {
                    throw new IllegalStateException("the model's output for sample " + i + " is NaN");
                }
            }
            return x;
        });
        Batcher b = new Batcher("m", model, ServeOptions.defaults().withBatching(3, 0), METRICS);
        CompletableFuture<Tensor> blocker = b.submit(rows(0, 1));
        while (b.depth() > 0) {
            Thread.sleep(1);
        }
        CompletableFuture<Tensor> good = b.submit(rows(5, 1));
        CompletableFuture<Tensor> bad = b.submit(rows(-3, 1));
        CompletableFuture<Tensor> large = b.submit(rows(7, 5));
        release.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        assertArrayEquals(rows(5, 1).data(), good.get(5, TimeUnit.SECONDS).data());
        ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
        assertEquals(422, ((HttpError) e.getCause()).status);
        assertArrayEquals(rows(7, 5).data(), large.get(5, TimeUnit.SECONDS).data());
        // blocker; good+bad together (fails), then each alone; the 5 rows alone
        assertEquals(List.of(1, 2, 1, 1, 5), batchRows);
        b.close();
    }
}
