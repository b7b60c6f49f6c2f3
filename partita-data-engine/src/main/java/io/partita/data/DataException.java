package io.partita.data;

/**
 * The failure of a data task or of a query specification: a bad record under the {@code fail}
 * policy ({@code "line 7: expected 3 fields, found 2"}), a malformed run, a function that broke the
 * contract. The message is meant for the job's owner and is the same text the JavaScript engine
 * throws for the same input.
 *
 * <p>The one unchecked base exception of this module.
 */
public class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message meant for the job's owner. */
    public DataException(String message) {
        super(message);
    }

    /** An exception with a message and the exception that caused it. */
    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
