package io.partita.store;

/** A failure of the store: the database could not be reached, or a statement failed. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception naming the operation that failed, with its cause. */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Creates an exception naming what is wrong. */
    public StoreException(String message) {
        super(message);
    }
}
