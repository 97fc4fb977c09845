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

    private static List<Float> firstColumn(Batches b) {
        List<Float> seen = new ArrayList<>();
        for (Batches.Batch batch : b) {
            for (float v : batch.x().data()) {
                seen.add(v);
            }
        }
        return seen;
    }

    @Test
    void seededShufflePartialLastBatchAndDropLast() {
        Dataset d = counting(10);
        Batches b = new Batches(d, 4, true, 5, 0, false);
        assertEquals(3, b.count());
        List<Float> e0 = firstColumn(b);
        assertEquals(10, e0.size());
        assertEquals(e0, firstColumn(new Batches(d, 4, true, 5, 0, false)), "same seed and epoch, same order");
        assertTrue(!e0.equals(firstColumn(new Batches(d, 4, true, 5, 1, false))), "each epoch its own order");
        assertEquals(8, firstColumn(new Batches(d, 4, true, 5, 0, true)).size());
        assertEquals(List.of(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f), firstColumn(new Batches(d, 4, false, 5, 0, false)));
        int[] expected = Dataset.epochOrder(10, true, 5, 0);
        float[] got = new float[10];
        for (int i = 0; i < 10; i++) {
            got[i] = e0.get(i);
        }
        assertArrayEquals(Arrays.stream(expected).mapToDouble(v -> v).toArray(), MnistTest.toDouble(got), "Dataset.epochOrder");
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
