package io.partita.membership;

/**
 * The member's local clocks, injected so that time-dependent logic can be tested.
 *
 * <p>{@link #nanoTime()} is a monotonic clock used for lease deadlines (fencing); {@link
 * #currentTimeMillis()} is the wall clock used only to stagger periodic work across members.
 * Implementations must be thread-safe.
 */
public interface MembershipClock {
    /** The system clocks: {@link System#nanoTime()} and {@link System#currentTimeMillis()}. */
    MembershipClock SYSTEM = new MembershipClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };

    /**
     * Reads the monotonic clock.
     *
     * @return nanoseconds since an arbitrary origin; only differences are meaningful
     */
    long nanoTime();

    /**
     * Reads the wall clock.
     *
     * @return milliseconds since the Unix epoch
     */
    long currentTimeMillis();
}
