package dev.cnn.app;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's fused multiply-add rate on one core: twelve independent chains of vector FMAs on registers,
 * no memory traffic. Benchmarks quote it beside their figures, since a shared machine's speed drifts and a
 * kernel's GFLOP/s means something only against what the core gave in the same minutes. Needs the Vector
 * API ({@code --add-modules jdk.incubator.vector}); {@link #available()} says whether it is there.
 */
final class FmaLoop {
    private static volatile float sink;

    private FmaLoop() {
    }

    static boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** FLOPs of {@code iterations} passes over the twelve chains (2 per lane per FMA). */
    static double flops(long iterations) {
        return 2.0 * 12 * FloatVector.SPECIES_PREFERRED.length() * iterations;
    }

    /** Runs {@code iterations} passes. */
    static void run(long iterations) {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        FloatVector b = FloatVector.broadcast(s, 0.9999999f);
        FloatVector c = FloatVector.broadcast(s, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(s, 1f);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector a8 = a0;
        FloatVector a9 = a0;
        FloatVector a10 = a0;
        FloatVector a11 = a0;
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(b, c);
            a1 = a1.fma(b, c);
            a2 = a2.fma(b, c);
            a3 = a3.fma(b, c);
            a4 = a4.fma(b, c);
            a5 = a5.fma(b, c);
            a6 = a6.fma(b, c);
            a7 = a7.fma(b, c);
            a8 = a8.fma(b, c);
            a9 = a9.fma(b, c);
            a10 = a10.fma(b, c);
            a11 = a11.fma(b, c);
        }
        sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
