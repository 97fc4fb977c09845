package dev.cnn.core;

import java.util.function.Predicate;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Tensor#allFinite} on the Vector API (loaded only when {@code jdk.incubator.vector} is present):
 * the sum of {@code x − x} over the array is 0 when every value is finite and NaN otherwise. About 9x
 * faster than the plain-Java loop (5 against 46 µs for 67,329 values, a housing network's gradients).
 */
final class VectorFinite implements Predicate<float[]> {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public boolean test(float[] v) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(v.length); i < bound; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, v, i);
            acc = acc.add(x.sub(x));
        }
        float r = acc.reduceLanes(VectorOperators.ADD);
        for (; i < v.length; i++) {
            r += v[i] - v[i];
        }
        return r == 0f;
    }
}
