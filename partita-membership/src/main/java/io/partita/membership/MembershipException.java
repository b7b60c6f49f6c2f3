package io.partita.membership;

/**
 * The unchecked base exception of the membership library: a database error that could not be
 * handled, an invalid argument, or a wait that timed out.
 */
public class MembershipException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the value involved
     */
    public MembershipException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what went wrong, naming the value involved
     * @param cause the underlying failure, usually a {@link java.sql.SQLException}
     */
    public MembershipException(String message, Throwable cause) {
        super(message, cause);
    }
}
