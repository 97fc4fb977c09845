package dev.cnn.data;

import dev.cnn.core.NumpyRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Seeded train/validation splits of sample indices. */
public final class Splits {
    private Splits() {
    }

    /** Sample indices of the two parts, each in ascending order. */
    public record Split(int[] train, int[] validation) {
    }

    /** A random {@code fraction} of {@code n} samples for validation, the rest for training. */
    public static Split random(int n, double fraction, long seed) {
        check(fraction);
        int[] p = new NumpyRandom(seed).permutation(n);
        int v = (int) Math.round(n * fraction);
        int[] val = Arrays.copyOfRange(p, 0, v);
        int[] train = Arrays.copyOfRange(p, v, n);
        Arrays.sort(val);
        Arrays.sort(train);
        return new Split(train, val);
    }

    /** Like {@link #random}, but the validation part takes {@code fraction} of each label separately. */
    public static Split stratified(int[] labels, double fraction, long seed) {
        check(fraction);
        int classes = Arrays.stream(labels).max().orElse(-1) + 1;
        NumpyRandom rng = new NumpyRandom(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            int[] p = rng.permutation(members.size());
            int v = (int) Math.round(members.size() * fraction);
            for (int i = 0; i < p.length; i++) {
                (i < v ? val : train).add(members.get(p[i]));
            }
        }
        return new Split(sorted(train), sorted(val));
    }

    private static int[] sorted(List<Integer> l) {
        int[] a = l.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(a);
        return a;
    }

    private static void check(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + fraction);
        }
    }
}
