package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.nn.io.ModelIO.ModelFormatException;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.onnx.OnnxExport;
import dev.cnn.nn.onnx.OnnxImport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Importing what cnn exports gives back the same function: chains and graphs with every exported layer type,
 * batch norm folded into the convolution before it (with statistics far from 0 and 1), within float rounding
 * of the source model's outputs.
 */
class OnnxImportTest {
    private final NumpyRandom rng = new NumpyRandom(31);

    /** Random batch-norm statistics and scales, so that folding them is tested on values that matter. */
    private void perturb(Model m) {
        for (Layer l : m.layers()) {
            if (l instanceof BatchNorm) {
                for (Parameter p : l.parameters()) {
                    float[] v = p.value().data();
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (p.name().equals("gamma") ? 0.5 + rng.nextDouble() : rng.nextGaussian() * 0.3);
                    }
                }
                float[] mean = l.state().get("movingMean").data();
                float[] var = l.state().get("movingVariance").data();
                for (int i = 0; i < mean.length; i++) {
                    mean[i] = (float) (rng.nextGaussian() * 0.5);
                    var[i] = (float) (0.3 + 2 * rng.nextDouble());
                }
            }
        }
    }

    /** The largest difference between the source's and the import's outputs, relative to the largest output. */
    private static double roundTrip(Model m, Tensor x, String what) throws Exception {
        Model back = OnnxImport.fromBytes(OnnxExport.toBytes(m), what + ".onnx");
        float[] expected = m.predict(x).data();
        float[] got = back.predict(x).data();
        assertEquals(expected.length, got.length, what);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - got[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertTrue(worst <= 1e-5 * Math.max(1, scale), what + ": difference " + worst + " at output scale " + scale);
        assertEquals(what + ".onnx", back.metadata().get("importedFrom"));
        return worst;
    }

    @Test
    void resNetMobileNetAndSqueezeNetBlocksComeBackAsTheyWere() throws Exception {
        Model m = GraphTest.standardBlocks(5);
        perturb(m);
        roundTrip(m, rng.randn(4, 8, 8, 3), "standard blocks");
        Model residual = GraphTest.residual(6);
        perturb(residual);
        roundTrip(residual, rng.randn(3, 6, 6, 2), "residual with a side branch");
    }

    @Test
    void aChainWithPaddedPoolingAndADenseHeadComesBack() throws Exception {
        Model m = Model.builder(11, 11, 2).seed(2)
                .add("conv1", new Conv2D(6, 3, 2, Padding.SAME, Init.HE))
                .add("bn1", new BatchNorm())
                .add("relu1", Activation.relu6())
                .add("pool1", new Pool2D(3, 3, 2, 2, 1, 1, true, false, PoolMode.MAX))
                .add("conv2", new Conv2D(4, 1))
                .add("tanh", Activation.tanh())
                .add("pool2", new Pool2D(2, 2, 1, 1, 1, 1, false, true, PoolMode.AVERAGE))
                .add("flat", new Flatten())
                .add("fc1", new FullyConnected(7))
                .add("sigmoid", Activation.sigmoid())
                .add("fc2", new FullyConnected(3))
                .add("softmax", Activation.softmax())
                .build();
        perturb(m);
        roundTrip(m, rng.randn(5, 11, 11, 2), "padded chain");
        Model names = OnnxImport.fromBytes(OnnxExport.toBytes(m), "chain.onnx");
        // conv1 absorbed bn1; the names of the nodes survive
        assertTrue(names.layerNames().containsAll(List.of("conv1", "relu1", "pool1", "fc2", "softmax")),
                names.layerNames().toString());
        assertTrue(!names.layerNames().contains("bn1"), names.layerNames().toString());
    }

    @Test
    void whatIsNotOnnxIsOneFormatError() {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxImport.fromBytes(new byte[] {8, 7, 0x3a, 100, 1}, "short.onnx"));
        assertTrue(e.getMessage().startsWith("short.onnx: "), e.getMessage());
        ModelFormatException none = assertThrows(ModelFormatException.class,
                () -> OnnxImport.fromBytes(new byte[0], "empty.onnx"));
        assertTrue(none.getMessage().contains("no graph"), none.getMessage());
    }
}
