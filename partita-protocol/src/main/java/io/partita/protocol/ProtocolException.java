package io.partita.protocol;

/** A message that does not follow the worker protocol. The message says what is wrong. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message naming the problem. */
    public ProtocolException(String message) {
        super(message);
    }

    /** Creates an exception with a message naming the problem and its cause. */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
