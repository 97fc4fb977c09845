package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.Threads;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.Adam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTest {

    static Model smallCnn(long seed) {
        NumpyRandom rng = new NumpyRandom(seed);
        return Model.builder(8, 8, 1)
                .add("conv1", new Conv2D(1, 4, 3, 1, Padding.SAME, Init.HE, rng))
                .add("relu1", Activation.relu())
                .add("pool1", new Pool2D(2, 2, PoolMode.MAX))
                .add("fc1", new FullyConnected(64, 8, Init.HE, rng))
                .add("relu2", Activation.relu())
                .add("fc2", new FullyConnected(8, 1, Init.XAVIER, rng))
                .add("sigmoid", Activation.sigmoid())
                .loss(Loss.BINARY_CROSS_ENTROPY)
                .optimizer(new Adam(0.01))
                .build();
    }

    /** Images with a bright left or right half plus noise; label 1 for right. */
    static Dataset halves(int n, long seed) {
        NumpyRandom r = new NumpyRandom(seed);
        Tensor x = r.randn(n, 8, 8, 1);
        Tensor y = Tensor.zeros(n, 1);
        for (int i = 0; i < n; i++) {
            boolean right = i % 2 == 1;
            y.set(right ? 1f : 0f, i, 0);
            for (int h = 0; h < 8; h++) {
                for (int w = 0; w < 8; w++) {
                    if ((w >= 4) == right) {
                        x.set(x.get(i, h, w, 0) * 0.3f + 1.5f, i, h, w, 0);
                    }
                }
            }
        }
        return Dataset.of(x, y);
    }

    @Test
    void overfitsSixteenSamples() {
        Model m = smallCnn(1);
        Dataset d = halves(16, 3);
        double first = m.evaluate(d, 16).loss();
        m.train(d, TrainOptions.defaults().withEpochs(150).withBatchSize(16).withVerbose(false));
        double last = m.evaluate(d, 16).loss();
        assertTrue(first > 0.3, "initial loss " + first);
        assertTrue(last < 1e-3, "loss after overfitting " + last);
        assertEquals(1.0, m.evaluate(d, 16).classification().accuracy());
        assertEquals(150, m.history().epochs());
    }

    @Test
    void sameSeedSameThreadsGivesBitIdenticalWeights() {
        Threads.setCount(2);
        float[][] runs = new float[2][];
        for (int run = 0; run < 2; run++) {
            Model m = smallCnn(7);
            m.train(halves(100, 5), TrainOptions.defaults().withEpochs(3).withBatchSize(8).withShuffle(true, 11)
                    .withVerbose(false));
            runs[run] = flatWeights(m);
        }
        assertArrayEquals(runs[0], runs[1]);
        Threads.setCount(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void epochOrderIsSeededPerEpoch() {
        assertArrayEquals(Dataset.epochOrder(50, true, 3, 4), Dataset.epochOrder(50, true, 3, 4));
        assertTrue(!Arrays.equals(Dataset.epochOrder(50, true, 3, 4), Dataset.epochOrder(50, true, 3, 5)));
        assertArrayEquals(new int[] {0, 1, 2}, Dataset.epochOrder(3, false, 3, 4));
    }

    @Test
    void listenerSeesEveryBatchAndStopRequestStopsAfterTheCurrentBatch() {
        Model m = smallCnn(2);
        List<String> events = new ArrayList<>();
        TrainingListener l = new TrainingListener() {
            @Override
            public void onBatchEnd(int epoch, int batch, int batches, int batchSize, double loss) {
                events.add(epoch + ":" + batch + "/" + batches + "x" + batchSize);
                if (epoch == 1 && batch == 1) {
                    m.requestStop();
                }
            }
        };
        m.train(halves(20, 1), TrainOptions.defaults().withEpochs(5).withBatchSize(8).withListener(l).withVerbose(false));
        assertEquals(List.of("0:0/3x8", "0:1/3x8", "0:2/3x4", "1:0/3x8", "1:1/3x8"), events);
        assertEquals(1, m.epochsDone());
        assertEquals(2, m.batchesDoneInEpoch());
    }

    @Test
    void aNetworkTooLargeForTheHeapIsRefusedBeforeAnyLayerIsBuilt() {
        // twice what the heap holds as weights and gradients (8 bytes a value), whatever -Xmx is
        int units = (int) Math.min(Integer.MAX_VALUE / 460, Runtime.getRuntime().maxMemory() / 8 / 460 * 2);
        FullyConnected first = new FullyConnected(units);
        Model.Builder b = Model.builder(460).add("fc1", first).add("fc2", new FullyConnected(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        long parameters = 460L * units + units + units + 1;
        assertTrue(e.getMessage().startsWith(String.format(java.util.Locale.ROOT, "the network has %,d parameters and %,d "
                + "activation values per sample: it needs at least", parameters, units + 1L)), e.getMessage());
        assertThrows(IllegalStateException.class, first::parameters, "fc1 was never built");
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> Model.builder(100, 100, 3)
                .add("conv", new Conv2D(8, 3, 1, Padding.VALID, Init.HE)).add("flat", new Flatten())
                .add("fc", new FullyConnected(1)).add("big", new Conv2D(8, 3, 1, Padding.VALID, Init.HE)).build());
        assertTrue(shape.getMessage().startsWith("layer 'big' (Conv2D): Conv2D expects samples of shape (h, w, channels)"),
                shape.getMessage());
    }

    @Test
    void wrongShapesGetClearErrors() {
        Model m = smallCnn(1);
        IllegalArgumentException in = assertThrows(IllegalArgumentException.class,
                () -> m.train(Dataset.of(Tensor.zeros(4, 9, 9, 1), Tensor.zeros(4, 1)), TrainOptions.defaults()));
        assertTrue(in.getMessage().contains("(8, 8, 1)") && in.getMessage().contains("(9, 9, 1)"), in.getMessage());
        IllegalArgumentException out = assertThrows(IllegalArgumentException.class,
                () -> m.evaluate(Dataset.of(Tensor.zeros(4, 8, 8, 1), Tensor.zeros(4, 2)), 4));
        assertTrue(out.getMessage().contains("(2,)"), out.getMessage());
        IllegalArgumentException build = assertThrows(IllegalArgumentException.class, () -> Model.builder(8, 8, 1)
                .add("fc", new FullyConnected(10, 1, Init.HE, new NumpyRandom(1))).build());
        assertTrue(build.getMessage().contains("layer 'fc'") && build.getMessage().contains("64 values"),
                build.getMessage());
    }

    @Test
    void summaryListsLayersShapesAndCounts() {
        String s = smallCnn(1).summary();
        assertTrue(s.contains("conv1") && s.contains("(8, 8, 4)") && s.contains("40"), s);
        assertTrue(s.contains("fc1") && s.contains("520"), s);
        assertTrue(s.contains("total parameters: 569"), s);
    }

    static float[] flatWeights(Model m) {
        int n = 0;
        for (Parameter p : m.parameters().values()) {
            n += p.value().size();
        }
        float[] all = new float[n];
        int off = 0;
        for (Parameter p : m.parameters().values()) {
            System.arraycopy(p.value().data(), 0, all, off, p.value().size());
            off += p.value().size();
        }
        return all;
    }
}
