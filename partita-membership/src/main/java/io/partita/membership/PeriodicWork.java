package io.partita.membership;

/**
 * A member's share of periodic work, run by {@link Membership#runEvery(java.time.Duration,
 * PeriodicWork)}.
 *
 * <p>{@link #run(int, int, long)} is invoked only while the member holds a live lease on {@code
 * rank} at {@code epoch}; invocations of one registration never overlap. Work that takes long
 * should check {@link Membership#holds(long)} before each externally visible step, or pass {@code
 * epoch} as a fencing token to the systems it writes to.
 */
@FunctionalInterface
public interface PeriodicWork {
    /**
     * Does this member's share of the work.
     *
     * @param rank this member's rank in {@code [0, size)}
     * @param size the number of live members
     * @param epoch the group epoch of this assignment
     * @throws Exception any failure; it is logged and the schedule continues
     */
    void run(int rank, int size, long epoch) throws Exception;

    /**
     * Tells the work that the member fenced itself: it could not renew its lease in time and stopped
     * acting on its rank at {@code epoch}. The default does nothing.
     *
     * @param epoch the epoch of the lease that lapsed
     */
    default void fenced(long epoch) {}
}
