package dev.cnn.data;

import java.io.IOException;

/** Input data that cannot be used: the message names the file and, where it applies, the row and column. */
public class DataException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
