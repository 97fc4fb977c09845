package dev.cnn.core.kernel;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The unrolled Vector API methods stay small enough for C2: on JDK 17 it was seen to leave vector calls
 * of larger methods (above ~1,700 bytes of bytecode) as calls into the Java fallback, 2-5x slower. Sizes
 * are read with {@code javap}; the test fails when a method grows past the limit.
 */
class KernelBytecodeSizeTest {
    /** Largest bytecode size allowed for a method of a Vector API kernel class. */
    static final int LIMIT = 1_700;
    private static final Pattern METHOD = Pattern.compile("^  (?:[a-z]+ )*[\\w.<>\\[\\]]+ (\\w+)\\(.*\\);$");
    private static final Pattern INSTRUCTION = Pattern.compile("^\\s+(\\d+): ");

    @Test
    void everyVectorKernelMethodIsBelowTheLimit() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (String cls : new String[] {"dev.cnn.core.kernel.VectorConv", "dev.cnn.core.kernel.VectorGemm",
            "dev.cnn.core.kernel.VectorPool", "dev.cnn.core.VectorFinite"}) {
            sizes.putAll(sizes(cls));
        }
        System.out.println("vector kernel bytecode sizes: " + sizes);
        assertTrue(sizes.containsKey("VectorConv.pair3") && sizes.containsKey("VectorGemm.tile12x2"), sizes.toString());
        sizes.forEach((m, size) -> assertTrue(size <= LIMIT, m + " has " + size + " bytes of bytecode, over " + LIMIT
                + ": split it (see the class comment of VectorConv)"));
    }

    /** Method name to code length (the last instruction's offset plus one: methods end in a 1-byte return or throw). */
    static Map<String, Integer> sizes(String className) {
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        StringWriter out = new StringWriter();
        int code = javap.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-c", "-p", "-classpath",
                Path.of("target", "classes").toString(), className);
        assertEquals(0, code, "javap " + className);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        String simple = className.substring(className.lastIndexOf('.') + 1);
        String method = null;
        for (String line : out.toString().split("\n")) {
            Matcher m = METHOD.matcher(line);
            if (m.matches()) {
                method = simple + "." + m.group(1);
                continue;
            }
            Matcher i = INSTRUCTION.matcher(line);
            if (method != null && i.find()) {
                sizes.merge(method, Integer.parseInt(i.group(1)) + 1, Math::max);
            }
        }
        return sizes;
    }
}
