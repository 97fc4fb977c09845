package dev.cnn.nn.layers;

import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The elementwise sum of two or more inputs of one shape: the residual connection of ResNet and
 * MobileNetV2 ({@code y = F(x) + x}), as Keras's {@code Add} and ONNX's {@code Add}. No parameters; the
 * gradient of each input is the output's gradient.
 */
public final class Add implements MultiInputLayer {
    private final Buffers out = new Buffers();
    private int inputs;

    @Override
    public String type() {
        return "Add";
    }

    @Override
    public int[] outputShape(List<int[]> inputShapes) {
        if (inputShapes.size() < 2) {
            throw new IllegalArgumentException("Add needs at least two inputs, got " + inputShapes.size());
        }
        int[] first = inputShapes.get(0);
        for (int i = 1; i < inputShapes.size(); i++) {
            if (!java.util.Arrays.equals(first, inputShapes.get(i))) {
                throw new IllegalArgumentException("Add needs inputs of one shape, got " + shapes(inputShapes));
            }
        }
        return first.clone();
    }

    static String shapes(List<int[]> inputShapes) {
        List<String> s = new ArrayList<>();
        for (int[] shape : inputShapes) {
            s.add(Tensor.shapeText(shape));
        }
        return String.join(" and ", s);
    }

    @Override
    public Tensor forward(List<Tensor> xs) {
        List<int[]> shapes = new ArrayList<>();
        for (Tensor x : xs) {
            shapes.add(x.shape());
        }
        outputShape(shapes);
        inputs = xs.size();
        Tensor y = out.get(xs.get(0).shape());
        float[] o = y.data();
        float[] a = xs.get(0).data();
        float[] b = xs.get(1).data();
        for (int i = 0; i < o.length; i++) {
            o[i] = a[i] + b[i];
        }
        for (int k = 2; k < xs.size(); k++) {
            float[] c = xs.get(k).data();
            for (int i = 0; i < o.length; i++) {
                o[i] += c[i];
            }
        }
        return y;
    }

    @Override
    public List<Tensor> backwardAll(Tensor dy) {
        return Collections.nCopies(inputs, dy);
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Layer copySharingParameters() {
        return new Add();
    }

    /** Lends the output from an inference workspace (the inputs' gradient is the output's, passed through). */
    @Override
    public void setWorkspace(Workspace ws) {
        out.lendOutputsFrom(ws);
    }
}
