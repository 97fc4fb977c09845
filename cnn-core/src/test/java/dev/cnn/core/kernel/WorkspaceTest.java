package dev.cnn.core.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Tensor;
import org.junit.jupiter.api.Test;

/** Lending and giving back tensors: by shape, by array (any view), and at most two batch sizes kept. */
class WorkspaceTest {
    @Test
    void lentArraysComeBackByShapeAndOnlyTwoBatchSizesAreKept() {
        Workspace ws = new Workspace();
        Tensor a = ws.lend(4, 3);
        Tensor b = ws.lend(4, 3);
        assertNotSame(a.data(), b.data());
        assertTrue(ws.isLent(a) && ws.isLent(a.reshape(12)));
        ws.giveBack(a.reshape(2, 6)); // any view of the array gives it back
        assertFalse(ws.isLent(a));
        assertSame(a.data(), ws.lend(4, 3).data());
        assertNotSame(b.data(), ws.lend(4, 3).data());
        ws.giveBack(Tensor.zeros(4, 3)); // not lent here: ignored
        assertEquals(3 * 48L, ws.tensorBytes());
        ws.lend(2, 3);
        ws.reclaimAll(2, 4);
        assertEquals(3 * 48L + 24, ws.tensorBytes());
        ws.reclaimAll(1, 2); // the batch of 4 is gone
        assertEquals(24L, ws.tensorBytes());
        assertFalse(ws.isLent(b));
    }
}
