package io.partita.coordinator.core;

/**
 * The clocks the scheduling core reads, injected so that every time-dependent decision can be driven
 * by a test or the simulation. Implementations must be thread-safe.
 */
public interface Clock {
    /**
     * Reads the monotonic clock that lease deadlines are measured on.
     *
     * @return nanoseconds since an arbitrary origin; only differences are meaningful
     */
    long nanos();

    /**
     * Reads the wall clock that rates are measured on.
     *
     * @return milliseconds since the epoch
     */
    long millis();

    /** The system clocks: {@link System#nanoTime()} and {@link System#currentTimeMillis()}. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public long millis() {
            return System.currentTimeMillis();
        }
    };
}
