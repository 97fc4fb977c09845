package dev.cnn.nn.layers;

import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import java.util.Map;

/**
 * The mean of every channel over the whole image: NHWC {@code (batch, h, w, c)} to {@code (batch, c)}, as
 * Keras's {@code GlobalAveragePooling2D}. Sums in double. No parameters.
 */
public final class GlobalAveragePooling2D implements Layer {
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private int[] inputShape;

    @Override
    public String type() {
        return "GlobalAveragePooling2D";
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException("GlobalAveragePooling2D expects samples of shape (h, w, channels) but got "
                    + Tensor.shapeText(inputShape));
        }
        return new int[] {inputShape[2]};
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = Shapes.sample(x);
        int c = outputShape(s)[0];
        int n = x.dim(0);
        int area = s[0] * s[1];
        inputShape = x.shape();
        Tensor y = out.get(n, c);
        float[] a = x.data();
        float[] o = y.data();
        double[] sum = new double[c];
        for (int b = 0; b < n; b++) {
            java.util.Arrays.fill(sum, 0);
            int base = b * area * c;
            for (int p = 0; p < area; p++) {
                for (int j = 0; j < c; j++) {
                    sum[j] += a[base + p * c + j];
                }
            }
            for (int j = 0; j < c; j++) {
                o[b * c + j] = (float) (sum[j] / area);
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        int n = inputShape[0];
        int c = inputShape[3];
        int area = inputShape[1] * inputShape[2];
        dy.requireShape("GlobalAveragePooling2D output gradient", n, c);
        Tensor dx = dIn.get(inputShape);
        float[] d = dy.data();
        float[] o = dx.data();
        float scale = 1f / area;
        for (int b = 0; b < n; b++) {
            for (int p = 0; p < area; p++) {
                for (int j = 0; j < c; j++) {
                    o[(b * area + p) * c + j] = d[b * c + j] * scale;
                }
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    public Layer copySharingParameters() {
        return new GlobalAveragePooling2D();
    }

    /** Lends the input gradient from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
