package dev.cnn.core.kernel;

/**
 * The sizes of one 2-D pooling with explicit padding and rounding, as PyTorch's {@code MaxPool2d} /
 * {@code AvgPool2d} and ONNX's {@code MaxPool} / {@code AveragePool} define them: input {@code (n, h, w, c)},
 * a {@code fh x fw} window, per-axis stride, {@code padH} rows above and below and {@code padW} columns left
 * and right, output size {@code floor((h + 2·padH - fh) / strideH) + 1} — or, with {@code ceilMode}, the
 * ceiling, less one when the last window would start inside the bottom (right) padding.
 * {@code countIncludePad} says whether an average divides by the window's cells within the padded input
 * (true) or only by those within the input (false); max pooling never reads a padded cell.
 */
public record PaddedPoolGeometry(int n, int h, int w, int c, int fh, int fw, int strideH, int strideW, int padH,
                                 int padW, boolean ceilMode, boolean countIncludePad) {

    /** Validates the sizes, naming what was expected in any error. */
    public PaddedPoolGeometry {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got (" + strideH + ", " + strideW + ")");
        }
        if (fh < 1 || fw < 1) {
            throw new IllegalArgumentException("pool window must be >= 1, got " + fh + "x" + fw);
        }
        if (padH < 0 || padW < 0 || 2 * padH > fh || 2 * padW > fw) {
            throw new IllegalArgumentException("pool padding must be from 0 to half the window (" + fh / 2 + ", " + fw / 2
                    + "), got (" + padH + ", " + padW + ")");
        }
        if (fh > h + 2 * padH || fw > w + 2 * padW) {
            throw new IllegalArgumentException("pool window " + fh + "x" + fw + " is larger than the padded input "
                    + (h + 2 * padH) + "x" + (w + 2 * padW));
        }
    }

    private static int out(int in, int k, int s, int p, boolean ceil) {
        int span = in + 2 * p - k;
        int o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= in + p) {
            o--; // the last window would start in the padding
        }
        return o;
    }

    /** Output height. */
    public int outH() {
        return out(h, fh, strideH, padH, ceilMode);
    }

    /** Output width. */
    public int outW() {
        return out(w, fw, strideW, padW, ceilMode);
    }

    /** The input shape {@code (n, h, w, c)}. */
    public int[] inputShape() {
        return new int[] {n, h, w, c};
    }

    /** The output shape {@code (n, outH, outW, c)}. */
    public int[] outputShape() {
        return new int[] {n, outH(), outW(), c};
    }

    /**
     * What an average over the window at output row {@code oy}, column {@code ox} divides by: its cells within
     * the padded input (a ceil-mode window past it is cut there) when counting the padding, else within the input.
     */
    public int divisor(int oy, int ox) {
        int y0 = oy * strideH - padH;
        int x0 = ox * strideW - padW;
        if (countIncludePad) {
            return (Math.min(y0 + fh, h + padH) - y0) * (Math.min(x0 + fw, w + padW) - x0);
        }
        return (Math.min(y0 + fh, h) - Math.max(y0, 0)) * (Math.min(x0 + fw, w) - Math.max(x0, 0));
    }
}
