package dev.cnn.nn.layers;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;

/**
 * Weight initialisers; biases always start at zero. Each draws standard normal values from a seeded
 * {@link NumpyRandom} and scales them: {@code RANDOM} by 0.01, {@code XAVIER} by
 * {@code sqrt(2 / (fanIn + fanOut))}, {@code HE} by {@code sqrt(2 / fanIn)}. For a convolution
 * {@code fanIn = kh·kw·cIn} and {@code fanOut = kh·kw·filters}.
 */
public enum Init {
    /** Standard normal values times 0.01. */
    RANDOM,
    /** Standard normal values times {@code sqrt(2 / (fanIn + fanOut))} (Glorot). */
    XAVIER,
    /** Standard normal values times {@code sqrt(2 / fanIn)} (He), for ReLU networks. */
    HE;

    /** The initialiser named {@code s} ({@code random}, {@code xavier} or {@code he}), any case. */
    public static Init parse(String s) {
        for (Init i : values()) {
            if (i.name().equalsIgnoreCase(s)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown initialiser '" + s + "' (expected random, xavier or he)");
    }

    /** The scale applied to N(0, 1) draws. */
    public double scale(int fanIn, int fanOut) {
        return switch (this) {
            case RANDOM -> 0.01;
            case XAVIER -> Math.sqrt(2.0 / (fanIn + fanOut));
            case HE -> Math.sqrt(2.0 / fanIn);
        };
    }

    /** A new weight tensor of {@code shape}. */
    public Tensor create(NumpyRandom rng, int fanIn, int fanOut, int... shape) {
        double s = scale(fanIn, fanOut);
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextGaussian() * s);
        }
        return t;
    }
}
