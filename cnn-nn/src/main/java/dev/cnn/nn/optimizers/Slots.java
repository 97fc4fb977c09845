package dev.cnn.nn.optimizers;

import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer's per-parameter state: for each parameter (by full name) one float array per named part
 * (e.g. {@code velocity}), created at zero on first use, saved as {@code <parameter>.<part>}.
 */
final class Slots {
    private final String optimizer;
    private final String[] parts;
    private final Map<String, float[][]> slots = new LinkedHashMap<>();

    Slots(String optimizer, String... parts) {
        this.optimizer = optimizer;
        this.parts = parts.clone();
    }

    /** The arrays of {@code parameter} ({@code size} values each), made at zero when new. */
    float[][] of(String parameter, int size) {
        return slots.computeIfAbsent(parameter, k -> {
            float[][] a = new float[parts.length][];
            for (int i = 0; i < a.length; i++) {
                a[i] = new float[size];
            }
            return a;
        });
    }

    Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (Map.Entry<String, float[][]> e : slots.entrySet()) {
            for (int i = 0; i < parts.length; i++) {
                float[] a = e.getValue()[i];
                s.put(e.getKey() + "." + parts[i], Tensor.wrap(a, a.length));
            }
        }
        return s;
    }

    void restore(Map<String, Tensor> state) {
        Map<String, float[][]> restored = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            int part = -1;
            for (int i = 0; i < parts.length; i++) {
                if (key.endsWith("." + parts[i])) {
                    part = i;
                }
            }
            if (part < 0) {
                throw new IllegalArgumentException("unexpected " + optimizer + " state entry '" + key + "'");
            }
            String param = key.substring(0, key.length() - parts[part].length() - 1);
            restored.computeIfAbsent(param, k -> new float[parts.length][])[part] = e.getValue().data().clone();
        }
        for (Map.Entry<String, float[][]> e : restored.entrySet()) {
            for (int i = 0; i < parts.length; i++) {
                if (e.getValue()[i] == null || e.getValue()[i].length != e.getValue()[0].length) {
                    throw new IllegalArgumentException(optimizer + " state '" + e.getKey() + "." + parts[i]
                            + "' is missing or of another size than the parameter's other parts");
                }
            }
        }
        slots.clear();
        slots.putAll(restored);
    }

    /** Fails unless every slot belongs to one of {@code parameters} with its size, and, after steps, all have one. */
    void check(Map<String, Parameter> parameters, long steps) {
        for (Map.Entry<String, float[][]> e : slots.entrySet()) {
            Parameter p = parameters.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException(optimizer + " state names parameter '" + e.getKey()
                        + "' which the model lacks");
            }
            if (p.value().size() != e.getValue()[0].length) {
                throw new IllegalArgumentException(optimizer + " state for '" + e.getKey() + "' has "
                        + e.getValue()[0].length + " values but the parameter has " + p.value().size());
            }
        }
        if (steps > 0) {
            for (String name : parameters.keySet()) {
                if (!slots.containsKey(name)) {
                    throw new IllegalArgumentException(optimizer + " state '" + name + "." + parts[0] + "' is missing after "
                            + steps + " steps");
                }
            }
        }
    }
}
