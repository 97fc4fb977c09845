package dev.cnn.data;

import java.io.IOException;

/** Input data that cannot be used: the message names the file and, where it applies, the row and column. */
public class DataException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A data problem described by {@code message} (which names the file, row or column). */
    public DataException(String message) {
        super(message);
    }

    /** A data problem described by {@code message}, caused by {@code cause}. */
    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
