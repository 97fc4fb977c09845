/**
 * The literal, step-by-step operations that define what the fast kernels must compute
 * ({@link dev.cnn.core.reference.StepByStep}: zero padding, one convolution step, convolution and
 * pooling forward and backward, mask from window, distribute value), reproducing numpy's published
 * outputs for {@code np.random.seed(1)}, and the central-difference gradient check that proves every
 * backward pass ({@link dev.cnn.core.reference.GradientCheck}, loss in double). Slow by design; stateless
 * and thread-safe.
 */
package dev.cnn.core.reference;
