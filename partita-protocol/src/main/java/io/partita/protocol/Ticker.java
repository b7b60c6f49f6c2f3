package io.partita.protocol;

/**
 * A source of time for the protocol sessions: a monotonic reading for intervals and a wall-clock
 * reading for the {@code time} of heartbeats. Implementations must be thread-safe; {@link #system()}
 * is.
 */
public interface Ticker {

    /** A monotonic time in nanoseconds, only meaningful as a difference (like {@link System#nanoTime()}). */
    long nanos();

    /** The wall-clock time in milliseconds since the epoch (like {@link System#currentTimeMillis()}). */
    long millis();

    /** The system's clocks. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

/** The system's clocks. */
enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public long millis() {
        return System.currentTimeMillis();
    }
}
