package dev.cnn.nn.layers;

import dev.cnn.core.ConfigView;
import dev.cnn.core.Tensor;
import dev.cnn.core.internal.SplitMix;
import dev.cnn.core.kernel.Workspace;
import java.util.List;
import java.util.Map;

/**
 * Inverted dropout, as Keras's {@code Dropout}: in training each value is zeroed with probability
 * {@code rate} and the others are scaled by {@code 1 / (1 - rate)}, so inference is the identity. Value
 * {@code i}'s draw is a SplitMix64 hash of the pass seed (which the model derives per layer, epoch and batch,
 * see {@link Layer#setTraining}) and {@code i} (counted over the whole batch: a slice starting at sample
 * {@code s} of the batch, see {@link Layer#setTraining(boolean, long, long)}, starts at value
 * {@code s · sampleSize}), so training stays deterministic for a seed, a resumed run draws the same masks,
 * shards of a batch draw the whole batch's mask, and a draw costs a few multiplications. No parameters.
 */
public final class Dropout implements Layer {
    private final double rate;
    private final Buffers out = new Buffers();
    private final Buffers dIn = new Buffers();
    private boolean training = true;
    private long seed = 1;
    private long firstSample;
    private float[] mask;
    private boolean masked;

    /** Drops each value with probability {@code rate}, in [0, 1). */
    public Dropout(double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Dropout rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    /** Rebuilds a layer from its {@link #config()}. */
    public static Dropout fromConfig(ConfigView c) {
        try {
            return new Dropout(c.number("rate"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(c.where() + ": " + e.getMessage(), e);
        }
    }

    /** The probability of dropping a value. */
    public double rate() {
        return rate;
    }

    @Override
    public String type() {
        return "Dropout";
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public void setTraining(boolean training, long seed) {
        setTraining(training, seed, 0);
    }

    @Override
    public void setTraining(boolean training, long seed, long firstSample) {
        if (firstSample < 0) {
            throw new IllegalArgumentException("first sample must be >= 0, got " + firstSample);
        }
        this.training = training;
        this.seed = seed;
        this.firstSample = firstSample;
    }

    @Override
    public Tensor forward(Tensor x) {
        masked = training && rate > 0;
        if (!masked) {
            return x;
        }
        float[] a = x.data();
        if (mask == null || mask.length != a.length) {
            mask = new float[a.length];
        }
        long base = seed * 0x9E3779B97F4A7C15L;
        long threshold = (long) (rate * 0x1.0p53); // keep when the 53-bit uniform draw is >= rate
        float keep = (float) (1 / (1 - rate));
        Tensor y = out.get(x.shape());
        float[] o = y.data();
        long first = firstSample * (a.length / x.dim(0)); // index of this slice's first value in the whole batch
        for (int i = 0; i < a.length; i++) {
            long z = SplitMix.mix(base + (first + i + 1) * 0xBF58476D1CE4E5B9L);
            mask[i] = (z >>> 11) < threshold ? 0f : keep;
            o[i] = a[i] * mask[i];
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        if (!masked) {
            return dy;
        }
        Tensor dx = dIn.get(dy.shape());
        float[] d = dy.data();
        float[] o = dx.data();
        for (int i = 0; i < d.length; i++) {
            o[i] = d[i] * mask[i];
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("rate", rate);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }

    @Override
    public Layer copySharingParameters() {
        return new Dropout(rate);
    }

    /** Lends the input gradient from {@code ws}, and the output from an inference workspace. */
    @Override
    public void setWorkspace(Workspace ws) {
        dIn.lendFrom(ws);
        out.lendOutputsFrom(ws);
    }
}
