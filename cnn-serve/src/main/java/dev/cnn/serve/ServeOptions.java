package dev.cnn.serve;

/**
 * How a {@link ModelServer} listens and batches.
 *
 * @param host the address to bind ({@code 127.0.0.1} by default: only this machine)
 * @param port the TCP port; 0 picks a free one ({@link ModelServer#port()} says which)
 * @param maxBatch the most rows run in one batch: a batch starts at the first queued request and takes the
 *     requests that follow until it holds this many rows or {@code maxDelayMillis} have passed
 * @param maxDelayMillis how long a batch waits for more requests after its first, in milliseconds (0: none)
 * @param maxQueue the most requests waiting per model; a request beyond it is answered 503 with {@code Retry-After}
 * @param maxBodyBytes the largest request body; larger ones are answered 413, from the {@code Content-Length}
 *     header before the body is read
 * @param idleTimeoutMillis how long a connection may stay silent (a slow client's request included) before it is
 *     closed
 */
public record ServeOptions(String host, int port, int maxBatch, int maxDelayMillis, int maxQueue, long maxBodyBytes,
                           int idleTimeoutMillis) {
    /** 127.0.0.1:8080, batches of up to 32 rows within 2 ms, 1,024 queued requests, 16 MiB bodies, 30 s idle. */
    public static ServeOptions defaults() {
        return new ServeOptions("127.0.0.1", 8080, 32, 2, 1024, 16L << 20, 30_000);
    }

    /** Checks every value, naming the one out of range. */
    public ServeOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be an address or name, got '" + host + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be >= 1 row, got " + maxBatch);
        }
        if (maxDelayMillis < 0 || maxDelayMillis > 10_000) {
            throw new IllegalArgumentException("max delay must be from 0 to 10000 ms, got " + maxDelayMillis);
        }
        if (maxQueue < 1) {
            throw new IllegalArgumentException("max queue must be >= 1 request, got " + maxQueue);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("max body must be >= 1 byte, got " + maxBodyBytes);
        }
        if (idleTimeoutMillis < 1) {
            throw new IllegalArgumentException("idle timeout must be >= 1 ms, got " + idleTimeoutMillis);
        }
    }

    /** These options on {@code port}. */
    public ServeOptions withPort(int p) {
        return new ServeOptions(host, p, maxBatch, maxDelayMillis, maxQueue, maxBodyBytes, idleTimeoutMillis);
    }

    /** These options with batches of up to {@code rows} rows collected for up to {@code millis} ms. */
    public ServeOptions withBatching(int rows, int millis) {
        return new ServeOptions(host, port, rows, millis, maxQueue, maxBodyBytes, idleTimeoutMillis);
    }

    /** These options with at most {@code requests} waiting per model. */
    public ServeOptions withMaxQueue(int requests) {
        return new ServeOptions(host, port, maxBatch, maxDelayMillis, requests, maxBodyBytes, idleTimeoutMillis);
    }

    /** These options with bodies of at most {@code bytes}. */
    public ServeOptions withMaxBody(long bytes) {
        return new ServeOptions(host, port, maxBatch, maxDelayMillis, maxQueue, bytes, idleTimeoutMillis);
    }

    /** These options with connections closed after {@code millis} ms of silence. */
    public ServeOptions withIdleTimeout(int millis) {
        return new ServeOptions(host, port, maxBatch, maxDelayMillis, maxQueue, maxBodyBytes, millis);
    }
}
