/**
 * The fast kernels: convolution ({@link dev.cnn.core.kernel.ConvKernel}), pooling
 * ({@link dev.cnn.core.kernel.PoolKernel}) and matrix products ({@link dev.cnn.core.kernel.Gemm}), each
 * with the same semantics as the reference operations in {@code dev.cnn.core.reference} and tested
 * against them on random shapes.
 *
 * <p>Contract: data is NHWC float32, row-major; a forward pass writes its output; a backward pass adds
 * ({@code +=}) into the gradients it is given, which the caller zeroes. The Vector API backend is used
 * when {@code jdk.incubator.vector} is present, a plain-Java one otherwise (chosen once per JVM). Results
 * are bit-identical for a given thread count. A {@code ConvKernel} owns work buffers and is not
 * thread-safe (a layer keeps one); {@code PoolKernel} and {@code Gemm} are stateless apart from
 * per-thread scratch.
 */
package dev.cnn.core.kernel;
