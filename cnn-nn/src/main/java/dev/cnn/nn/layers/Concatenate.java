package dev.cnn.nn.layers;

import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Joins two or more inputs along the channel axis (the last axis of an NHWC sample, or of a flat one):
 * samples {@code (h, w, c1)} and {@code (h, w, c2)} give {@code (h, w, c1 + c2)}, the first input's
 * channels first — SqueezeNet's fire module and Inception's branches; Keras's {@code Concatenate()} and
 * ONNX's {@code Concat} on axis 1 of NCHW. Every other axis must agree. No parameters.
 */
public final class Concatenate implements MultiInputLayer {
    private final Buffers out = new Buffers();
    private final List<Buffers> dIn = new ArrayList<>();
    private Workspace workspace;
    private int[] channels = new int[0];

    @Override
    public String type() {
        return "Concatenate";
    }

    @Override
    public int[] outputShape(List<int[]> inputShapes) {
        if (inputShapes.size() < 2) {
            throw new IllegalArgumentException("Concatenate needs at least two inputs, got " + inputShapes.size());
        }
        int[] first = inputShapes.get(0);
        int[] result = first.clone();
        int last = first.length - 1;
        long sum = 0;
        for (int[] s : inputShapes) {
            boolean agree = s.length == first.length;
            for (int d = 0; agree && d < last; d++) {
                agree = s[d] == first[d];
            }
            if (!agree) {
                throw new IllegalArgumentException("Concatenate joins inputs along the last (channel) axis, so every other "
                        + "axis must agree, got " + Add.shapes(inputShapes));
            }
            sum += s[last];
        }
        result[last] = Math.toIntExact(sum);
        return result;
    }

    @Override
    public Tensor forward(List<Tensor> xs) {
        List<int[]> shapes = new ArrayList<>();
        for (Tensor x : xs) {
            shapes.add(x.shape());
        }
        int[] outShape = outputShape(shapes);
        int k = xs.size();
        channels = new int[k];
        for (int i = 0; i < k; i++) {
            channels[i] = xs.get(i).dim(xs.get(i).rank() - 1);
        }
        Tensor y = out.get(outShape);
        int total = outShape[outShape.length - 1];
        int rows = y.size() / total;
        float[] o = y.data();
        int offset = 0;
        for (int i = 0; i < k; i++) {
            float[] a = xs.get(i).data();
            int c = channels[i];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(a, r * c, o, r * total + offset, c);
            }
            offset += c;
        }
        return y;
    }

    @Override
    public List<Tensor> backwardAll(Tensor dy) {
        int total = dy.dim(dy.rank() - 1);
        int rows = dy.size() / total;
        while (dIn.size() < channels.length) {
            Buffers b = new Buffers();
            b.lendFrom(workspace);
            dIn.add(b);
        }
        List<Tensor> grads = new ArrayList<>(channels.length);
        float[] g = dy.data();
        int offset = 0;
        for (int i = 0; i < channels.length; i++) {
            int c = channels[i];
            int[] shape = dy.shape();
            shape[shape.length - 1] = c;
            Tensor dx = dIn.get(i).get(shape);
            float[] d = dx.data();
            for (int r = 0; r < rows; r++) {
                System.arraycopy(g, r * total + offset, d, r * c, c);
            }
            offset += c;
            grads.add(dx);
        }
        return grads;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Layer copySharingParameters() {
        return new Concatenate();
    }

    /** Lends the inputs' gradients from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        workspace = ws;
        for (Buffers b : dIn) {
            b.lendFrom(ws);
        }
        out.lendOutputsFrom(ws);
    }
}
