package dev.cnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared numeric assertions for the core tests. */
public final class Assertions2 {
    private Assertions2() {
    }

    /** Every element of {@code actual} is within {@code tol} of {@code expected} (row-major). */
    public static void assertValues(double[] expected, Tensor actual, double tol) {
        assertEquals(expected.length, actual.size(), "element count of " + actual.shapeString());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.data()[i], tol, "element " + i + " of " + actual.shapeString());
        }
    }

    public static void assertShape(Tensor t, int... shape) {
        assertArrayEquals(shape, t.shape(), "shape " + t.shapeString());
    }
}
