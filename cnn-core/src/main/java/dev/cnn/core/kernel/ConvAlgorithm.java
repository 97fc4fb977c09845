package dev.cnn.core.kernel;

/**
 * One way of computing a 2-D convolution on NHWC float32 data, with the semantics of
 * {@code StepByStep.convForward} and {@code convBackward}: input {@code x (n, h, w, cIn)}, kernel
 * {@code w (kh, kw, cIn, cOut)}, bias {@code cOut} (or null), output {@code y (n, outH, outW, cOut)}, all
 * row-major; stride and symmetric zero padding per axis as the {@link ConvGeometry} says.
 *
 * <p>{@link #forward} writes {@code y}; {@link #backward} adds ({@code +=}) into {@code dx}, {@code dw}
 * and {@code db}, which the caller zeroes ({@code dx} or {@code db} may be null when not wanted). An
 * implementation owns its work buffers and reuses them from call to call: it is not thread-safe. Results
 * are bit-identical for a given thread count. {@link ConvKernel} chooses one per geometry; every one is
 * tested against the reference on random shapes.
 */
public interface ConvAlgorithm {
    /** A short name for logs and tests. */
    String name();

    /** Whether this algorithm computes geometry {@code g} (on this JVM). */
    boolean supports(ConvGeometry g);

    /** {@code y = conv(x, w) + b}. */
    void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y);

    /** Adds the gradients of the loss for output gradient {@code dy} into {@code dx}, {@code dw} and {@code db}. */
    void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db);
}
