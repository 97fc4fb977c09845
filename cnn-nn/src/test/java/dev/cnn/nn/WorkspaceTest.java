package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Add;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Concatenate;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.layers.Pool2D;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A network's layers sharing one {@link Workspace}: the gradients a backward pass borrows are given back as
 * soon as they are read, which changes no value (every parameter gradient equals, bit for bit, the one the
 * same layers compute on buffers of their own) and bounds the memory by what is alive at once.
 */
class WorkspaceTest {
    private static final int BATCH = 5;

    /**
     * Ten 3x3 convolutions with tanh, a fork into a residual Add and a concatenated side branch, batch norm,
     * pooling, a reshape (Flatten returns a view of its gradient) and a fully connected layer.
     */
    private static Model.Builder network(long seed) {
        Model.Builder b = Model.builder(8, 8, 2).seed(seed);
        b.add("c0", new Conv2D(6, 3, 1, Padding.SAME, Init.HE)).add("t0", Activation.tanh());
        for (int i = 1; i < 10; i++) {
            b.add("c" + i, new Conv2D(6, 3, 1, Padding.SAME, Init.HE)).add("t" + i, Activation.tanh());
        }
        b.add("bn", new BatchNorm()).add("add", new Add(), "bn", "t4")
                .add("side", new Conv2D(2, 1), "t2").add("cat", new Concatenate(), "add", "side", "add")
                .add("pool", new Pool2D(2, 2, dev.cnn.core.PoolMode.MAX)).add("flat", new Flatten())
                .add("fc", new FullyConnected(3)).add("out", Activation.softmax());
        return b;
    }

    @Test
    void borrowedGradientsChangeNoValueAndTakeTheMemoryOfThoseAliveAtOnce() {
        Model m = network(11).build();
        List<Layer> shared = m.layers();
        Workspace ws = new Workspace();
        List<Layer> own = new ArrayList<>();
        for (Layer l : shared) {
            Layer c = l.copySharingParameters();
            c.setTraining(true, 0);
            own.add(c);
            l.setWorkspace(ws);
            l.setTraining(true, 0);
        }
        List<String> names = m.layerNames();
        List<List<String>> inputs = new ArrayList<>();
        for (String n : names) {
            inputs.add(m.inputsOf(n));
        }
        Graph graph = Graph.of(names, inputs);
        Graph.Pass lending = new Graph.Pass(graph, ws);
        Graph.Pass owning = new Graph.Pass(graph);
        NumpyRandom rng = new NumpyRandom(12);
        for (int step = 0; step < 3; step++) {
            int n = step == 2 ? BATCH - 2 : BATCH; // a smaller last batch takes arrays of its own shapes
            Tensor x = rng.randn(n, 8, 8, 2);
            Tensor dOut = rng.randn(n, 3);
            assertArrayEquals(owning.forward(own, x).data(), lending.forward(shared, x).data());
            lending.backward(shared, dOut, false);
            owning.backward(own, dOut, false);
            for (int i = 0; i < shared.size(); i++) {
                List<Parameter> a = shared.get(i).parameters();
                List<Parameter> b = own.get(i).parameters();
                for (int k = 0; k < a.size(); k++) {
                    assertArrayEquals(b.get(k).grad().data(), a.get(k).grad().data(),
                            "step " + step + ", " + names.get(i) + "." + a.get(k).name());
                }
            }
            // 30 layers return input gradients, 23 of them (n, 8, 8, 6); the most alive at once, by shape, per
            // sample: (8, 8, 6) x4 (the residual and t2's fork sums, t4's fork sum, a gradient being written),
            // (8, 8, 14) x1, (8, 8, 2) x1, (4, 4, 14) x1 and the softmax's (3) x1; after the smaller batch both
            // batch sizes' arrays are kept
            long perSample = 4L * (4 * 8 * 8 * 6 + 8 * 8 * 14 + 8 * 8 * 2 + 4 * 4 * 14 + 3);
            assertEquals(perSample * (step == 2 ? BATCH + n : BATCH), ws.tensorBytes(), "step " + step);
        }
    }

    @Test
    void inferenceGivesEachOutputBackOnceItsReadersHaveRun() {
        Model m = network(13).build();
        List<Layer> shared = new ArrayList<>();
        Workspace ws = Workspace.forInference();
        for (Layer l : m.layers()) {
            Layer c = l.copySharingParameters();
            c.setTraining(false, 0);
            c.setWorkspace(ws);
            shared.add(c);
        }
        List<List<String>> inputs = new ArrayList<>();
        for (String n : m.layerNames()) {
            inputs.add(m.inputsOf(n));
        }
        Graph.Pass lending = new Graph.Pass(Graph.of(m.layerNames(), inputs), ws);
        NumpyRandom rng = new NumpyRandom(14);
        for (int step = 0; step < 3; step++) {
            Tensor x = rng.randn(BATCH, 8, 8, 2);
            Tensor expected = m.predict(x); // the model's own inference copies
            assertArrayEquals(expected.data(), lending.forward(shared, x).data(), "step " + step);
            // 31 outputs, 21 of them (n, 8, 8, 6); alive at once, per sample: (8, 8, 6) x4 (t2 until side runs,
            // t4 until add, a convolution's input and output), (8, 8, 14), (8, 8, 2), (4, 4, 14) and the
            // softmax's (3) and its input (3), both kept for the caller after the pass
            long perSample = 4L * (4 * 8 * 8 * 6 + 8 * 8 * 14 + 8 * 8 * 2 + 4 * 4 * 14 + 2 * 3);
            assertEquals(perSample * BATCH, ws.tensorBytes(), "step " + step);
        }
    }
}
