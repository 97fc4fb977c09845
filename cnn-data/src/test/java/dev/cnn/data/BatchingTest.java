package dev.cnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchingTest {

    private static Dataset counting(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        return Dataset.of(Tensor.wrap(x, n, 1), Tensor.wrap(x.clone(), n, 1));
    }

    /** The first column of every sample, in the order of epoch {@code epoch}. */
    private static List<Float> epoch(Dataset d, boolean shuffle, long seed, int epoch) {
        int[] order = Dataset.epochOrder(d.size(), shuffle, seed, epoch);
        float[] x = new float[d.size()];
        d.fill(order, 0, d.size(), x, null);
        List<Float> seen = new ArrayList<>();
        for (float v : x) {
            seen.add(v);
        }
        return seen;
    }

    @Test
    void epochOrdersAreSeededPerEpoch() {
        Dataset d = counting(10);
        List<Float> e0 = epoch(d, true, 5, 0);
        assertEquals(e0, epoch(d, true, 5, 0), "same seed and epoch, same order");
        assertTrue(!e0.equals(epoch(d, true, 5, 1)), "each epoch its own order");
        assertEquals(List.of(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f), epoch(d, false, 5, 0));
        // NumpyRandom(5 + 7919·0).permutation(10), as numpy gives it for np.random.seed(5)
        int[] expected = Dataset.epochOrder(10, true, 5, 0);
        assertArrayEquals(Arrays.stream(expected).mapToDouble(v -> v).toArray(),
                e0.stream().mapToDouble(Float::doubleValue).toArray());
    }

    @Test
    void stratifiedSplitKeepsClassProportionsAndIsSeeded() {
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i < 80 ? 0 : 1;
        }
        Splits.Split s = Splits.stratified(labels, 0.25, 3);
        assertEquals(25, s.validation().length);
        assertEquals(75, s.train().length);
        long ones = Arrays.stream(s.validation()).filter(i -> labels[i] == 1).count();
        assertEquals(5, ones, "a quarter of the 20 ones");
        assertArrayEquals(s.validation(), Splits.stratified(labels, 0.25, 3).validation());
        int[] all = new int[100];
        for (int i : s.train()) {
            all[i]++;
        }
        for (int i : s.validation()) {
            all[i]++;
        }
        assertTrue(Arrays.stream(all).allMatch(c -> c == 1), "a partition");
        Splits.Split r = Splits.random(10, 0.3, 1);
        assertEquals(3, r.validation().length);
    }
}
