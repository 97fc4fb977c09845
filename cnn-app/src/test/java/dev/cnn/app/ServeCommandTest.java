package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cnn serve as a process: it listens, answers, and on SIGTERM drains and exits 0; a bad model is exit 1. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void serveAnswersAndStopsOnSigtermWithExitZero() throws Exception {
        Model m = Model.builder(3).add("fc", new FullyConnected(3, 2, Init.XAVIER, new NumpyRandom(1)))
                .add("softmax", Activation.softmax()).build();
        Path file = dir.resolve("tiny.cnn");
        m.save(file);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "dev.cnn.app.Main", "serve", "small=" + file, "--port", "0", "--threads", "1"));
        Path outLog = dir.resolve("out.log");
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("err.log").toFile())
                .redirectOutput(outLog.toFile()).start();
        try {
            String first = null;
            for (int i = 0; i < 600 && first == null && p.isAlive(); i++) {
                List<String> lines = Files.readAllLines(outLog);
                first = lines.isEmpty() ? null : lines.get(0);
                Thread.sleep(50);
            }
            assertTrue(first != null && first.startsWith("cnn serve: listening on http://127.0.0.1:"),
                    first + " / " + Files.readString(dir.resolve("err.log")));
            assertTrue(first.endsWith("models: small (batch, 3) -> (batch, 2)"), first);
            Matcher url = Pattern.compile("http://\\S+/").matcher(first);
            assertTrue(url.find());
            URI base = URI.create(url.group());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v2/models/small/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],"
                            + "\"datatype\":\"FP32\",\"data\":[0.5,-1,2]}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            float[] want = m.predict(Tensor.of(new float[] {0.5f, -1, 2}, 1, 3)).data();
            assertTrue(r.body().endsWith("\"data\":[" + want[0] + "," + want[1] + "]}]}"), r.body());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the server stops within the drain time");
            assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err.log")));
            assertEquals(List.of(first, "cnn serve: stopping: answering the requests in flight (at most 10 s)",
                    "cnn serve: stopped"), Files.readAllLines(outLog));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aModelThatDoesNotLoadIsOneLineNamingItAndExitOne() throws Exception {
        Path bad = dir.resolve("bad.cnn");
        Files.writeString(bad, "not a model");
        CliTest.Run r = CliTest.cnn("serve", bad.toString(), "--port", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("cnn: error: cannot serve " + bad + ": "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("", r.out());
        CliTest.Run usage = CliTest.cnn("serve", bad.toString(), "--max-batch", "0");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("max batch must be >= 1 row, got 0"), usage.err());
    }
}
