package dev.cnn.core.kernel;

import dev.cnn.core.Tensor;

/**
 * The sizes of one 2-D pooling on NHWC input {@code (n, h, w, c)} with a {@code fh x fw} window and
 * per-axis stride, no padding: output {@code (n, (h - fh) / strideH + 1, (w - fw) / strideW + 1, c)}.
 */
public record PoolGeometry(int n, int h, int w, int c, int fh, int fw, int strideH, int strideW) {

    /** Validates the sizes, naming what was expected in any error. */
    public PoolGeometry {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got (" + strideH + ", " + strideW + ")");
        }
        if (fh < 1 || fw < 1) {
            throw new IllegalArgumentException("pool window must be >= 1, got " + fh + "x" + fw);
        }
        if (fh > h || fw > w) {
            throw new IllegalArgumentException("pool window " + fh + "x" + fw + " is larger than the input "
                    + h + "x" + w);
        }
    }

    /** Geometry of pooling {@code x} {@code (n, h, w, c)}. */
    public static PoolGeometry of(Tensor x, int fh, int fw, int strideH, int strideW) {
        x.requireRank("pooling input (n, h, w, c)", 4);
        return new PoolGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), fh, fw, strideH, strideW);
    }

    /** Output height: {@code (h - fh) / strideH + 1}. */
    public int outH() {
        return (h - fh) / strideH + 1;
    }

    /** Output width: {@code (w - fw) / strideW + 1}. */
    public int outW() {
        return (w - fw) / strideW + 1;
    }

    /** The input shape {@code (n, h, w, c)}. */
    public int[] inputShape() {
        return new int[] {n, h, w, c};
    }

    /** The output shape {@code (n, outH, outW, c)}. */
    public int[] outputShape() {
        return new int[] {n, outH(), outW(), c};
    }
}
