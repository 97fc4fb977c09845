package dev.cnn.app;

import dev.cnn.nn.Model;
import dev.cnn.serve.ModelServer;
import dev.cnn.serve.ServeOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnn serve MODEL.cnn...}: the models behind the Open Inference Protocol's REST routes. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve models over HTTP with the Open Inference Protocol (KServe v2): POST "
                + "/v2/models/NAME/infer, GET /v2/models/NAME, /v2/health/live, /v2/health/ready, /metrics.",
            "Concurrent requests are run in batches. SIGTERM or Ctrl-C stops accepting, answers what is in flight "
                    + "(at most 10 s) and exits 0."})
final class ServeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "A model file (served as its name without .cnn) "
            + "or NAME=FILE.")
    List<String> modelArgs;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "The address to listen on (default "
            + "127.0.0.1: this machine only; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "The TCP port (default 8080; 0 picks a free one).")
    int port;

    @Option(names = "--max-batch", defaultValue = "32", description = "Most rows run together (default 32).")
    int maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "2", description = "How long a batch waits for more requests "
            + "after its first, in ms (default 2).")
    int maxDelay;

    @Option(names = "--max-queue", defaultValue = "1024", description = "Most requests waiting per model; beyond "
            + "it the answer is 503 with Retry-After (default 1024).")
    int maxQueue;

    @Option(names = "--max-body", defaultValue = "16777216", paramLabel = "BYTES", description = "Largest request "
            + "body; larger is 413, refused from its Content-Length before it is read (default 16 MiB).")
    long maxBody;

    @Option(names = "--idle-timeout-ms", defaultValue = "30000", description = "Close a connection silent this long, "
            + "a slow client's unfinished request included (default 30000).")
    int idleTimeout;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServeOptions options;
        try {
            options = new ServeOptions(host, port, maxBatch, maxDelay, maxQueue, maxBody, idleTimeout);
        } catch (IllegalArgumentException e) {
            throw CommonOptions.usage(spec, e.getMessage());
        }
        common.applyThreads();
        Map<String, Model> models = new LinkedHashMap<>();
        Map<String, Double> loadSeconds = new LinkedHashMap<>();
        for (String a : modelArgs) {
            int eq = a.indexOf('=');
            Path file = Path.of(eq > 0 ? a.substring(eq + 1) : a);
            String name = eq > 0 ? a.substring(0, eq) : file.getFileName().toString().replaceFirst("\\.cnn$", "");
            if (models.containsKey(name)) {
                throw CommonOptions.usage(spec, "two models are named '" + name + "'; name one with NAME=FILE");
            }
            long t = System.nanoTime();
            Model m;
            try {
                m = Model.load(file);
            } catch (java.io.IOException | RuntimeException e) {
                throw new IllegalArgumentException("cannot serve " + file + ": " + Main.oneLine(e), e);
            }
            models.put(name, m);
            loadSeconds.put(name, (System.nanoTime() - t) / 1e9);
        }
        CountDownLatch stop = new CountDownLatch(1);
        // SIGTERM (and Ctrl-C) end the wait below, so the drain runs on this thread and the exit code stays 0
        for (String signal : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stop.countDown());
        }
        try (ModelServer server = ModelServer.start(models, options)) {
            loadSeconds.forEach(server::recordLoadTime);
            StringBuilder list = new StringBuilder();
            for (Map.Entry<String, Model> e : models.entrySet()) {
                list.append(list.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(ExportCommand.batchOf(e.getValue().inputShape())).append(" -> ")
                        .append(ExportCommand.batchOf(e.getValue().outputShape()));
            }
            System.out.println("cnn serve: listening on " + server.uri() + " (batches of up to " + maxBatch + " rows "
                    + "within " + maxDelay + " ms); models: " + list);
            System.out.flush();
            stop.await();
            System.out.println("cnn serve: stopping: answering the requests in flight (at most "
                    + ModelServer.DRAIN_MILLIS / 1000 + " s)");
            System.out.flush();
        }
        System.out.println("cnn serve: stopped");
        return 0;
    }
}
