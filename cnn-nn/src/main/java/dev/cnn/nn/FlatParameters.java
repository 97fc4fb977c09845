package dev.cnn.nn;

import dev.cnn.nn.layers.Parameter;
import java.util.Map;

/** Parameters' values or gradients as one flat array, in the map's order (for sending between processes). */
final class FlatParameters {
    private FlatParameters() {
    }

    /** Number of values in {@code parameters}. */
    static int size(Map<String, Parameter> parameters) {
        long n = 0;
        for (Parameter p : parameters.values()) {
            n += p.value().size();
        }
        return Math.toIntExact(n);
    }

    /** Copies values ({@code values}) or gradients into {@code flat} ({@code out}) or from it. */
    static void copy(Map<String, Parameter> parameters, float[] flat, boolean values, boolean out) {
        int size = size(parameters);
        if (flat.length != size) {
            throw new IllegalArgumentException("the model has " + size + " trainable values, the array " + flat.length);
        }
        int off = 0;
        for (Parameter p : parameters.values()) {
            float[] a = values ? p.value().data() : p.grad().data();
            if (out) {
                System.arraycopy(a, 0, flat, off, a.length);
            } else {
                System.arraycopy(flat, off, a, 0, a.length);
            }
            off += a.length;
        }
    }
}
