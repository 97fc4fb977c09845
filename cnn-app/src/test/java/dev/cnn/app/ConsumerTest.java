package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import dev.cnn.core.Tensor;
import dev.cnn.data.Mnist;
import dev.cnn.nn.Model;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.commons.csv.CSVFormat;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A separate project using cnn-nn and cnn-data, compiled and run twice: as a named module on the module
 * path and as plain jars on the class path. Neither has DJL, its dependencies, or a Log4j provider: the
 * footprint a consumer of IDX files, CSV and models needs. The consumer's sources are test resources
 * under {@code consumer/}.
 */
class ConsumerTest {
    @TempDir
    Path dir;
    private Path sources;
    private List<Path> libraries;

    @BeforeEach
    void setUp() throws Exception {
        sources = dir.resolve("src");
        for (String f : new String[] {"module-info.java", "example/consumer/Main.java"}) {
            Path target = sources.resolve(f);
            Files.createDirectories(target.getParent());
            try (var in = ConsumerTest.class.getResourceAsStream("/consumer/" + f)) {
                Files.write(target, in.readAllBytes());
            }
        }
        libraries = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {Tensor.class, Model.class, Mnist.class, Gson.class, LogManager.class,
                com.google.protobuf.CodedInputStream.class,
                CSVFormat.class, org.apache.commons.io.IOUtils.class, org.apache.commons.codec.binary.Hex.class}) {
            libraries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI().getPath()));
        }
        Path idx = Files.createDirectories(dir.resolve("idx"));
        for (String set : new String[] {"train", "t10k"}) {
            Files.write(idx.resolve(set + "-images-idx3-ubyte"), idx(2051, new int[] {3, 2, 2}, new byte[12]));
            Files.write(idx.resolve(set + "-labels-idx1-ubyte"), idx(2049, new int[] {3}, new byte[] {0, 2, 1}));
        }
    }

    @Test
    void aModularConsumerCompilesAndRunsOnTheModulePath() throws Exception {
        String modulePath = join(libraries);
        Path out = dir.resolve("out-modular");
        compile(List.of("--module-path", modulePath, "-d", out.toString()), sources.resolve("module-info.java"),
                sources.resolve("example/consumer/Main.java"));
        String output = run(List.of("--add-modules", "jdk.incubator.vector", "--module-path", out + ":" + modulePath,
                "-m", "example.consumer/example.consumer.Main"));
        assertTrue(output.contains("idx: 3 train images of 2x2, classes [zero, one, two]"), output);
        assertTrue(output.contains("reloaded predictions identical: true"), output);
        assertTrue(output.contains("internal package: not accessible"), output);
        assertTrue(output.contains("images: decoding images needs DJL's api (Maven ai.djl:api, module ai.djl.api), which "
                + "is not resolved: add 'requires ai.djl.api;'"), output);
        assertTrue(output.contains("module: dev.cnn.nn"), output);
        assertTrue(output.contains("loss fell: true"), output);

        // and the internal package does not even compile against the modules
        Path bad = dir.resolve("bad/example/consumer/Bad.java");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "package example.consumer;\nclass Bad { int t = dev.cnn.core.internal.Parallel.threads(); }\n");
        Files.copy(sources.resolve("module-info.java"), dir.resolve("bad/module-info.java"));
        String errors = compileErrors(List.of("--module-path", modulePath, "-d", dir.resolve("out-bad").toString()),
                dir.resolve("bad/module-info.java"), bad);
        assertTrue(errors.contains("package dev.cnn.core.internal is not visible"), errors);
    }

    @Test
    void aClassPathConsumerCompilesAndRunsWithoutDjl() throws Exception {
        String classPath = join(libraries);
        Path out = dir.resolve("out-classpath");
        compile(List.of("-cp", classPath, "-d", out.toString()), sources.resolve("example/consumer/Main.java"));
        String output = run(List.of("--add-modules", "jdk.incubator.vector", "-cp", out + ":" + classPath,
                "example.consumer.Main"));
        assertTrue(output.contains("idx: 3 train images of 2x2, classes [zero, one, two]"), output);
        assertTrue(output.contains("reloaded predictions identical: true"), output);
        assertFalse(classPath.contains("djl") || classPath.contains("jna"), classPath);
        assertTrue(output.contains("images: decoding images needs DJL's api (Maven ai.djl:api, module ai.djl.api), which "
                + "is not on the class path"), output);
    }

    private void compile(List<String> options, Path... files) throws IOException {
        String errors = compileErrors(options, files);
        assertEquals("", errors, "the consumer compiles");
    }

    private static String compileErrors(List<String> options, Path... files) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(options);
        for (Path f : files) {
            args.add(f.toString());
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, null, err, args.toArray(String[]::new));
        return rc == 0 ? "" : err.toString(StandardCharsets.UTF_8);
    }

    private String run(List<String> javaArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(javaArgs);
        cmd.add(dir.resolve("idx").toString());
        cmd.add(dir.resolve("model.cnn").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    private static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(":"));
    }

    /** An IDX file: {@code magic}, the dimensions, then {@code body}. */
    static byte[] idx(int magic, int[] dims, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(body);
        return b.array();
    }
}
