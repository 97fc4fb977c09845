package dev.cnn.serve;

import dev.cnn.core.Tensor;
import dev.cnn.core.Version;
import dev.cnn.nn.Model;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An HTTP server for cnn models speaking the Open Inference Protocol (KServe v2) over REST:
 * <ul>
 *   <li>{@code GET /v2/health/live}, {@code GET /v2/health/ready}, {@code GET /v2} (server metadata);</li>
 *   <li>{@code GET /v2/models/{name}} (the input {@code input} and output {@code output} with datatype and
 *       shape, {@code -1} for the batch), {@code GET /v2/models/{name}/ready};</li>
 *   <li>{@code POST /v2/models/{name}/infer} with one input tensor of shape {@code [n, sample...]} (the model's
 *       NHWC input shape), datatype {@code FP32} (the network's inputs, as {@link Model#predict} takes them) or,
 *       for models with an {@code inputScale} in their metadata, {@code UINT8} (pixel values, multiplied by it);
 *       the answer holds the request's {@code id} and the output tensor {@code [n, outputs...]};</li>
 *   <li>{@code POST /v2/models/{name}/predict} with an image file (PNG, JPEG) for image classifiers, or CSV
 *       rows with a header for table models: the class and probabilities, or each row's value, as
 *       {@code cnn predict} gives them;</li>
 *   <li>{@code GET /metrics}: Prometheus text; {@code GET /}: a page to try image models in a browser.</li>
 * </ul>
 * Concurrent requests for a model are run together ({@link ServeOptions#maxBatch()},
 * {@link ServeOptions#maxDelayMillis()}); each gets exactly the rows {@link Model#predict} gives for its
 * inputs alone. Refusals are 4xx answers {@code {"error": "..."}} naming the problem; an output that is not
 * finite is never sent (422). Thread-safe; {@link #close()} stops accepting, lets the requests in flight
 * finish (up to 10 s) and stops.
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.start(Map.of("digits", Model.load(path)), ServeOptions.defaults())) {
 *     System.out.println(server.uri());        // http://127.0.0.1:8080/
 *     server.join();
 * }
 * }</pre>
 */
public final class ModelServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ModelServer.class);
    /** The Open Inference Protocol names of cnn's one input and one output. */
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    /** How long {@link #close()} waits for requests in flight. */
    public static final long DRAIN_MILLIS = 10_000;

    private final Map<String, Served> models;
    private final ServeOptions options;
    private final Metrics metrics;
    private final Server server;
    private final ServerConnector connector;
    private volatile boolean stopping;
    /** The server's threads: where answers are written once their batch is done. */
    private final java.util.concurrent.Executor pool;

    /** A model being served. */
    private record Served(String name, Model model, Batcher batcher, double uint8Scale, ImagePredict images,
                          TablePredict table) {
    }

    private ModelServer(Map<String, Model> given, ServeOptions options) {
        if (given.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one model");
        }
        this.options = options;
        Map<String, Served> m = new LinkedHashMap<>();
        this.metrics = new Metrics(given, name -> m.get(name).batcher.depth());
        for (Map.Entry<String, Model> e : given.entrySet()) {
            String name = e.getKey();
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
                throw new IllegalArgumentException("model name '" + name + "' must be letters, digits, '_', '.' or '-' "
                        + "(at most 128, starting with a letter or digit)");
            }
            Object scale = e.getValue().metadata().get("inputScale");
            m.put(name, new Served(name, e.getValue(), new Batcher(name, e.getValue(), options, metrics),
                    scale instanceof Number n ? n.doubleValue() : Double.NaN, ImagePredict.of(e.getValue()),
                    TablePredict.of(e.getValue())));
        }
        this.models = Collections.unmodifiableMap(m);
        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        this.pool = threads;
        threads.setName("cnn-serve-http");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(options.idleTimeoutMillis());
        server.addConnector(connector);
        server.setHandler(new GracefulHandler(new Routes()));
        server.setStopTimeout(DRAIN_MILLIS);
        server.setStopAtShutdown(false);
    }

    /**
     * Serves {@code models} (by name: letters, digits, {@code _ . -}) as {@code options} say and returns once the
     * server listens. Fails, naming the address, when it cannot bind.
     */
    public static ModelServer start(Map<String, Model> models, ServeOptions options)
            throws IOException, InterruptedException {
        ModelServer s = new ModelServer(models, options);
        try {
            s.server.start();
        } catch (IOException e) {
            s.closeBatchers();
            throw new IOException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            s.closeBatchers();
            throw new IllegalStateException("the server did not start: " + e, e);
        }
        LOG.debug("serving {} on {}", s.models.keySet(), s.uri());
        return s;
    }

    /** Records how long loading a model took, for {@code cnn_model_load_seconds}. */
    public void recordLoadTime(String model, double seconds) {
        metrics.loaded(model, seconds);
    }

    /** The port listened on (the one chosen when the options said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port/}. */
    public URI uri() {
        String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + h + ":" + port() + "/");
    }

    /** The names of the models served, in the order given. */
    public List<String> modelNames() {
        return new ArrayList<>(models.keySet());
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * Stops: readiness turns 503, new connections are refused, requests in flight (and those queued) are
     * answered within {@link #DRAIN_MILLIS}, then the server and the batch threads stop.
     */
    @Override
    public void close() throws InterruptedException {
        if (stopping && !server.isRunning()) {
            return;
        }
        stopping = true;
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the server: {}", e.toString());
        }
        closeBatchers();
    }

    private void closeBatchers() throws InterruptedException {
        for (Served s : models.values()) {
            s.batcher.drain(DRAIN_MILLIS);
        }
    }

    /**
     * Every route. Inference requests are read on the connection's thread, then wait in the model's queue
     * without holding a thread: their answer is written when the batch they ran in completes.
     */
    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            long start = System.nanoTime();
            String path = Request.getPathInContext(request);
            String method = request.getMethod();
            String[] parts = path.split("/", -1); // "", "v2", ...
            String model = parts.length >= 4 && parts[1].equals("v2") && parts[2].equals("models")
                    && models.containsKey(parts[3]) ? parts[3] : "";
            CompletableFuture<Reply> reply;
            try {
                reply = route(path, parts, method, request);
            } catch (Throwable e) {
                reply = CompletableFuture.failedFuture(e);
            }
            if (reply.isDone()) {
                send(reply, response, callback, start, path, method, model);
            } else {
                CompletableFuture<Reply> r = reply;
                reply.whenCompleteAsync((a, e) -> send(r, response, callback, start, path, method, model), pool);
            }
            return true;
        }
    }

    /** A route's answer: status, body, content type, and the JSON's length for the binary extension (-1: none). */
    private record Reply(int status, byte[] body, String type, int headerLength) {
        static Reply json(int status, String json) {
            return new Reply(status, json.getBytes(StandardCharsets.UTF_8), "application/json", -1);
        }

        /** The binary tensor data extension's answer: the JSON, then {@code tail}. */
        static Reply binary(String json, byte[] tail) {
            byte[] head = json.getBytes(StandardCharsets.UTF_8);
            byte[] both = Arrays.copyOf(head, head.length + tail.length);
            System.arraycopy(tail, 0, both, head.length, tail.length);
            return new Reply(200, both, "application/octet-stream", head.length);
        }
    }

    private CompletableFuture<Reply> route(String path, String[] parts, String method, Request request)
            throws IOException {
        if (path.equals("/") && method.equals("GET")) {
            return CompletableFuture.completedFuture(new Reply(200, page(), "text/html; charset=utf-8", -1));
        }
        if (path.equals("/metrics") && method.equals("GET")) {
            return CompletableFuture.completedFuture(new Reply(200, metrics.scrape(), Metrics.CONTENT_TYPE, -1));
        }
        if (parts.length >= 2 && parts[1].equals("v2")) {
            return v2(Arrays.copyOfRange(parts, 2, parts.length), method, request);
        }
        throw new HttpError(404, "no route " + path + "; the routes are /v2/health/live, /v2/health/ready, /v2, "
                + "/v2/models/{name}, /v2/models/{name}/ready, /v2/models/{name}/infer, /v2/models/{name}/predict, "
                + "/metrics and the page at /");
    }

    /** Writes {@code reply}'s answer, or the error it failed with, and counts it. */
    private void send(CompletableFuture<Reply> reply, Response response, Callback callback, long start, String path,
                      String method, String model) {
        Reply r;
        try {
            r = reply.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof HttpError h) {
                r = Reply.json(h.status, errorJson(h.getMessage()));
                if (h.status == 503) {
                    response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                }
                if (h.status == 413) {
                    response.getHeaders().put(HttpHeader.CONNECTION, "close");
                }
            } else if (cause instanceof TimeoutException) {
                r = Reply.json(503, errorJson("model '" + model + "' did not answer within 60 s"));
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            } else {
                LOG.error("{} {}: {}", method, path, cause.toString());
                r = Reply.json(500, errorJson("the server failed on this request: " + cause));
            }
        }
        metrics.request(model, r.status);
        if (!model.isEmpty() && (path.endsWith("/infer") || path.endsWith("/predict"))) {
            metrics.latency(model, (System.nanoTime() - start) / 1e9);
        }
        response.setStatus(r.status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, r.type);
        if (r.headerLength >= 0) {
            response.getHeaders().put(HEADER_LENGTH, r.headerLength);
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, r.body.length);
        response.write(true, ByteBuffer.wrap(r.body), callback);
    }

    private CompletableFuture<Reply> v2(String[] rest, String method, Request request) throws IOException {
        if (rest.length == 0 || rest.length == 1 && rest[0].isEmpty()) {
            get(method, "/v2");
            return done(200, "{\"name\":\"cnn\",\"version\":" + InferenceJson.quote(Version.LIBRARY)
                    + ",\"extensions\":[\"binary_tensor_data\"]}");
        }
        if (rest.length == 2 && rest[0].equals("health")) {
            get(method, "/v2/health/" + rest[1]);
            if (rest[1].equals("live")) {
                return done(200, "{\"live\":true}");
            }
            if (rest[1].equals("ready")) {
                return done(stopping ? 503 : 200, "{\"ready\":" + !stopping + "}");
            }
        }
        if (rest.length >= 2 && rest[0].equals("models")) {
            Served s = models.get(rest[1]);
            if (s == null) {
                throw new HttpError(404, "no model '" + rest[1] + "'; the models are " + models.keySet());
            }
            if (rest.length == 2) {
                get(method, "/v2/models/" + s.name);
                return done(200, metadata(s));
            }
            if (rest.length == 3 && rest[2].equals("ready")) {
                get(method, "/v2/models/" + s.name + "/ready");
                return done(stopping ? 503 : 200, "{\"name\":" + InferenceJson.quote(s.name) + ",\"ready\":"
                        + !stopping + "}");
            }
            if (rest.length == 3 && rest[2].equals("predict")) {
                if (!method.equals("POST")) {
                    throw new HttpError(405, "/v2/models/" + s.name + "/predict takes POST, got " + method);
                }
                if (s.images == null && s.table == null) {
                    throw new HttpError(415, "model '" + s.name + "' is neither an image classifier nor a table "
                            + "model trained by cnn (their metadata say how to read images and CSV rows); send "
                            + "tensors to /v2/models/" + s.name + "/infer");
                }
                return predict(s, request);
            }
            if (rest.length == 3 && rest[2].equals("infer")) {
                if (!method.equals("POST")) {
                    throw new HttpError(405, "/v2/models/" + s.name + "/infer takes POST, got " + method);
                }
                return infer(s, request);
            }
        }
        throw new HttpError(404, "no route /v2/" + String.join("/", rest));
    }

    private static CompletableFuture<Reply> done(int status, String json) {
        return CompletableFuture.completedFuture(Reply.json(status, json));
    }

    private static void get(String method, String route) {
        if (!method.equals("GET")) {
            throw new HttpError(405, route + " takes GET, got " + method);
        }
    }

    private String metadata(Served s) {
        return "{\"name\":" + InferenceJson.quote(s.name) + ",\"versions\":[\"1\"],\"platform\":\"cnn\",\"inputs\":[{"
                + "\"name\":\"" + INPUT + "\",\"datatype\":\"FP32\",\"shape\":" + batchShape(s.model.inputShape())
                + "}],\"outputs\":[{\"name\":\"" + OUTPUT + "\",\"datatype\":\"FP32\",\"shape\":"
                + batchShape(s.model.outputShape()) + "}]}";
    }

    private static String batchShape(int[] sample) {
        return InferenceJson.batchShape(sample).replace("n", "-1").replace(" ", "");
    }

    /** The binary tensor data extension's header: the length of the JSON at the start of the body. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private CompletableFuture<Reply> infer(Served s, Request request) throws IOException {
        byte[] body = body(request);
        String h = request.getHeaders().get(HEADER_LENGTH);
        int jsonLength = body.length;
        java.nio.ByteBuffer binary = null;
        if (h != null) {
            long n;
            try {
                n = Long.parseLong(h.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > body.length) {
                throw new HttpError(400, HEADER_LENGTH + " must be the JSON's length, from 0 to the body's " + body.length
                        + " bytes; got '" + h + "'");
            }
            jsonLength = (int) n;
            binary = java.nio.ByteBuffer.wrap(body, jsonLength, body.length - jsonLength).slice();
        }
        InferenceJson.Request req = InferenceJson.read(new InputStreamReader(new java.io.ByteArrayInputStream(body, 0,
                jsonLength), StandardCharsets.UTF_8), binary, s.model.inputShape(), INPUT, OUTPUT, s.uint8Scale);
        return run(s, req.x()).thenApply(y -> req.binaryOutput()
                ? Reply.binary(InferenceJson.binaryResponse(s.name, req.id(), OUTPUT, y), InferenceJson.binary(y))
                : Reply.json(200, InferenceJson.response(s.name, req.id(), OUTPUT, y)));
    }

    /**
     * {@code /predict}: an image file in the body for an image classifier, CSV rows for a table model; the
     * class (or value) as {@code cnn predict} gives it.
     */
    private CompletableFuture<Reply> predict(Served s, Request request) throws IOException {
        byte[] body = body(request);
        if (s.images != null) {
            Tensor x = s.images.input(body);
            return run(s, x).thenApply(y -> Reply.json(200, s.images.answer(s.name, y)));
        }
        dev.cnn.data.CsvTable.Text rows = s.table.rows(body);
        return run(s, s.table.input(rows)).thenApply(y -> Reply.json(200, s.table.answer(s.name, rows, y)));
    }

    private byte[] body(Request request) throws IOException {
        long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared > options.maxBodyBytes()) {
            throw new HttpError(413, "the body is " + declared + " bytes; the limit is " + options.maxBodyBytes()
                    + " (--max-body)");
        }
        try (InputStream in = new Bounded(Content.Source.asInputStream(request), options.maxBodyBytes())) {
            return in.readAllBytes();
        }
    }

    /** The page at {@code /}: the models (name, input shape, classes) filled into the page's script. */
    private byte[] page() throws IOException {
        String html;
        try (InputStream in = ModelServer.class.getResourceAsStream("index.html")) {
            if (in == null) {
                throw new IOException("index.html is missing from the cnn-serve jar");
            }
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder list = new StringBuilder("[");
        for (Served s : models.values()) {
            if (list.length() > 1) {
                list.append(',');
            }
            list.append("{\"name\":").append(InferenceJson.quote(s.name)).append(",\"shape\":")
                    .append(Arrays.toString(s.model.inputShape())).append(",\"images\":").append(s.images != null)
                    .append('}');
        }
        return html.replace("/*MODELS*/[]", list.append(']').toString()).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code x} through the model's queue: its output rows, within 60 s. A non-finite output never comes back:
     * {@link Model#predict} refuses it, and the batcher answers that 422.
     */
    private static CompletableFuture<Tensor> run(Served s, Tensor x) {
        return s.batcher.submit(x).orTimeout(60, TimeUnit.SECONDS);
    }

    private static String errorJson(String message) {
        return "{\"error\":" + InferenceJson.quote(message) + "}";
    }

    /** A body stream that fails with 413 past {@code limit} bytes (for bodies sent without a length). */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private final long limit;
        private long read;

        Bounded(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > limit) {
                throw new HttpError(413, "the body is over the limit of " + limit + " bytes (--max-body)");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
