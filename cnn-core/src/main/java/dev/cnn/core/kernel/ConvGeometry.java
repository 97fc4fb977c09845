package dev.cnn.core.kernel;

import dev.cnn.core.Tensor;
import java.util.Arrays;

/**
 * The sizes of one 2-D convolution on NHWC input: input {@code (n, h, w, cIn)}, kernel
 * {@code (kh, kw, cIn, cOut)}, stride and symmetric zero padding per axis, output
 * {@code (n, outH, outW, cOut)} with {@code out = floor((in + 2·pad - k) / stride) + 1}.
 */
public record ConvGeometry(int n, int h, int w, int cIn, int kh, int kw, int cOut,
                           int strideH, int strideW, int padH, int padW) {

    /** Validates the sizes, naming what was expected in any error. */
    public ConvGeometry {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got (" + strideH + ", " + strideW + ")");
        }
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got (" + padH + ", " + padW + ")");
        }
        if (kh < 1 || kw < 1 || cIn < 1 || cOut < 1) {
            throw new IllegalArgumentException("kernel (" + kh + ", " + kw + ", " + cIn + ", " + cOut
                    + ") must have every dimension >= 1");
        }
        if ((long) h + 2L * padH > Integer.MAX_VALUE / 2 || (long) w + 2L * padW > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("padding (" + padH + ", " + padW + ") of a " + h + "x" + w
                    + " input is too large");
        }
        if (kh > h + 2 * padH || kw > w + 2 * padW) {
            throw new IllegalArgumentException("kernel " + kh + "x" + kw + " is larger than the padded input "
                    + (h + 2 * padH) + "x" + (w + 2 * padW) + " (input " + h + "x" + w + ", pad " + padH + "x" + padW + ")");
        }
    }

    /** Geometry of {@code x} {@code (n, h, w, cIn)} convolved with {@code weights} {@code (kh, kw, cIn, cOut)}. */
    public static ConvGeometry of(Tensor x, Tensor weights, int strideH, int strideW, int padH, int padW) {
        x.requireRank("convolution input (n, h, w, c)", 4);
        weights.requireRank("convolution weights (kh, kw, cIn, cOut)", 4);
        if (x.dim(3) != weights.dim(2)) {
            throw new IllegalArgumentException("input " + x.shapeString() + " has " + x.dim(3)
                    + " channels but weights " + weights.shapeString() + " expect " + weights.dim(2));
        }
        return new ConvGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), weights.dim(0), weights.dim(1),
                weights.dim(3), strideH, strideW, padH, padW);
    }

    /** Output height: {@code (h + 2·padH - kh) / strideH + 1}. */
    public int outH() {
        return (h + 2 * padH - kh) / strideH + 1;
    }

    /** Output width: {@code (w + 2·padW - kw) / strideW + 1}. */
    public int outW() {
        return (w + 2 * padW - kw) / strideW + 1;
    }

    /** The input shape {@code (n, h, w, cIn)}. */
    public int[] inputShape() {
        return new int[] {n, h, w, cIn};
    }

    /** The weight shape {@code (kh, kw, cIn, cOut)}. */
    public int[] weightShape() {
        return new int[] {kh, kw, cIn, cOut};
    }

    /** The bias shape {@code (1, 1, 1, cOut)}. */
    public int[] biasShape() {
        return new int[] {1, 1, 1, cOut};
    }

    /** The output shape {@code (n, outH, outW, cOut)}. */
    public int[] outputShape() {
        return new int[] {n, outH(), outW(), cOut};
    }

    /** Multiply-adds times two for one forward pass. */
    public long forwardFlops() {
        return 2L * n * outH() * outW() * cOut * kh * kw * cIn;
    }

    /** Checks that {@code b} is {@code (1, 1, 1, cOut)}. */
    public void requireBias(Tensor b) {
        b.requireShape("convolution bias", biasShape());
    }

    @Override
    public String toString() {
        return "conv input " + Arrays.toString(inputShape()) + " kernel " + Arrays.toString(weightShape())
                + " stride (" + strideH + ", " + strideW + ") pad (" + padH + ", " + padW + ")";
    }
}
