/**
 * Files: {@link dev.cnn.nn.io.ModelIO} reads and writes model files (a versioned zip of {@code config.json}
 * and {@code .npy} arrays, bounded and checked before anything is allocated; docs/model-format.md),
 * {@link dev.cnn.nn.io.NetworkFile} builds a model from a JSON network description, and
 * {@link dev.cnn.nn.io.ModelTypes} is the registry of the layer, optimizer, loss and schedule types a file may
 * name (register your own before loading a file that holds them). Saving is atomic; a damaged or hostile file
 * is a {@link dev.cnn.nn.io.ModelIO.ModelFormatException} naming the entry. The registry is thread-safe.
 */
package dev.cnn.nn.io;
