/**
 * Layers: the {@link dev.cnn.nn.layers.Layer} contract (and {@link dev.cnn.nn.layers.MultiInputLayer} for
 * {@link dev.cnn.nn.layers.Add} and {@link dev.cnn.nn.layers.Concatenate}), the built-in layers
 * ({@link dev.cnn.nn.layers.Conv2D} with groups, {@link dev.cnn.nn.layers.DepthwiseConv2D},
 * {@link dev.cnn.nn.layers.Pool2D}, {@link dev.cnn.nn.layers.GlobalAveragePooling2D},
 * {@link dev.cnn.nn.layers.FullyConnected}, {@link dev.cnn.nn.layers.Flatten},
 * {@link dev.cnn.nn.layers.BatchNorm}, {@link dev.cnn.nn.layers.Dropout}, {@link dev.cnn.nn.layers.Activation},
 * {@link dev.cnn.nn.layers.LeakyReLU}), their {@link dev.cnn.nn.layers.Parameter}s, initialisers
 * ({@link dev.cnn.nn.layers.Init}) and the {@link dev.cnn.nn.layers.LayerFactory} that rebuilds a layer from
 * its saved {@code config()}.
 *
 * <p>A layer's forward keeps what its backward needs; backward sets its parameters' gradients and returns the
 * input gradient. Layers know nothing of the model, training or files that use them (an ArchUnit rule holds
 * this package to {@code dev.cnn.core}). Not thread-safe: a model gives each inference thread its own copies
 * ({@code copySharingParameters}).
 */
package dev.cnn.nn.layers;
