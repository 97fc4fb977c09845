package dev.cnn.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Pool2D;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The protocol's routes, batching that answers bit for bit as Model.predict, and every refusal, over real HTTP. */
class ModelServerTest {
    static Model images;
    static Model table;
    static ModelServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        NumpyRandom rng = new NumpyRandom(1);
        images = Model.builder(6, 6, 1)
                .add("conv", new Conv2D(1, 4, 3, 1, Padding.SAME, Init.HE, rng)).add("relu", Activation.relu())
                .add("pool", new Pool2D(2, 2, PoolMode.MAX)).add("fc", new FullyConnected(36, 3, Init.XAVIER, rng))
                .add("softmax", Activation.softmax()).build();
        images.metadata().put("inputScale", 1 / 255.0);
        images.metadata().put("classNames", List.of("round", "square", "cross"));
        table = Model.builder(2).add("fc", new FullyConnected(2, 1, Init.XAVIER, rng)).add("linear", Activation.linear())
                .build();
        Arrays.fill(table.parameters().get("fc.W").value().data(), 1e38f); // large inputs overflow to infinity
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("shapes", images);
        models.put("table", table);
        server = ModelServer.start(models, ServeOptions.defaults().withPort(0).withBatching(16, 5).withMaxBody(4096));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    record Answer(int status, String body, HttpResponse<String> raw) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }
    }

    static Answer get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.uri().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    static Answer post(String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.uri().resolve(path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    static String request(String id, Tensor x, String datatype) {
        StringBuilder data = new StringBuilder();
        for (float v : x.data()) {
            data.append(data.length() == 0 ? "" : ",").append(datatype.equals("UINT8") ? Integer.toString((int) v) : Float.toString(v));
        }
        return "{\"id\":\"" + id + "\",\"inputs\":[{\"name\":\"input\",\"shape\":" + Arrays.toString(x.shape())
                + ",\"datatype\":\"" + datatype + "\",\"data\":[" + data + "]}]}";
    }

    static float[] outputOf(Answer a) {
        JsonArray d = a.json().getAsJsonArray("outputs").get(0).getAsJsonObject().getAsJsonArray("data");
        float[] f = new float[d.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = Float.parseFloat(d.get(i).getAsString());
        }
        return f;
    }

    @Test
    void healthMetadataAndModelRoutesAnswerAsTheProtocolSays() throws Exception {
        assertEquals("{\"live\":true}", get("/v2/health/live").body());
        assertEquals("{\"ready\":true}", get("/v2/health/ready").body());
        JsonObject meta = get("/v2").json();
        assertEquals("cnn", meta.get("name").getAsString());
        assertTrue(meta.has("version"));
        assertEquals("[\"binary_tensor_data\"]", meta.getAsJsonArray("extensions").toString());
        assertEquals("{\"name\":\"shapes\",\"versions\":[\"1\"],\"platform\":\"cnn\",\"inputs\":[{\"name\":\"input\","
                + "\"datatype\":\"FP32\",\"shape\":[-1,6,6,1]}],\"outputs\":[{\"name\":\"output\",\"datatype\":\"FP32\","
                + "\"shape\":[-1,3]}]}", get("/v2/models/shapes").body());
        assertEquals("{\"name\":\"table\",\"ready\":true}", get("/v2/models/table/ready").body());
        Answer unknown = get("/v2/models/nosuch");
        assertEquals(404, unknown.status());
        assertEquals("no model 'nosuch'; the models are [shapes, table]", unknown.json().get("error").getAsString());
        assertEquals(404, get("/nowhere").status());
        assertEquals(405, get("/v2/models/shapes/infer").status());
    }

    @Test
    void anInferenceAnswersWithTheRequestsIdAndExactlyWhatPredictGives() throws Exception {
        Tensor x = new NumpyRandom(2).rand(2, 6, 6, 1);
        Answer a = post("/v2/models/shapes/infer", request("req-1", x, "FP32"));
        assertEquals(200, a.status(), a.body());
        JsonObject out = a.json().getAsJsonArray("outputs").get(0).getAsJsonObject();
        assertEquals("req-1", a.json().get("id").getAsString());
        assertEquals("shapes", a.json().get("model_name").getAsString());
        assertEquals("output", out.get("name").getAsString());
        assertEquals("FP32", out.get("datatype").getAsString());
        assertEquals("[2,3]", out.get("shape").toString());
        assertArrayEquals(images.predict(x).data(), outputOf(a));
        // UINT8 pixel values are scaled by the model's inputScale, as cnn predict scales image bytes
        Tensor pixels = Tensor.zeros(1, 6, 6, 1);
        for (int i = 0; i < 36; i++) {
            pixels.data()[i] = (i * 37) % 256;
        }
        Tensor scaled = Tensor.zeros(1, 6, 6, 1);
        for (int i = 0; i < 36; i++) {
            scaled.data()[i] = (float) (pixels.data()[i] * (1 / 255.0));
        }
        assertArrayEquals(images.predict(scaled).data(), outputOf(post("/v2/models/shapes/infer",
                request("u", pixels, "UINT8"))));
        // nested data (one array per row) is read in row-major order too
        String nested = "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[[0.1,0.2],[0.3,0.4]]}]}";
        Answer t = post("/v2/models/table/infer", nested);
        assertEquals(200, t.status(), t.body());
        assertTrue(!t.json().has("id"));
    }

    @Test
    void concurrentClientsAreBatchedAndEachGetsItsOwnRowsBitForBit() throws Exception {
        String before = get("/metrics").body();
        int clients = 12;
        int each = 15;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Integer>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int seed = 100 + c;
            done.add(pool.submit(() -> {
                NumpyRandom rng = new NumpyRandom(seed);
                int rows = 0;
                for (int i = 0; i < each; i++) {
                    int n = 1 + i % 3;
                    Tensor x = rng.randn(n, 6, 6, 1);
                    Answer a = post("/v2/models/shapes/infer", request("c" + seed + "-" + i, x, "FP32"));
                    assertEquals(200, a.status(), a.body());
                    assertEquals("c" + seed + "-" + i, a.json().get("id").getAsString());
                    assertArrayEquals(images.predict(x).data(), outputOf(a), "client " + seed + " request " + i);
                    rows += n;
                }
                return rows;
            }));
        }
        int rows = 0;
        for (Future<Integer> f : done) {
            rows += f.get();
        }
        pool.shutdown();
        String after = get("/metrics").body();
        double batches = value(after, "cnn_batch_size_count{model=\"shapes\"}") - value(before, "cnn_batch_size_count{model=\"shapes\"}");
        double batchedRows = value(after, "cnn_batch_size_sum{model=\"shapes\"}") - value(before, "cnn_batch_size_sum{model=\"shapes\"}");
        assertEquals(rows, batchedRows, 0, "every row ran in exactly one batch");
        assertTrue(batches < clients * each, "requests were run together: " + batches + " batches for "
                + clients * each + " requests");
        assertTrue(after.contains("cnn_requests_total{model=\"shapes\",status=\"200\"}"), after);
        assertTrue(after.contains("cnn_request_duration_seconds_bucket{model=\"shapes\",le=\"0.001\"}"), after);
        assertTrue(after.contains("cnn_queue_depth{model=\"shapes\"} 0.0"), after);
    }

    static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void badRequestsAreFourHundredsThatNameTheProblem() throws Exception {
        String ok = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]}]}";
        assertEquals(200, post("/v2/models/table/infer", ok).status());
        String[][] cases = {
            {"{\"inputs\":[", "malformed JSON"},
            {"[]", "the request must be an object, got an array"},
            {"{}", "the request has no 'inputs' tensor; expected {\"inputs\": [{\"name\": \"input\", \"shape\": [n, 2]"},
            {ok.replace("[1,2],\"datatype", "[1,3],\"datatype"), "input shape [1, 3] does not fit the model: expected [n, 2]"},
            {ok.replace("[1,2],\"datatype", "[2,2],\"datatype"), "input shape [2, 2] holds 4 values but 'data' has 2"},
            {ok.replace("FP32", "INT64"), "datatype INT64 is not taken; the input is FP32"},
            {ok.replace("FP32", "UINT8"), "datatype UINT8 is for image models; this model takes FP32 inputs"},
            {ok.replace("\"input\"", "\"x\""), "no input 'x'; the model's input is 'input'"},
            {ok.replace("[1,2]}", "[1,NaN]}"), "malformed JSON"},
            {ok.replace("[1,2]}", "[1,1e39]}"), "input value at index 1 is not a finite float32"},
            {ok.replace("[1,2]}", "[1,\"2\"]}"), "'data' must hold numbers, got a string at $.inputs[0].data[1]"},
            {ok.replace("[1,2],\"datatype", "[1,-2],\"datatype"), "'shape' must hold sizes >= 0, got -2"},
            {ok + "x", "malformed JSON"},
            {ok.replace("]}", "]}],\"outputs\":[{\"name\":\"probabilities\"}]}").replace("]}]}],", "]}],"),
                "no output 'probabilities'; the model's output is 'output'"},
        };
        for (String[] c : cases) {
            Answer a = post("/v2/models/table/infer", c[0]);
            assertEquals(400, a.status(), c[0] + " -> " + a.body());
            String error = a.json().get("error").getAsString();
            assertTrue(error.startsWith(c[1]), c[0] + " -> " + error);
        }
        Answer big = post("/v2/models/table/infer", ok.replace("[1,2]}", "[1,2" + ",0".repeat(3000) + "]}"));
        assertEquals(413, big.status(), big.body());
        assertTrue(big.json().get("error").getAsString().startsWith("the body is 6"), big.body());
        // a large input overflows this model's output: the server answers 422, never a non-finite number
        Answer inf = post("/v2/models/table/infer", ok.replace("[1,2]}", "[10,10]}"));
        assertEquals(422, inf.status(), inf.body());
        assertTrue(inf.json().get("error").getAsString().startsWith("the model's output for sample 0 is Infinity"), inf.body());
        assertEquals(200, post("/v2/models/table/infer", ok).status(), "and the server is unharmed");
    }

    static byte[] png(int w, int h, int seed) throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x * 40 + y * 13 + seed * 71) % 256);
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static Answer postBytes(String path, byte[] body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.uri().resolve(path))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    @Test
    void predictTakesAnImageFileAndThePageListsTheModels() throws Exception {
        for (int seed = 0; seed < 5; seed++) {
            byte[] png = png(6, 6, seed);
            Tensor x = Tensor.zeros(1, 6, 6, 1);
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
            for (int y = 0; y < 6; y++) {
                for (int xx = 0; xx < 6; xx++) {
                    x.set((float) (img.getRaster().getSample(xx, y, 0) * (1 / 255.0)), 0, y, xx, 0);
                }
            }
            float[] p = images.predict(x).data();
            int best = 0;
            for (int i = 1; i < 3; i++) {
                best = p[i] > p[best] ? i : best;
            }
            Answer a = postBytes("/v2/models/shapes/predict", png);
            assertEquals(200, a.status(), a.body());
            assertEquals(List.of("round", "square", "cross").get(best), a.json().get("class").getAsString());
            assertEquals((double) p[best], a.json().get("probability").getAsDouble());
            assertEquals((double) p[2], a.json().getAsJsonObject("probabilities").get("cross").getAsDouble());
        }
        Answer size = postBytes("/v2/models/shapes/predict", png(8, 6, 1));
        assertEquals(400, size.status());
        assertEquals("the image is 8x6 pixels but the model takes 6x6", size.json().get("error").getAsString());
        Answer garbage = postBytes("/v2/models/shapes/predict", "not an image".getBytes());
        assertEquals(400, garbage.status());
        assertTrue(garbage.json().get("error").getAsString().startsWith("the request body: "), garbage.body());
        Answer table = postBytes("/v2/models/table/predict", png(6, 6, 1));
        assertEquals(415, table.status());
        assertTrue(table.json().get("error").getAsString().startsWith("model 'table' is neither an image classifier nor a "
                + "table model"), table.body());
        Answer page = get("/");
        assertEquals(200, page.status());
        assertEquals("text/html; charset=utf-8", page.raw().headers().firstValue("Content-Type").orElse(""));
        assertTrue(page.body().contains("const models = [{\"name\":\"shapes\",\"shape\":[6, 6, 1],\"images\":true},"
                + "{\"name\":\"table\",\"shape\":[2],\"images\":false}];"), page.body());
    }

    static HttpResponse<byte[]> postBinary(String path, String json, byte[] tail) throws Exception {
        byte[] head = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, body, head.length, tail.length);
        return HTTP.send(HttpRequest.newBuilder(server.uri().resolve(path))
                .header("Inference-Header-Content-Length", Integer.toString(head.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void theBinaryTensorDataExtensionCarriesInputsAndOutputsAsBytes() throws Exception {
        Tensor x = new NumpyRandom(9).rand(3, 6, 6, 1);
        java.nio.ByteBuffer le = java.nio.ByteBuffer.allocate(4 * x.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        le.asFloatBuffer().put(x.data());
        String json = "{\"id\":\"b\",\"inputs\":[{\"name\":\"input\",\"shape\":[3,6,6,1],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + 4 * x.size() + "}}],"
                + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";
        HttpResponse<byte[]> r = postBinary("/v2/models/shapes/infer", json, le.array());
        assertEquals(200, r.statusCode(), new String(r.body()));
        int head = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        String answer = new String(r.body(), 0, head, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("{\"model_name\":\"shapes\",\"model_version\":\"1\",\"id\":\"b\",\"outputs\":[{\"name\":"
                + "\"output\",\"datatype\":\"FP32\",\"shape\":[3,3],\"parameters\":{\"binary_data_size\":36}}]}", answer);
        float[] got = new float[9];
        java.nio.ByteBuffer.wrap(r.body(), head, 36).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        assertArrayEquals(images.predict(x).data(), got);
        // UINT8 bytes in, JSON out (no binary_data asked)
        byte[] pixels = new byte[36];
        Tensor scaled = Tensor.zeros(1, 6, 6, 1);
        for (int i = 0; i < 36; i++) {
            pixels[i] = (byte) (i * 7);
            scaled.data()[i] = (float) ((i * 7 & 0xff) * (1 / 255.0));
        }
        String u8 = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,6,6,1],\"datatype\":\"UINT8\","
                + "\"parameters\":{\"binary_data_size\":36}}]}";
        HttpResponse<byte[]> j = postBinary("/v2/models/shapes/infer", u8, pixels);
        assertEquals(200, j.statusCode());
        assertArrayEquals(images.predict(scaled).data(), outputOf(new Answer(200, new String(j.body()), null)));
        // sizes that disagree, bytes left over, binary data without the header
        HttpResponse<byte[]> wrong = postBinary("/v2/models/shapes/infer", u8.replace(":36}", ":35}"), pixels);
        assertEquals(400, wrong.statusCode());
        assertTrue(new String(wrong.body()).contains("takes 36 bytes but 'binary_data_size' is 35"));
        HttpResponse<byte[]> extra = postBinary("/v2/models/shapes/infer", u8, Arrays.copyOf(pixels, 40));
        assertEquals(400, extra.statusCode());
        assertTrue(new String(extra.body()).contains("4 bytes after the inputs' binary data"));
        Answer noHeader = post("/v2/models/shapes/infer", u8);
        assertEquals(400, noHeader.status());
        assertTrue(noHeader.json().get("error").getAsString().contains("no Inference-Header-Content-Length"));
    }
}
