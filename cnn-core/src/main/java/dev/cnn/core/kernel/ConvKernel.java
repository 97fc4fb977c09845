package dev.cnn.core.kernel;

import dev.cnn.core.reference.StepByStep;
import java.util.List;

/**
 * Fast 2-D convolution on NHWC float32 data, the same semantics as {@link StepByStep#convForward}
 * and {@link StepByStep#convBackward}: kernel {@code (kh, kw, cIn, cOut)}, bias {@code cOut}, stride
 * and symmetric zero padding per axis. It checks shapes and hands each call to the
 * {@link ConvAlgorithm} that {@link #choose} picks for the geometry. The algorithms' work buffers live in
 * a {@link Workspace}, reused from call to call: the kernel's own, or one shared by the layers of a network
 * (which run one at a time), so a layer should keep one {@code ConvKernel}. Not thread-safe.
 */
public final class ConvKernel {
    private final Backend backend;
    private final ConvAlgorithm im2col;
    private final ConvAlgorithm implicitGemm;
    private final ConvAlgorithm direct;
    private final ConvAlgorithm pointwise;

    /** A kernel on the backend in use in this process ({@link Backend#current()}), with a workspace of its own. */
    public ConvKernel() {
        this(Backend.current(), new Workspace());
    }

    /** A kernel on the backend in use in this process, its work buffers in {@code workspace}. */
    public ConvKernel(Workspace workspace) {
        this(Backend.current(), workspace);
    }

    /** A kernel on {@code backend}, with a workspace of its own. */
    public ConvKernel(Backend backend) {
        this(backend, new Workspace());
    }

    /** A kernel on {@code backend}, its work buffers in {@code workspace}. */
    public ConvKernel(Backend backend, Workspace workspace) {
        this.backend = backend;
        this.im2col = new Im2colGemmConv(backend, workspace);
        this.implicitGemm = new ImplicitGemmConv(backend, workspace);
        this.direct = new DirectConv(backend, workspace);
        this.pointwise = new PointwiseConv(workspace);
    }

    /**
     * Every algorithm there is, each with buffers of its own: the naive loops, im2col + GEMM (any stride),
     * implicit GEMM (stride 1), direct Vector API tiles (stride 1, with the Vector API), pointwise GEMM (1x1,
     * stride 1, no padding). For tests and benchmarks that run one directly.
     */
    public static List<ConvAlgorithm> algorithms() {
        Backend b = Backend.current();
        return List.of(new NaiveConv(), new Im2colGemmConv(b, new Workspace()), new ImplicitGemmConv(b, new Workspace()),
                new DirectConv(b, new Workspace()), new PointwiseConv(new Workspace()));
    }

    /**
     * The algorithm for geometry {@code g}. Stride 1 with padding below the kernel size (every layer of
     * the reference networks) reads windows straight from a zero-padded copy of each image: with the Vector
     * API in use, as register tiles (direct), else as an implicit im2col on the GEMM. Any other stride or
     * padding gathers im2col rows block by block for the GEMM. A 1x1 kernel at stride 1 without padding is
     * a plain product of the input with the weights (pointwise).
     */
    public ConvAlgorithm choose(ConvGeometry g) {
        if (pointwise.supports(g)) {
            return pointwise;
        }
        if (!ConvSupport.stride1(g)) {
            return im2col;
        }
        return backend.vectorApi() ? direct : implicitGemm;
    }

    /**
     * {@code y = conv(x, w) + b}: {@code x} {@code (n, h, w, cIn)}, {@code w} {@code (kh, kw, cIn, cOut)},
     * {@code b} {@code (cOut)} or null, {@code y} {@code (n, outH, outW, cOut)}, all row-major.
     */
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        ConvSupport.check(g, x, w, y);
        choose(g).forward(g, x, w, b, y);
    }

    /**
     * Gradients of a convolution, added into {@code dx} (may be null when the input needs none),
     * {@code dw} and {@code db} (may be null): {@code dy} is the gradient of the output
     * {@code (n, outH, outW, cOut)}.
     */
    public void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        ConvSupport.check(g, x, w, dy);
        choose(g).backward(g, x, w, dy, dx, dw, db);
    }
}
