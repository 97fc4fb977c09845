package dev.cnn.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only, checked view of one saved configuration object (a layer's or an optimizer's
 * {@code config} in a model file's {@code config.json}, as cnn-nn's layer and optimizer factories receive
 * it, or a command's settings). Every accessor fails with an {@link IllegalArgumentException} that names
 * where the object sits, the key, and what was expected; a model loader turns it into its format error.
 */
public final class ConfigView {
    private final Map<String, ?> values;
    private final String where;

    /** A view of {@code values} (numbers, strings, booleans, lists and maps of them); {@code where} names it in errors. */
    public ConfigView(Map<String, ?> values, String where) {
        this.values = values == null ? Map.of() : values;
        this.where = where;
    }

    /** Where this object sits, e.g. {@code m.cnn config.json layer 'conv1'}. */
    public String where() {
        return where;
    }

    /** Whether {@code key} is present (and not null). */
    public boolean has(String key) {
        return values.get(key) != null;
    }

    private Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException(where + ": missing '" + key + "'");
        }
        return v;
    }

    /** A string value. */
    public String string(String key) {
        Object v = get(key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a string, got " + v);
        }
        return s;
    }

    /** A number. */
    public double number(String key) {
        Object v = get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a number, got " + v);
        }
        return n.doubleValue();
    }

    /** A whole number from {@code min} to {@code max}. */
    public int integer(String key, int min, int max) {
        return (int) whole(number(key), key, min, max);
    }

    /** A whole number from {@code min} to {@code max} that may exceed an int (a 32-bit seed, say). */
    public long wholeNumber(String key, long min, long max) {
        return whole(number(key), key, min, max);
    }

    /** One of the strings {@code allowed}. */
    public String oneOf(String key, String... allowed) {
        String s = string(key);
        for (String a : allowed) {
            if (a.equals(s)) {
                return s;
            }
        }
        throw new IllegalArgumentException(where + ": '" + key + "' must be one of " + String.join(", ", allowed)
                + ", got " + s);
    }

    /** A boolean. */
    public boolean bool(String key) {
        Object v = get(key);
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be true or false, got " + v);
        }
        return b;
    }

    /** A list of exactly {@code count} whole numbers, each from {@code min} to {@code max}. */
    public int[] ints(String key, int count, int min, int max) {
        Object v = get(key);
        if (!(v instanceof List<?> l) || l.size() != count) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a list of " + count + " numbers, got " + v);
        }
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            if (!(l.get(i) instanceof Number n)) {
                throw new IllegalArgumentException(where + ": '" + key + "' must hold numbers, got " + v);
            }
            r[i] = (int) whole(n.doubleValue(), key, min, max);
        }
        return r;
    }

    /** A list of finite numbers (at most {@code 1 << 20} of them). */
    public List<Double> numbers(String key) {
        Object v = get(key);
        if (!(v instanceof List<?> l) || l.size() > 1 << 20) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a list of numbers, got " + v);
        }
        List<Double> r = new ArrayList<>(l.size());
        for (Object o : l) {
            if (!(o instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                throw new IllegalArgumentException(where + ": '" + key + "' must hold finite numbers, got " + o);
            }
            r.add(n.doubleValue());
        }
        return r;
    }

    /** A nested object. */
    public ConfigView object(String key) {
        Object v = get(key);
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be an object, got " + v);
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        m.forEach((k, x) -> copy.put(String.valueOf(k), x));
        return new ConfigView(copy, where + " '" + key + "'");
    }

    /** The keys present. */
    public List<String> keys() {
        return Collections.unmodifiableList(new ArrayList<>(values.keySet()));
    }

    private long whole(double d, String key, long min, long max) {
        if (d != Math.rint(d) || d < min || d > max) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a whole number from " + min + " to " + max
                    + ", got " + d);
        }
        return (long) d;
    }
}
