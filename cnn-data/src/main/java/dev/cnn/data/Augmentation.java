package dev.cnn.data;

import dev.cnn.core.Dataset;
import dev.cnn.core.internal.SplitMix;

/**
 * Random translation and rotation of NHWC images, for training only: {@link #apply} wraps a dataset so
 * that every sample it copies out is moved by a whole number of pixels in {@code [-maxShift, maxShift]} on
 * each axis and turned by an angle in {@code [-maxDegrees, maxDegrees]} about the image centre (bilinear
 * interpolation), with pixels from outside the image taken as zero or as the nearest edge pixel. The
 * draws depend only on the seed, the epoch ({@link Dataset#beginEpoch}) and the sample's index, so the
 * same seed gives the same batches, in any batch order, and a resumed run sees what the uninterrupted one
 * saw. Off unless used; immutable and thread-safe (the wrapped dataset is as thread-safe as its source).
 *
 * @param maxShift   largest translation in pixels, >= 0
 * @param maxDegrees largest rotation in degrees, in [0, 180]
 * @param fill       what lies outside the image
 */
public record Augmentation(int maxShift, double maxDegrees, Fill fill) {

    /** How pixels from outside the image are filled. */
    public enum Fill {
        /** With zeros (black, for MNIST-like images). */
        ZERO,
        /** With the nearest edge pixel. */
        EDGE
    }

    /** Checks the settings. */
    public Augmentation {
        if (maxShift < 0 || !(maxDegrees >= 0 && maxDegrees <= 180) || fill == null) {
            throw new IllegalArgumentException("Augmentation needs maxShift >= 0, maxDegrees in [0, 180] and a fill, got "
                    + maxShift + ", " + maxDegrees + ", " + fill);
        }
    }

    /** {@code data} (samples {@code (h, w, c)}) with every sample it copies out augmented, drawn from {@code seed}. */
    public Dataset apply(Dataset data, long seed) {
        int[] s = data.sampleShape();
        if (s.length != 3) {
            throw new IllegalArgumentException("augmentation needs image samples (h, w, channels), got "
                    + dev.cnn.core.Tensor.shapeText(s));
        }
        return new Augmented(data, seed);
    }

    /** Moves one image {@code (h, w, c)} from {@code src} to {@code dst} by shift (dy, dx) and angle (radians). */
    void transform(float[] src, int srcOff, float[] dst, int dstOff, int h, int w, int c, int dy, int dx, double angle) {
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // inverse map: output (y, x) comes from input rotated back by -angle after undoing the shift
                double ty = y - dy - cy;
                double tx = x - dx - cx;
                double sy = cos * ty + sin * tx + cy;
                double sx = -sin * ty + cos * tx + cx;
                int y0 = (int) Math.floor(sy);
                int x0 = (int) Math.floor(sx);
                double fy = sy - y0;
                double fx = sx - x0;
                for (int ch = 0; ch < c; ch++) {
                    double v = (1 - fy) * ((1 - fx) * pixel(src, srcOff, h, w, c, y0, x0, ch)
                            + fx * pixel(src, srcOff, h, w, c, y0, x0 + 1, ch))
                            + fy * ((1 - fx) * pixel(src, srcOff, h, w, c, y0 + 1, x0, ch)
                            + fx * pixel(src, srcOff, h, w, c, y0 + 1, x0 + 1, ch));
                    dst[dstOff + (y * w + x) * c + ch] = (float) v;
                }
            }
        }
    }

    private float pixel(float[] src, int off, int h, int w, int c, int y, int x, int ch) {
        if (y < 0 || y >= h || x < 0 || x >= w) {
            if (fill == Fill.ZERO) {
                return 0f;
            }
            y = Math.min(h - 1, Math.max(0, y));
            x = Math.min(w - 1, Math.max(0, x));
        }
        return src[off + (y * w + x) * c + ch];
    }

    private final class Augmented implements Dataset {
        private final Dataset data;
        private final long seed;
        private volatile int epoch;

        Augmented(Dataset data, long seed) {
            this.data = data;
            this.seed = seed;
        }

        @Override
        public int size() {
            return data.size();
        }

        @Override
        public int[] sampleShape() {
            return data.sampleShape();
        }

        @Override
        public int[] targetShape() {
            return data.targetShape();
        }

        @Override
        public void beginEpoch(int e) {
            this.epoch = e;
            data.beginEpoch(e);
        }

        @Override
        public void fill(int[] indices, int from, int to, float[] x, float[] y) {
            data.fill(indices, from, to, x, y);
            int[] s = data.sampleShape();
            int per = s[0] * s[1] * s[2];
            float[] copy = new float[per];
            for (int i = from; i < to; i++) {
                long r1 = SplitMix.mix(seed * 0x9E3779B97F4A7C15L + epoch * 0xD1B54A32D192ED03L + indices[i]);
                long r2 = SplitMix.mix(r1);
                long r3 = SplitMix.mix(r2);
                int span = 2 * maxShift + 1;
                int dy = (int) Math.floorMod(r1, (long) span) - maxShift;
                int dx = (int) Math.floorMod(r2, (long) span) - maxShift;
                double u = (r3 >>> 11) * 0x1.0p-53; // uniform in [0, 1)
                double angle = Math.toRadians((2 * u - 1) * maxDegrees);
                int off = (i - from) * per;
                System.arraycopy(x, off, copy, 0, per);
                transform(copy, 0, x, off, s[0], s[1], s[2], dy, dx, angle);
            }
        }
    }
}
