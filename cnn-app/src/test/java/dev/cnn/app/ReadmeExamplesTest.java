package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README's and docs/'s examples are true: every Java block compiles against the current API and runs, and
 * every {@code cnn} command line shown names only commands and options that exist.
 */
class ReadmeExamplesTest {
    @TempDir
    Path dir;

    /** README.md, then every file of docs/, in name order. */
    private static Map<String, String> pages() throws IOException {
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("README.md", Files.readString(Path.of("..", "README.md")));
        try (Stream<Path> s = Files.list(Path.of("..", "docs"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                pages.put("docs/" + p.getFileName(), Files.readString(p));
            }
        }
        return pages;
    }

    @Test
    void javaBlocksCompileAndRun() throws Exception {
        Map<String, String> blocks = new LinkedHashMap<>(); // "page #n" -> body
        Set<String> imports = new LinkedHashSet<>();
        for (Map.Entry<String, String> page : pages().entrySet()) {
            Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(page.getValue());
            for (int n = 1; m.find(); n++) {
                StringBuilder body = new StringBuilder();
                // each block states its own imports, as a reader copies them: they go to the top of the file
                for (String line : m.group(1).replace("Path.of(\"", "Path.of(DIR + \"/").split("\n")) {
                    if (line.startsWith("import ")) {
                        imports.add(line);
                    } else {
                        body.append(line).append('\n');
                    }
                }
                blocks.put(page.getKey() + " #" + n, body.toString());
            }
        }
        assertTrue(blocks.keySet().containsAll(List.of("README.md #1", "README.md #2", "docs/library.md #1",
                "docs/library.md #2", "docs/onnx.md #1", "docs/onnx.md #3", "docs/serve.md #1")), blocks.keySet().toString());
        StringBuilder src = new StringBuilder(String.join("\n", imports)).append('\n')
                .append("public class Readme {\n public static String DIR;\n public static dev.cnn.nn.Model model;\n");
        List<String> names = new ArrayList<>(blocks.keySet());
        for (int i = 0; i < names.size(); i++) {
            src.append(" /** ").append(names.get(i)).append(" */\n public static void block").append(i)
                    .append("() throws Exception {\n").append(blocks.get(names.get(i))).append(" }\n");
        }
        src.append("}\n");
        Path file = dir.resolve("Readme.java");
        Files.writeString(file, src);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream(); // shown only when compiling fails
        int rc = javac.run(null, diagnostics, diagnostics, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), "-d", dir.toString(), file.toString());
        assertEquals(0, rc, "the examples must compile:\n" + diagnostics.toString(StandardCharsets.UTF_8) + "\n" + src);

        writeMnist(dir.resolve("mnist"));
        Map<String, String> out = new LinkedHashMap<>();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> c = cl.loadClass("Readme");
            c.getField("DIR").set(null, dir.toString());
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).startsWith("docs/onnx.md")) { // serves the model the library page trained
                    c.getField("model").set(null, dev.cnn.nn.Model.load(dir.resolve("lenet.cnn")));
                }
                out.put(names.get(i), capture(c, "block" + i));
            }
        }
        assertTrue(out.get("README.md #1").startsWith("0.04899520"), "the core example prints the mean: " + out);
        assertTrue(out.get("README.md #2").matches("(?s)History\\(2 epochs; train loss .*\\); test accuracy [01]\\.\\d+\\s*"),
                out.get("README.md #2"));
        assertTrue(Files.size(dir.resolve("digits.cnn")) > 0 && Files.size(dir.resolve("z.npy")) > 0);
        assertTrue(out.get("docs/library.md #2").contains("accuracy"), out.get("docs/library.md #2"));
        assertTrue(out.get("docs/onnx.md #1").matches("p = 0\\.[0-9]+(E-[0-9]+)?\\s*"),
                "ONNX Runtime runs the exported model: " + out.get("docs/onnx.md #1"));
        assertEquals("[classifier.W, classifier.b]", out.get("docs/onnx.md #3").trim(), "only the new head trains");
        assertTrue(out.get("docs/serve.md #1").matches("http://127\\.0\\.0\\.1:\\d+/v2/models/digits/infer\\s*"),
                out.get("docs/serve.md #1"));
    }

    /** Every {@code cnn COMMAND ... --option} shown names a command and options it has. */
    @Test
    void everyCommandLineShownNamesOptionsThatExist() throws Exception {
        CommandLine cli = new CommandLine(new Main());
        Pattern line = Pattern.compile("(?:^|[\\s`(])(?:\\./|bin/)?cnn ([a-z]+)\\b([^`\\n]*)");
        Pattern option = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");
        int checked = 0;
        for (Map.Entry<String, String> page : pages().entrySet()) {
            Matcher m = line.matcher(page.getValue());
            while (m.find()) {
                String command = m.group(1);
                CommandLine sub = cli.getSubcommands().get(command);
                if (sub == null) {
                    continue; // prose such as "cnn is ..." or "cnn as a library"
                }
                Matcher o = option.matcher(m.group(2));
                while (o.find()) {
                    assertTrue(sub.getCommandSpec().findOption(o.group()) != null, page.getKey() + ": 'cnn " + command
                            + "' has no option " + o.group() + " (in: cnn " + command + m.group(2) + ")");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 12, "options checked: " + checked);
    }

    /** 64 training and 32 test images of 2s and 5s (bright left or right halves), as MNIST's IDX files. */
    private static void writeMnist(Path d) throws IOException {
        Files.createDirectories(d);
        for (String split : new String[] {"train", "t10k"}) {
            int n = split.equals("train") ? 64 : 32;
            ByteBuffer images = ByteBuffer.allocate(16 + n * 784).putInt(2051).putInt(n).putInt(28).putInt(28);
            ByteBuffer labels = ByteBuffer.allocate(8 + n).putInt(2049).putInt(n);
            for (int i = 0; i < n; i++) {
                boolean five = i % 2 == 1;
                for (int p = 0; p < 784; p++) {
                    images.put((byte) ((p % 28 < 14) == five ? 200 + (i * 7 + p) % 50 : (i * 13 + p) % 40));
                }
                labels.put((byte) (five ? 5 : 2));
            }
            Files.write(d.resolve(split + "-images-idx3-ubyte"), images.array());
            Files.write(d.resolve(split + "-labels-idx1-ubyte"), labels.array());
        }
    }

    private static String capture(Class<?> c, String method) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bos, true, StandardCharsets.UTF_8));
        try {
            c.getMethod(method).invoke(null);
        } finally {
            System.setOut(old);
        }
        return bos.toString(StandardCharsets.UTF_8);
    }
}
