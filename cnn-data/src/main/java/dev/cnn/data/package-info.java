/**
 * Datasets from files: MNIST and other IDX sets ({@link dev.cnn.data.Mnist}, {@link dev.cnn.data.Idx}),
 * image folders ({@link dev.cnn.data.ImageFolder}, decoded with DJL), CSV tables
 * ({@link dev.cnn.data.CsvTable}), standardisation and splits. Files are never trusted: sizes a header
 * declares are checked against the bytes present before anything large is allocated, and every problem
 * is a {@link dev.cnn.data.DataException} naming the file (and line, column or sample). Loaders are
 * stateless; the sets they return are not thread-safe.
 */
package dev.cnn.data;
