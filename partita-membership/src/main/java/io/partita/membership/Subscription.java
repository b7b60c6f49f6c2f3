package io.partita.membership;

/** A registered listener or periodic work, which can be cancelled. Thread-safe. */
public interface Subscription extends AutoCloseable {
    /** Stops future invocations; an invocation already running completes. Idempotent. */
    void cancel();

    /** Same as {@link #cancel()}. */
    @Override
    default void close() {
        cancel();
    }
}
