package dev.cnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatasetTest {
    /** Five samples of shape (2,): sample i holds (i, 10 i); target i is (100 i). */
    private static Dataset five() {
        Tensor x = Tensor.zeros(5, 2);
        Tensor y = Tensor.zeros(5, 1);
        for (int i = 0; i < 5; i++) {
            x.set(i, i, 0);
            x.set(10 * i, i, 1);
            y.set(100 * i, i, 0);
        }
        return Dataset.of(x, y);
    }

    @Test
    void rangeAndTakeAreViewsInOrder() {
        Dataset d = five();
        Dataset mid = d.range(1, 4);
        assertEquals(3, mid.size());
        assertArrayEquals(new float[] {1, 10, 2, 20, 3, 30}, mid.inputs().data());
        assertArrayEquals(new float[] {100, 200, 300}, mid.targets().data());
        assertArrayEquals(new int[] {3, 2}, mid.inputs().shape());
        assertArrayEquals(new float[] {0, 0, 1, 10}, d.take(2).inputs().data());
        assertEquals(5, d.take(50).size(), "take of more than there are is all of them");
        assertEquals(0, d.take(0).size());
        assertArrayEquals(new float[] {300}, mid.range(2, 3).targets().data(), "a view of a view");
        assertThrows(IllegalArgumentException.class, () -> d.range(3, 6));
        assertThrows(IllegalArgumentException.class, () -> d.range(3, 2));
        assertThrows(IllegalArgumentException.class, () -> d.take(-1));
    }
}
