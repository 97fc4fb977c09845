package dev.cnn.core;

/**
 * numpy's legacy random generator ({@code np.random.seed}, {@code randn}, {@code rand},
 * {@code permutation}, {@code shuffle}), reproduced bit for bit so that golden values published for
 * numpy can be checked in Java.
 *
 * <p>The bit source is MT19937 seeded with {@code init_genrand(seed)}, as numpy does for an integer
 * seed. Doubles in [0, 1) use 53 bits from two 32-bit draws ({@code (a>>5)·2^26 + (b>>6)) / 2^53});
 * Gaussians use the Marsaglia polar method and cache the second value of each pair, exactly like
 * numpy's {@code legacy_gauss}. Not thread-safe.
 */
public final class NumpyRandom {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int mti;
    private boolean hasGauss;
    private double gauss;

    /** Same as {@code np.random.seed(seed)} for {@code 0 <= seed < 2^32}. */
    public NumpyRandom(long seed) {
        if (seed < 0 || seed > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("seed must be between 0 and 2^32-1, got " + seed);
        }
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            int prev = mt[i - 1];
            mt[i] = 1812433253 * (prev ^ (prev >>> 30)) + i;
        }
        mti = N;
    }

    /** The next raw 32-bit MT19937 output, as an unsigned value in a long. */
    public long nextUInt32() {
        if (mti >= N) {
            twist();
        }
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xFFFFFFFFL;
    }

    private void twist() {
        for (int k = 0; k < N; k++) {
            int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
            int next = mt[(k + M) % N] ^ (y >>> 1);
            mt[k] = (y & 1) != 0 ? next ^ 0x9908b0df : next;
        }
        mti = 0;
    }

    /** A uniform double in [0, 1) with 53 random bits, like {@code np.random.random_sample()}. */
    public double nextDouble() {
        long a = nextUInt32() >>> 5;
        long b = nextUInt32() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** A standard normal value, like one element of {@code np.random.randn()}. */
    public double nextGaussian() {
        if (hasGauss) {
            hasGauss = false;
            return gauss;
        }
        double x1;
        double x2;
        double r2;
        do {
            x1 = 2.0 * nextDouble() - 1.0;
            x2 = 2.0 * nextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.sqrt(-2.0 * Math.log(r2) / r2);
        gauss = f * x1;
        hasGauss = true;
        return f * x2;
    }

    /** A uniform integer in [0, max], by masked rejection like numpy's legacy {@code random_interval}. */
    public long nextInterval(long max) {
        if (max < 0 || max > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("max must be between 0 and 2^32-1, got " + max);
        }
        if (max == 0) {
            return 0;
        }
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        long v;
        do {
            v = nextUInt32() & mask;
        } while (v > max);
        return v;
    }

    /** {@code np.random.randn(shape)} rounded to float32. */
    public Tensor randn(int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) nextGaussian();
        }
        return t;
    }

    /** {@code np.random.randn(shape)} in double precision, row-major. */
    public double[] randnDouble(int... shape) {
        double[] d = new double[Tensor.checkedSize(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = nextGaussian();
        }
        return d;
    }

    /** {@code np.random.rand(shape)} rounded to float32. */
    public Tensor rand(int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) nextDouble();
        }
        return t;
    }

    /** {@code np.random.permutation(n)}: a shuffled {@code 0..n-1}. */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p);
        return p;
    }

    /** {@code np.random.shuffle(a)} for a 1-D array, in place (Fisher–Yates from the end). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = (int) nextInterval(i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
