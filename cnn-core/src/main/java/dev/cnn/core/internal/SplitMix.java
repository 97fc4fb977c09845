package dev.cnn.core.internal;

/**
 * SplitMix64's finaliser: a cheap, well-mixed 64-bit hash, for draws that must depend only on a seed and
 * an index (dropout masks, augmentation, per-pass seeds) rather than on a generator's position.
 */
public final class SplitMix {
    private SplitMix() {
    }

    /** The mixed value of {@code z}. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
