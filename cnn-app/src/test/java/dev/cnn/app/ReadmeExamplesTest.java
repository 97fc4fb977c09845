package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java examples compile against the current API and do what their comments say. */
class ReadmeExamplesTest {
    @TempDir
    Path dir;

    @Test
    void javaBlocksCompileAndRun() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1).replace("Path.of(\"", "Path.of(DIR + \"/"));
        }
        assertEquals(3, blocks.size(), "the README shows cnn-core and cnn-nn as libraries and serving in ONNX Runtime");
        // each block states its own imports, as a reader copies them: they go to the top of the file
        StringBuilder imports = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
            StringBuilder body = new StringBuilder();
            for (String line : blocks.get(i).split("\n")) {
                (line.startsWith("import ") ? imports : body).append(line).append('\n');
            }
            blocks.set(i, body.toString());
        }
        assertTrue(imports.toString().contains("import dev.cnn.core.kernel.ConvKernel;"), imports.toString());
        StringBuilder src = new StringBuilder(imports).append("public class Readme {\n public static String DIR;\n");
        src.append(" public static void core() throws Exception {\n").append(blocks.get(0)).append(" }\n");
        src.append(" public static void nn() throws Exception {\n")
                .append("  Tensor x = new NumpyRandom(3).rand(64, 28, 28, 1); Tensor y = Tensor.zeros(64, 1);\n")
                .append(blocks.get(1)).append("  System.out.println(\"predicted \" + p.shapeString());\n }\n");
        src.append(" public static void serve() throws Exception {\n").append(blocks.get(2)).append(" }\n}\n");
        Path file = dir.resolve("Readme.java");
        Files.writeString(file, src);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), "-d", dir.toString(), file.toString());
        assertEquals(0, rc, "README examples must compile:\n" + src);
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> c = cl.loadClass("Readme");
            c.getField("DIR").set(null, dir.toString());
            String out = capture(c.getMethod("core"));
            assertTrue(out.startsWith("0.04899520"), "core example prints the mean: " + out);
            assertTrue(Files.size(dir.resolve("z.npy")) > 0);
            String nn = capture(c.getMethod("nn"));
            assertTrue(nn.contains("predicted (64, 1)"), nn);
            String served = capture(c.getMethod("serve"));
            assertTrue(served.matches("p = 0\\.[0-9]+(E-[0-9]+)?\\s*"), "ONNX Runtime runs the exported model: " + served);
        }
    }

    private static String capture(Method m) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bos, true, StandardCharsets.UTF_8));
        try {
            m.invoke(null);
        } finally {
            System.setOut(old);
        }
        return bos.toString(StandardCharsets.UTF_8);
    }
}
