package io.partita.coordinator.core;

import java.util.List;

/**
 * What the core asks of its shell. The core calls these synchronously, under the shell's lock, while
 * it decides; an implementation only queues the I/O they imply (messages to workers, writes to the
 * store) and never calls back into the core.
 */
public interface Effects {
    /** New leases of one holder, to be sent to it as one batch of tasks. */
    void leased(Holder holder, List<Lease> batch);

    /** Leases whose deadline passed: tell the holder to stop those attempts. */
    void revoked(Holder holder, List<Lease> leases, String reason);

    /** An attempt failed (an error, a time-out, or a lost worker where that counts). */
    void attemptFailed(Lease lease, String error, int failures);

    /**
     * A task that needed validation was decided: {@code chosen} is the answer recorded (the answers
     * with its digest were valid, the others invalid), or null if the task failed for want of
     * agreement. The hosts' reputations were updated already; the shell saves them and grants credit.
     */
    default void decided(Work work, long key, List<Answer> answers, Answer chosen) {}

    /** A work ended: it is DONE, FAILED or CANCELLED, and holds no leases any more. */
    void ended(Work work);
}
