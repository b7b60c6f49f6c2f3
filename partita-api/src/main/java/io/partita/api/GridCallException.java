package io.partita.api;

/**
 * A grid call failed: the function threw (the message is its error, as the worker reported it), it
 * timed out or its workers were lost too often, or it could not be made (unknown function, bad
 * arguments, a call that waits for itself).
 */
public class GridCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure with a message. */
    public GridCallException(String message) {
        super(message);
    }

    /** A failure with a message and a cause. */
    public GridCallException(String message, Throwable cause) {
        super(message, cause);
    }
}
