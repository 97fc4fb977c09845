package dev.cnn.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cnn.core.NumpyRandom;
import java.io.StringReader;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** 5,000 mutated requests: each decodes to a checked batch or is a 400 naming why; nothing else escapes. */
class InferenceJsonFuzzTest {
    static final String VALID = "{\"id\":\"a\",\"parameters\":{\"x\":[1,{\"y\":null}]},\"inputs\":[{\"name\":\"input\","
            + "\"shape\":[2,2,2,1],\"datatype\":\"FP32\",\"data\":[[0.5,1e-3,-2,3],[4,5.25,6,7E2]]}],"
            + "\"outputs\":[{\"name\":\"output\"}]}";
    static final String ALPHABET = "{}[],:\"0123456789.-+eEa nulltruefalseNaNInfinity\\u0000\u00e9";

    /** 0 to n - 1. */
    static int pick(NumpyRandom rng, int n) {
        return (int) rng.nextInterval(n - 1);
    }

    @Test
    void mutatedRequestsDecodeOrAre400s() {
        int[] sample = {2, 2, 1};
        assertEquals(8, InferenceJson.read(new StringReader(VALID), sample, "input", "output", Double.NaN).x().size());
        NumpyRandom rng = new NumpyRandom(7);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < 5000; i++) {
            StringBuilder s = new StringBuilder(VALID);
            int edits = 1 + pick(rng, 4);
            for (int e = 0; e < edits && s.length() > 0; e++) {
                int at = pick(rng, s.length());
                char c = ALPHABET.charAt(pick(rng, ALPHABET.length()));
                switch (pick(rng, 3)) {
                    case 0 -> s.setCharAt(at, c);
                    case 1 -> s.insert(at, c);
                    default -> s.deleteCharAt(at);
                }
            }
            try {
                InferenceJson.Request r = InferenceJson.read(new StringReader(s.toString()), sample, "input", "output",
                        1 / 255.0);
                assertEquals(r.x().dim(0) * 4, r.x().size(), s.toString());
                for (float v : r.x().data()) {
                    assertTrue(Float.isFinite(v), s.toString());
                }
                outcomes.merge("decoded", 1, Integer::sum);
            } catch (HttpError e) {
                assertEquals(400, e.status, s.toString());
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), s.toString());
                String kind = e.getMessage().replaceAll("'[^']*'", "'…'").replaceAll("[^a-zA-Z'… ].*", "");
                outcomes.merge("400: " + kind.substring(0, Math.min(30, kind.length())), 1, Integer::sum);
            } catch (RuntimeException e) {
                fail("mutation " + i + " escaped as " + e + ": " + s, e);
            }
        }
        System.out.println("JSON fuzz, 5000 requests: " + outcomes);
        assertTrue(outcomes.getOrDefault("decoded", 0) > 0);
    }
}
