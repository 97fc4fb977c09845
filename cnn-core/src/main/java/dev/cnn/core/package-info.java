/**
 * The data types every other part uses: {@link dev.cnn.core.Tensor} (float32, row-major; images NHWC,
 * batch first), {@link dev.cnn.core.NumpyRandom} (numpy's legacy generator, bit for bit),
 * {@link dev.cnn.core.Npy} ({@code .npy} files), {@link dev.cnn.core.Dataset} (samples copied out batch
 * by batch, with seeded epoch orders), {@link dev.cnn.core.AtomicFile} (crash-safe file replacement),
 * {@link dev.cnn.core.Threads} (how many threads the kernels use) and {@link dev.cnn.core.PoolMode}.
 *
 * <p>Threads: {@code Tensor}, {@code NumpyRandom} and datasets are not thread-safe (one owner at a
 * time); {@code AtomicFile}, {@code Npy} and {@code Version} are. Work split over the kernels' threads
 * depends only on problem size and thread count, so results are bit-identical for a given count.
 */
package dev.cnn.core;
