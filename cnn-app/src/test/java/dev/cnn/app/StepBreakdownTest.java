package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-layer step profile that {@code cnn bench --breakdown} prints. */
class StepBreakdownTest {
    @Test
    void digitsProfileHasEveryLayerAndItsSharesAddUpToTheStep() {
        Map<String, double[]> p = StepBreakdown.layerProfile(Task.DIGITS, 3);
        assertEquals(List.of("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "fc1", "relu3", "fc2", "sigmoid", "other",
                "stepMs"), List.copyOf(p.keySet()));
        double sum = 0;
        for (Map.Entry<String, double[]> e : p.entrySet()) {
            if (e.getValue().length == 2) {
                assertTrue(e.getValue()[0] >= 0 && e.getValue()[1] >= 0, e.getKey() + " has a negative share");
                sum += e.getValue()[0] + e.getValue()[1];
            }
        }
        // each layer's forward and backward time counted once: the layers and the rest make the whole step
        assertEquals(1.0, sum + p.get("other")[0], 1e-9);
        assertTrue(sum <= 1.0, "layers took more than the step: " + sum);
        assertTrue(p.get("conv2")[1] > 0 && p.get("stepMs")[0] > 0);
    }
}
