package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.TrainOptions;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.onnx.OnnxExport;
import dev.cnn.nn.optimizers.Adam;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The digits and mnist networks, trained briefly on the real data, exported to ONNX and run in ONNX
 * Runtime on every test image: the outputs match cnn's within 1e-5 and every predicted class agrees.
 */
@Tag("real-data")
class OnnxRealDataTest {
    private static final Path ROOT = Path.of(System.getProperty("cnn.datasets", "../../shared/datasets"));

    @Test
    void digitsModelRunsTheSameInOnnxRuntime() throws Exception {
        check(Task.DIGITS, 1.0);
    }

    @Test
    void mnistModelRunsTheSameInOnnxRuntime() throws Exception {
        check(Task.MNIST, 0.1);
    }

    private static void check(Task task, double trainShare) throws Exception {
        TaskData d = TaskData.forTraining(task, ROOT, 0.1, 1, false);
        Model m = task.build(Init.HE, new Adam(0.002), 1, d.train.sampleShape(), 0);
        Dataset train = d.train;
        if (trainShare < 1) {
            int[] first = new int[(int) (train.size() * trainShare)];
            for (int i = 0; i < first.length; i++) {
                first[i] = i;
            }
            train = Dataset.subset(train, first);
        }
        m.train(train, TrainOptions.defaults().withEpochs(1).withBatchSize(task.batchSize).withVerbose(false));
        Tensor x = d.test.inputs(0, d.test.size());
        float[] cnn = m.predict(x).data();
        float[] onnx = run(OnnxExport.toBytes(m), x);
        assertEquals(cnn.length, onnx.length);
        int per = cnn.length / x.dim(0);
        double worst = 0;
        int disagreements = 0;
        for (int i = 0; i < x.dim(0); i++) {
            for (int j = 0; j < per; j++) {
                worst = Math.max(worst, Math.abs(cnn[i * per + j] - onnx[i * per + j]));
            }
            int a = per == 1 ? (cnn[i] >= 0.5f ? 1 : 0) : Tensor.argmax(cnn, i * per, per);
            int b = per == 1 ? (onnx[i] >= 0.5f ? 1 : 0) : Tensor.argmax(onnx, i * per, per);
            disagreements += a == b ? 0 : 1;
        }
        System.out.printf("%s: %d test images, largest |onnx - cnn| %.3g, predicted classes differing: %d%n", task.id,
                x.dim(0), worst, disagreements);
        assertTrue(worst <= 1e-5, task.id + ": largest difference " + worst);
        assertEquals(0, disagreements, task.id);
    }

    private static float[] run(byte[] model, Tensor x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(model, options);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()),
                         new long[] {x.dim(0), x.dim(1), x.dim(2), x.dim(3)});
                 OrtSession.Result result = session.run(Map.of("input", input))) {
                FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] f = new float[out.remaining()];
                out.get(f);
                return f;
            }
        }
    }
}
