/**
 * Not API: the kernels' thread pool and the SplitMix hash, shared with cnn's own modules only (the module exports this
 * package to {@code dev.cnn.nn} and {@code dev.cnn.data} alone). Use {@link dev.cnn.core.Threads}.
 */
package dev.cnn.core.internal;
