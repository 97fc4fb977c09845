package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.Npy;
import dev.cnn.nn.io.ModelIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIOTest {
    @TempDir
    Path dir;

    static Model trained() {
        Model m = ModelTest.smallCnn(4);
        m.metadata().put("note", "digits");
        m.metadata().put("featureMean", List.of(1.5, -2.0));
        m.train(ModelTest.halves(40, 2), TrainOptions.defaults().withEpochs(2).withBatchSize(8).withShuffle(true, 9)
                .withValidation(ModelTest.halves(10, 8)).withVerbose(false));
        return m;
    }

    @Test
    void saveLoadPredictIsIdentical() throws IOException {
        Model m = trained();
        Path p = dir.resolve("m.cnn");
        m.save(p);
        Model back = Model.load(p);
        Dataset probe = ModelTest.halves(12, 99);
        assertArrayEquals(m.predict(probe, 5).data(), back.predict(probe, 5).data());
        assertEquals(m.summary(), back.summary());
        assertEquals(m.history().trainLoss(), back.history().trainLoss());
        assertEquals(m.history().validationMetric(), back.history().validationMetric());
        assertEquals("digits", back.metadata().get("note"));
        assertEquals(List.of(1.5, -2.0), back.metadata().get("featureMean"));
        assertEquals(2, back.epochsDone());
        assertEquals(m.optimizer().steps(), back.optimizer().steps());
        try (ZipFile z = new ZipFile(p.toFile()); InputStream in = z.getInputStream(z.getEntry("params/conv1.W.npy"))) {
            assertArrayEquals(new int[] {3, 3, 1, 4}, Npy.read(in, "conv1.W").shape(), "parameters are plain .npy entries");
        }
    }

    @Test
    void configJsonIsStrictJsonWhenThereIsNoValidationData() throws IOException {
        Model m = ModelTest.smallCnn(4);
        m.metadata().put("ratio", Double.NaN);
        m.train(ModelTest.halves(16, 2), TrainOptions.defaults().withEpochs(1).withBatchSize(8).withVerbose(false));
        assertTrue(Double.isNaN(m.history().validationLoss().get(0)));
        Path p = dir.resolve("noval.cnn");
        m.save(p);
        String json;
        try (ZipFile z = new ZipFile(p.toFile()); InputStream in = z.getInputStream(z.getEntry("config.json"))) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        com.google.gson.stream.JsonReader strict = new com.google.gson.stream.JsonReader(new java.io.StringReader(json));
        strict.setStrictness(com.google.gson.Strictness.STRICT);
        com.google.gson.JsonObject c = com.google.gson.JsonParser.parseReader(strict).getAsJsonObject();
        assertTrue(c.getAsJsonObject("training").getAsJsonObject("history").getAsJsonArray("validationLoss").get(0)
                .isJsonNull(), json);
        assertTrue(c.getAsJsonObject("metadata").get("ratio").isJsonNull(), json);
        Model back = Model.load(p);
        assertTrue(Double.isNaN(back.history().validationLoss().get(0)));
        assertEquals(m.history().trainLoss(), back.history().trainLoss());
    }

    @Test
    void saveLoadTrainOneMoreEpochMatchesTrainingWithoutTheRoundTrip() throws IOException {
        Dataset d = ModelTest.halves(40, 2);
        TrainOptions one = TrainOptions.defaults().withEpochs(1).withBatchSize(8).withShuffle(true, 9).withVerbose(false);
        Model straight = trained();
        Model viaFile = trained();
        Path p = dir.resolve("resume.cnn");
        viaFile.save(p);
        Model resumed = Model.load(p);
        straight.train(d, one);
        resumed.train(d, one);
        assertArrayEquals(ModelTest.flatWeights(straight), ModelTest.flatWeights(resumed));
    }

    @Test
    void aStopMidEpochResumesAtTheNextBatch() throws IOException {
        Dataset d = ModelTest.halves(40, 2);
        TrainOptions opts = TrainOptions.defaults().withEpochs(2).withBatchSize(8).withShuffle(true, 3).withVerbose(false);
        Model straight = ModelTest.smallCnn(5);
        straight.train(d, opts);

        Model interrupted = ModelTest.smallCnn(5);
        Path p = dir.resolve("ckpt.cnn");
        interrupted.train(d, opts.withCheckpoint(p, 1).withListener(new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, int batches, int size, double loss) {
                if (epoch == 1 && batch == 2) {
                    interrupted.requestStop();
                }
            }
        }));
        Model resumed = Model.load(p);
        assertEquals(1, resumed.epochsDone());
        assertEquals(3, resumed.batchesDoneInEpoch());
        resumed.train(d, opts.withEpochs(1));
        assertArrayEquals(ModelTest.flatWeights(straight), ModelTest.flatWeights(resumed));
    }

    @Test
    void savingReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
        Model m = trained();
        Path p = dir.resolve("x.cnn");
        Files.writeString(p, "old");
        m.save(p);
        Model.load(p);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void everyMalformedFileGetsAClearError() throws IOException {
        Path good = dir.resolve("good.cnn");
        trained().save(good);
        assertLoadError("not a valid model file", Files.write(dir.resolve("text.cnn"), "hello".getBytes()));
        byte[] bytes = Files.readAllBytes(good);
        assertLoadError("not a valid model file",
                Files.write(dir.resolve("trunc.cnn"), Arrays.copyOf(bytes, bytes.length / 2)));
        assertLoadError("missing entry params/fc1.W.npy",
                rewrite(good, "nofc.cnn", Map.of("params/fc1.W.npy", b -> null)));
        assertLoadError("optimizer state: Adam state 'fc1.W.m' is missing",
                rewrite(good, "noadam.cnn", Map.of("optimizer/fc1.W.m.npy", b -> null)));
        assertLoadError("missing entry config.json", rewrite(good, "nocfg.cnn", Map.of("config.json", b -> null)));
        assertLoadError("format version 99 is newer", rewriteConfig(good, "v99.cnn",
                s -> s.replace("\"formatVersion\": " + ModelIO.FORMAT_VERSION, "\"formatVersion\": 99")));
        assertLoadError("unknown layer type 'Conv3D'", rewriteConfig(good, "type.cnn",
                s -> s.replace("\"Conv2D\"", "\"Conv3D\"")));
        assertLoadError("params/fc2.W.npy: expected shape (8, 1) but the file holds (8,)", rewrite(good, "shape.cnn",
                Map.of("params/fc2.W.npy", b -> entry(good, "params/fc1.b.npy"))));
        assertLoadError("params/fc1.W.npy: expected shape (64, 800000) but the file holds (64, 8)", rewriteConfig(good, "huge.cnn",
                s -> s.replace("\"outputSize\": 8", "\"outputSize\": 800000")));
        assertLoadError("not a JSON object", rewrite(good, "json.cnn", Map.of("config.json", b -> "{oops".getBytes())));
        assertLoadError("model file not found", dir.resolve("absent.cnn"));
    }

    @Test
    void fuzzedFilesLoadOrFailWithTheDocumentedException() throws IOException {
        Path good = dir.resolve("fuzz-base.cnn");
        trained().save(good);
        byte[] base = Files.readAllBytes(good);
        Random r = new Random(2024);
        Path p = dir.resolve("fuzz.cnn");
        int failures = 0;
        for (int i = 0; i < 300; i++) {
            byte[] b = base.clone();
            switch (i % 3) {
                case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                case 1 -> {
                    for (int k = 0; k < 1 + r.nextInt(8); k++) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                }
                default -> b = Arrays.copyOf(b, r.nextInt(b.length));
            }
            Files.write(p, b);
            boolean failed = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                try {
                    Model.load(p);
                    return false;
                } catch (ModelIO.ModelFormatException e) {
                    assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
                    return true;
                }
            });
            failures += failed ? 1 : 0;
        }
        assertTrue(failures > 150, "most corruptions must be detected, got " + failures);
    }

    static void assertLoadError(String expected, Path p) {
        IOException e = assertThrows(IOException.class, () -> Model.load(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    static byte[] entry(Path zip, String name) {
        try (ZipFile z = new ZipFile(zip.toFile()); InputStream in = z.getInputStream(z.getEntry(name))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Path rewriteConfig(Path good, String name, UnaryOperator<String> edit) throws IOException {
        return rewrite(good, name, Map.of("config.json",
                b -> edit.apply(new String(b, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
    }

    /** A copy of {@code good} with entries replaced (a null result drops the entry). */
    Path rewrite(Path good, String name, Map<String, UnaryOperator<byte[]>> edits) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipFile z = new ZipFile(good.toFile()); ZipOutputStream out = new ZipOutputStream(bos)) {
            for (ZipEntry e : Collections.list(z.entries())) {
                byte[] data;
                try (InputStream in = z.getInputStream(e)) {
                    data = in.readAllBytes();
                }
                if (edits.containsKey(e.getName())) {
                    data = edits.get(e.getName()).apply(data);
                }
                if (data != null) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    out.write(data);
                    out.closeEntry();
                }
            }
        }
        return Files.write(dir.resolve(name), bos.toByteArray());
    }
}
