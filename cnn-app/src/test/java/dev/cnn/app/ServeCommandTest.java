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

    @Test
    void predictTakesCsvRowsForTableModelsAndAnswersAsCnnPredict() throws Exception {
        NumpyRandom rng = new NumpyRandom(6);
        StringBuilder csv = new StringBuilder("a,b,color,size\n");
        String[] colors = {"red", "green", "blue"};
        for (int i = 0; i < 120; i++) {
            double a = rng.nextDouble() * 3;
            double b = rng.nextDouble();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%s,%.4f%n", a, b, colors[i % 3], 10 * a - 4 * b));
        }
        Path file = Files.writeString(dir.resolve("t.csv"), csv);
        Path reg = dir.resolve("reg/model.cnn");
        Path cls = dir.resolve("cls/model.cnn");
        assertEquals(0, CliTest.cnn("train", "table", file.toString(), "--target", "size", "--epochs", "5", "--out",
                reg.toString(), "--quiet", "--threads", "1").code());
        assertEquals(0, CliTest.cnn("train", "table", file.toString(), "--target", "color", "--classes", "--epochs",
                "5", "--out", cls.toString(), "--quiet", "--threads", "1").code());
        String rows = "b,color,a,size\n0.5,red,2.9,1\n0.25,blue,0.1,7\n0.75,green,1.5,3\n";
        Path rowsFile = Files.writeString(dir.resolve("rows.csv"), rows);
        Model regModel = Model.load(reg);
        Model clsModel = Model.load(cls);
        try (dev.cnn.serve.ModelServer server = dev.cnn.serve.ModelServer.start(java.util.Map.of("reg", regModel,
                "cls", clsModel), dev.cnn.serve.ServeOptions.defaults().withPort(0))) {
            HttpClient http = HttpClient.newHttpClient();
            for (String[] m : new String[][] {{"reg", reg.toString()}, {"cls", cls.toString()}}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri().resolve("/v2/models/" + m[0]
                        + "/predict")).header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString(rows))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                CliTest.Run p = CliTest.cnn("predict", m[1], rowsFile.toString(), "--json");
                assertEquals(0, p.code(), p.err());
                // the same lines, and the same values or classes and probabilities, as cnn predict --json
                com.google.gson.JsonArray served = com.google.gson.JsonParser.parseString(r.body()).getAsJsonObject()
                        .getAsJsonArray("rows");
                com.google.gson.JsonArray cli = new com.google.gson.JsonArray(); // --json: one object a line
                p.out().lines().forEach(l -> cli.add(com.google.gson.JsonParser.parseString(l)));
                assertEquals(3, served.size(), r.body());
                assertEquals(3, cli.size(), p.out());
                for (int i = 0; i < 3; i++) {
                    com.google.gson.JsonObject a = served.get(i).getAsJsonObject();
                    com.google.gson.JsonObject b = cli.get(i).getAsJsonObject();
                    assertEquals(b.get("line").getAsLong(), a.get("line").getAsLong());
                    for (String key : new String[] {"value", "class", "probability"}) {
                        assertEquals(b.has(key), a.has(key), key + ": " + a + " / " + b);
                        if (b.has(key)) {
                            assertEquals(b.get(key).getAsString(), a.get(key).getAsString(), key);
                        }
                    }
                }
            }
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(server.uri().resolve("/v2/models/reg/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString("a,b\n1,2\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, missing.statusCode());
            assertTrue(missing.body().contains("color"), missing.body());
        }
    }
}
