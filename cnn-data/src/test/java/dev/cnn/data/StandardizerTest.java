package dev.cnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnn.core.NumpyRandom;
import org.apache.commons.math3.stat.descriptive.moment.Mean;
import org.apache.commons.math3.stat.descriptive.moment.StandardDeviation;
import org.junit.jupiter.api.Test;

class StandardizerTest {

    @Test
    void statisticsEqualCommonsMathBitForBit() {
        NumpyRandom rng = new NumpyRandom(4);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + (int) (rng.nextDouble() * 400);
            double[] x = new double[n];
            double offset = trial % 2 == 0 ? 0 : 1e6; // large offsets are where the correction pass matters
            for (int i = 0; i < n; i++) {
                x[i] = offset + rng.nextGaussian() * (1 + trial);
            }
            double m = Standardizer.mean(x);
            assertEquals(new Mean().evaluate(x), m, 0.0, "mean, trial " + trial);
            assertEquals(new StandardDeviation(false).evaluate(x, m), Standardizer.populationStd(x, m), 0.0,
                    "std, trial " + trial);
        }
    }

    @Test
    void fitScalesEachColumnToMeanZeroAndUnitPopulationStd() {
        float[] v = {1, 10, 2, 10, 3, 10, 6, 10}; // two columns; the second is constant
        Standardizer s = Standardizer.fit(v, 2);
        float[] t = s.apply(v.clone());
        // column 0: mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5
        assertEquals((1 - 3) / Math.sqrt(3.5), t[0], 1e-6);
        assertEquals((6 - 3) / Math.sqrt(3.5), t[6], 1e-6);
        assertEquals(0f, t[1], "a constant column is centred, not divided by zero");
    }
}
