package dev.cnn.core.kernel;

/**
 * A grouped 2-D convolution on NHWC arrays (ResNeXt's, and PyTorch's {@code Conv2d(groups=g)}): the
 * {@code cIn} input channels and {@code cOut} output channels are split into {@code groups} equal runs, and
 * output run {@code k} is the convolution of input run {@code k} alone. Weights are
 * {@code (kh, kw, cIn / groups, cOut)}: output channel {@code o} reads input channels
 * {@code [k·cIn/g, (k+1)·cIn/g)} for {@code k = o / (cOut/g)}. Each group is gathered into contiguous
 * arrays and run on a {@link ConvKernel} (whatever algorithm it chooses for one group's geometry), then
 * scattered back; one group is an ordinary convolution. Bit-identical for a given thread count. Not
 * thread-safe: it owns its buffers.
 */
public final class GroupedConv {
    private final ConvKernel kernel;
    private final int groups;
    private float[] xg;
    private float[] wg;
    private float[] yg;
    private float[] dxg;
    private float[] dwg;
    private float[] dbg;
    private float[] bg;

    /** A grouped convolution of {@code groups} groups on the process's backend. */
    public GroupedConv(int groups) {
        this(groups, new Workspace());
    }

    /**
     * As {@link #GroupedConv(int)}, running each group's convolution with its work buffers in {@code workspace}
     * (the gathered group arrays stay this object's own).
     */
    public GroupedConv(int groups, Workspace workspace) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        }
        this.groups = groups;
        this.kernel = new ConvKernel(workspace);
    }

    /** The number of groups. */
    public int groups() {
        return groups;
    }

    /**
     * The geometry of one group of {@code g}, a convolution whose weights are {@code (kh, kw, cIn/groups, cOut)}
     * (so {@code g.cIn()} is the whole input's channels); fails unless both counts divide by the groups.
     */
    public ConvGeometry groupGeometry(ConvGeometry g) {
        if (g.cIn() % groups != 0 || g.cOut() % groups != 0) {
            throw new IllegalArgumentException("a convolution of " + groups + " groups needs input and output channels "
                    + "divisible by " + groups + ", got " + g.cIn() + " and " + g.cOut());
        }
        return new ConvGeometry(g.n(), g.h(), g.w(), g.cIn() / groups, g.kh(), g.kw(), g.cOut() / groups, g.strideH(),
                g.strideW(), g.padH(), g.padW());
    }

    /** Sizes the group buffers: one group's input, weights and output (or output gradient). */
    private void buffers(int x, int w, int y) {
        xg = sized(xg, x);
        wg = sized(wg, w);
        yg = sized(yg, y);
    }

    /** {@code a} when it holds exactly {@code n} values (the kernel checks sizes), else a new array. */
    private static float[] sized(float[] a, int n) {
        return a != null && a.length == n ? a : new float[n];
    }

    /** {@code y = conv(x, w) + b} group by group; {@code b} ({@code cOut}) may be null. */
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        ConvGeometry one = groupGeometry(g);
        int cIn = g.cIn();
        int cOut = g.cOut();
        int inG = one.cIn();
        int outG = one.cOut();
        int pixels = g.n() * g.h() * g.w();
        int outPixels = g.n() * one.outH() * one.outW();
        int taps = g.kh() * g.kw() * inG;
        buffers(pixels * inG, taps * outG, outPixels * outG);
        bg = sized(bg, outG);
        for (int k = 0; k < groups; k++) {
            gather(x, pixels, cIn, k * inG, inG, xg);
            gather(w, taps, cOut, k * outG, outG, wg);
            if (b != null) {
                System.arraycopy(b, k * outG, bg, 0, outG);
            }
            kernel.forward(one, xg, wg, b == null ? null : bg,
                    yg);
            scatter(yg, outPixels, outG, y, cOut, k * outG, false);
        }
    }

    /**
     * Adds the gradients for output gradient {@code dy} into {@code dx} (null: not needed), {@code dw} and
     * {@code db} (null: not needed), as {@link ConvKernel#backward} does.
     */
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        ConvGeometry one = groupGeometry(g);
        int cIn = g.cIn();
        int cOut = g.cOut();
        int inG = one.cIn();
        int outG = one.cOut();
        int pixels = g.n() * g.h() * g.w();
        int outPixels = g.n() * one.outH() * one.outW();
        int taps = g.kh() * g.kw() * inG;
        buffers(pixels * inG, taps * outG, outPixels * outG);
        dxg = sized(dxg, pixels * inG);
        dwg = sized(dwg, taps * outG);
        dbg = sized(dbg, outG);
        for (int k = 0; k < groups; k++) {
            gather(x, pixels, cIn, k * inG, inG, xg);
            gather(w, taps, cOut, k * outG, outG, wg);
            gather(dy, outPixels, cOut, k * outG, outG, yg);
            float[] gx = dx == null ? null : dxg;
            if (gx != null) {
                java.util.Arrays.fill(gx, 0f);
            }
            float[] gw = dwg;
            java.util.Arrays.fill(gw, 0f);
            float[] gb = db == null ? null : dbg;
            if (gb != null) {
                java.util.Arrays.fill(gb, 0f);
            }
            kernel.backward(one, xg, wg, yg, gx, gw,
                    gb);
            if (gx != null) {
                scatter(gx, pixels, inG, dx, cIn, k * inG, true);
            }
            scatter(gw, taps, outG, dw, cOut, k * outG, true);
            if (gb != null) {
                for (int j = 0; j < outG; j++) {
                    db[k * outG + j] += gb[j];
                }
            }
        }
    }

    /** Rows of {@code width} values: columns {@code [from, from + count)} of each into {@code out}, dense. */
    private static void gather(float[] a, int rows, int width, int from, int count, float[] out) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, r * width + from, out, r * count, count);
        }
    }

    /** The reverse of {@link #gather}: written, or added when {@code add}. */
    private static void scatter(float[] dense, int rows, int count, float[] a, int width, int from, boolean add) {
        for (int r = 0; r < rows; r++) {
            if (add) {
                for (int j = 0; j < count; j++) {
                    a[r * width + from + j] += dense[r * count + j];
                }
            } else {
                System.arraycopy(dense, r * count, a, r * width + from, count);
            }
        }
    }
}
