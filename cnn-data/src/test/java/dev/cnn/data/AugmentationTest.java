package dev.cnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    /** n images 7x7x1 with a single 1 at (3, 3) and the index in the corner (0, 0). */
    private static Dataset dots(int n) {
        Tensor x = Tensor.zeros(n, 7, 7, 1);
        for (int i = 0; i < n; i++) {
            x.set(1f, i, 3, 3, 0);
        }
        return Dataset.of(x, Tensor.zeros(n, 1));
    }

    private static float[] fill(Dataset d, int... indices) {
        float[] x = new float[indices.length * 49];
        d.fill(indices, 0, indices.length, x, new float[indices.length]);
        return x;
    }

    @Test
    void shiftsMoveTheDotByWholePixelsWithinTheBound() {
        Dataset aug = new Augmentation(2, 0, Augmentation.Fill.ZERO).apply(dots(200), 5);
        float[] x = fill(aug, java.util.stream.IntStream.range(0, 200).toArray());
        boolean moved = false;
        for (int i = 0; i < 200; i++) {
            int at = -1;
            for (int p = 0; p < 49; p++) {
                float v = x[i * 49 + p];
                assertTrue(v == 0f || v == 1f, "whole-pixel shifts do not blur: " + v);
                if (v == 1f) {
                    at = p;
                }
            }
            int row = at / 7;
            int col = at % 7;
            assertTrue(Math.abs(row - 3) <= 2 && Math.abs(col - 3) <= 2, "sample " + i + " at " + row + "," + col);
            moved |= row != 3 || col != 3;
        }
        assertTrue(moved);
    }

    @Test
    void rotationTurnsAboutTheCentre() {
        Augmentation a = new Augmentation(0, 90, Augmentation.Fill.ZERO);
        float[] src = new float[9];
        src[1] = 1f; // (0, 1): top middle of a 3x3 image
        float[] dst = new float[9];
        a.transform(src, 0, dst, 0, 3, 3, 1, 0, 0, Math.PI / 2);
        // a quarter turn moves the top middle to a side middle, nothing else lit, mass kept
        assertEquals(1f, dst[3] + dst[5], 1e-6f);
        assertEquals(1f, Math.max(dst[3], dst[5]), 1e-6f);
        float[] none = new float[9];
        a.transform(src, 0, none, 0, 3, 3, 1, 0, 0, 0);
        assertArrayEquals(src, none, "angle 0, no shift: the identity");
        float[] edge = new float[9];
        new Augmentation(1, 0, Augmentation.Fill.EDGE).transform(src, 0, edge, 0, 3, 3, 1, 1, 0, 0);
        assertEquals(1f, edge[1], "shifted down by one, the top row repeats the edge");
        assertEquals(1f, edge[4]);
    }

    @Test
    void drawsDependOnSeedEpochAndSampleOnly() {
        Dataset base = dots(10);
        Dataset a = new Augmentation(2, 15, Augmentation.Fill.ZERO).apply(base, 9);
        Dataset b = new Augmentation(2, 15, Augmentation.Fill.ZERO).apply(base, 9);
        assertArrayEquals(fill(a, 3), fill(b, 3));
        assertArrayEquals(fill(a, 3), java.util.Arrays.copyOfRange(fill(a, 7, 3), 49, 98), "any batch order");
        float[] epoch0 = fill(a, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        a.beginEpoch(1);
        assertFalse(java.util.Arrays.equals(epoch0, fill(a, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), "another epoch, other draws");
        a.beginEpoch(0);
        assertArrayEquals(epoch0, fill(a, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        Dataset other = new Augmentation(2, 15, Augmentation.Fill.ZERO).apply(base, 10);
        assertFalse(java.util.Arrays.equals(epoch0, fill(other, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(-1, 0, Augmentation.Fill.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new Augmentation(1, 5, Augmentation.Fill.ZERO).apply(Dataset.of(Tensor.zeros(2, 4), Tensor.zeros(2, 1)), 1));
    }
}
