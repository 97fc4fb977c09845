package dev.cnn.core;

import java.util.Arrays;

/** A {@link Dataset} over an input tensor and a target tensor that share their first axis. */
final class TensorDataset implements Dataset {
    private final Tensor x;
    private final Tensor y;
    private final int xLen;
    private final int yLen;

    TensorDataset(Tensor x, Tensor y) {
        if (x.rank() < 1 || y.rank() < 1 || x.dim(0) != y.dim(0)) {
            throw new IllegalArgumentException("inputs " + x.shapeString() + " and targets " + y.shapeString()
                    + " must have the same number of samples on their first axis");
        }
        this.x = x;
        this.y = y;
        this.xLen = x.dim(0) == 0 ? 0 : x.size() / x.dim(0);
        this.yLen = y.dim(0) == 0 ? 0 : y.size() / y.dim(0);
    }

    @Override
    public int size() {
        return x.dim(0);
    }

    @Override
    public int[] sampleShape() {
        return Arrays.copyOfRange(x.shape(), 1, x.rank());
    }

    @Override
    public int[] targetShape() {
        return Arrays.copyOfRange(y.shape(), 1, y.rank());
    }

    @Override
    public void fill(int[] indices, int from, int to, float[] xb, float[] yb) {
        for (int i = from; i < to; i++) {
            int s = indices[i];
            System.arraycopy(x.data(), s * xLen, xb, (i - from) * xLen, xLen);
            if (yb != null) {
                System.arraycopy(y.data(), s * yLen, yb, (i - from) * yLen, yLen);
            }
        }
    }
}
