package dev.cnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void permuteReordersAxesAsNumpyTransposeDoes() {
        Tensor nchw = Tensor.zeros(2, 3, 4, 5);
        for (int i = 0; i < nchw.size(); i++) {
            nchw.data()[i] = i;
        }
        Tensor nhwc = nchw.permute(0, 2, 3, 1);
        assertArrayEquals(new int[] {2, 4, 5, 3}, nhwc.shape());
        // element (n, h, w, c) of the result is element (n, c, h, w) of the source
        assertEquals(nchw.get(1, 2, 3, 4), nhwc.get(1, 3, 4, 2));
        assertEquals(((1 * 3 + 2) * 4 + 3) * 5 + 4, nhwc.get(1, 3, 4, 2));
        assertArrayEquals(nchw.data(), nhwc.permute(0, 3, 1, 2).data());
        assertThrows(IllegalArgumentException.class, () -> nchw.permute(0, 1, 1, 2));
    }

    @Test
    void rowMajorIndexing() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2);
        assertEquals(7f, t.get(1, 0, 1));
        assertEquals(11f, t.get(1, 2, 1));
        t.set(-1f, 0, 2, 0);
        assertEquals(-1f, t.data()[4]);
    }

    @Test
    void reshapeSharesDataAndInfersOneDimension() {
        Tensor t = Tensor.zeros(4, 6);
        Tensor r = t.reshape(2, -1, 3);
        Assertions2.assertShape(r, 2, 4, 3);
        r.set(5f, 1, 3, 2);
        assertEquals(5f, t.get(3, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 5));
        assertTrue(e.getMessage().contains("(4, 6)"), e.getMessage());
    }

    @Test
    void copyIsDeepAndFillSetsEverything() {
        Tensor t = Tensor.full(2f, 3);
        Tensor c = t.copy().fill(7f);
        assertNotSame(t.data(), c.data());
        assertEquals(2f, t.get(1));
        assertEquals(7f, c.get(2));
        assertEquals(7.0, c.mean(), 0);
    }

    @Test
    void badIndicesAndShapesNameTheShape() {
        Tensor t = Tensor.zeros(2, 3);
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> t.get(1));
        assertTrue(rank.getMessage().contains("(2, 3)"), rank.getMessage());
        IllegalArgumentException bounds = assertThrows(IllegalArgumentException.class, () -> t.get(1, 3));
        assertTrue(bounds.getMessage().contains("axis 1"), bounds.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> t.requireShape("weights", 3, 2));
        assertEquals("weights: expected shape [3, 2] but got (2, 3)", shape.getMessage());
    }

    @Test
    void allFiniteFindsEveryNaNAndInfinityWhereverItIs() {
        for (int n = 0; n < 70; n++) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (i % 7 - 3) * 1e30f;
            }
            org.junit.jupiter.api.Assertions.assertTrue(Tensor.allFinite(v), "length " + n);
            for (int i = 0; i < n; i++) {
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                    float keep = v[i];
                    v[i] = bad;
                    org.junit.jupiter.api.Assertions.assertFalse(Tensor.allFinite(v), bad + " at " + i + " of " + n);
                    v[i] = keep;
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(Tensor.allFinite(new float[] {Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.MIN_VALUE}));
    }
}
