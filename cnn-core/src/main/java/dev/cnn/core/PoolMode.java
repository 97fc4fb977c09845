package dev.cnn.core;

/** How a pooling window is reduced. */
public enum PoolMode {
    /** The window's largest value; the gradient goes to every position equal to it. */
    MAX,
    /** The window's mean; the gradient is shared equally by the window. */
    AVERAGE
}
