/**
 * cnn-core: tensors (float32, NHWC), numpy-compatible randomness and {@code .npy} files, datasets, crash-safe
 * files, the step-by-step reference convolution and pooling ({@code dev.cnn.core.reference}) and the fast
 * kernels that agree with it ({@code dev.cnn.core.kernel}).
 *
 * <p>The Vector API is optional: start the JVM with {@code --add-modules jdk.incubator.vector} for the
 * vector kernels; without it the plain-Java kernels run (about 17x slower per training step) and one WARN
 * says so.
 */
module dev.cnn.core {
    requires static jdk.incubator.vector;
    requires org.apache.logging.log4j;

    exports dev.cnn.core;
    exports dev.cnn.core.kernel;
    exports dev.cnn.core.reference;
    exports dev.cnn.core.internal to dev.cnn.nn, dev.cnn.data;
}
