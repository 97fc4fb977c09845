package dev.cnn.serve;

import com.sun.net.httpserver.HttpServer;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The same request decoding, batcher and response on the JDK's {@code com.sun.net.httpserver} instead of Jetty, for
 * the side-by-side wrk run docs/serve.md reports (no metrics, limits or refusals: the least the JDK server would
 * have to do). Run from the test classes with cnn-app's lib/ on the class path:
 * {@code java -Dsun.net.httpserver.nodelay=true -cp ... dev.cnn.serve.JdkHttpServerBench MODEL.cnn PORT}, then
 * {@code BODY=body.json wrk -t2 -c64 -d8s -s bench/serve_post.lua http://127.0.0.1:PORT/v2/models/digits/infer}.
 */
public final class JdkHttpServerBench {
    private JdkHttpServerBench() {
    }

    public static void main(String[] a) throws Exception {
        Model m = Model.load(Path.of(a[0]));
        Metrics metrics = new Metrics(Map.of("digits", m), n -> 0);
        Batcher b = new Batcher("digits", m, ServeOptions.defaults(), metrics);
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[1])), 1024);
        s.setExecutor(Executors.newFixedThreadPool(256));
        s.createContext("/v2/health/live", ex -> {
            byte[] r = "{\"live\":true}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, r.length);
            ex.getResponseBody().write(r);
            ex.close();
        });
        s.createContext("/v2/models/digits/infer", ex -> {
            try {
                byte[] body = ex.getRequestBody().readAllBytes();
                InferenceJson.Request req = InferenceJson.read(new InputStreamReader(new java.io.ByteArrayInputStream(body),
                        StandardCharsets.UTF_8), m.inputShape(), "input", "output", 1 / 255.0);
                Tensor y = b.submit(req.x()).get();
                byte[] r = InferenceJson.response("digits", req.id(), "output", y).getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, r.length);
                ex.getResponseBody().write(r);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            }
            ex.close();
        });
        s.start();
        System.out.println("listening");
    }
}
