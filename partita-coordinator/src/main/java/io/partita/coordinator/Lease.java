package io.partita.coordinator;

/**
 * One task attempt leased to one worker connection. {@code expired} leases stay with their worker
 * so that a late result of that attempt is recognised (and accepted if the task is still open).
 * Guarded by the scheduler's lock.
 */
final class Lease {
    final JobRun job;
    final long key;
    final int attempt;
    final long deadlineNanos;
    boolean expired;

    Lease(JobRun job, long key, int attempt, long deadlineNanos) {
        this.job = job;
        this.key = key;
        this.attempt = attempt;
        this.deadlineNanos = deadlineNanos;
    }

    /** The key of this lease in its worker's lease map. */
    long mapKey() {
        return mapKey(job.slot, key);
    }

    static long mapKey(int jobSlot, long taskKey) {
        return ((long) jobSlot << 43) ^ taskKey;
    }

    /** Whether this lease is the task's current attempt. */
    boolean current() {
        return !expired && job.live() && job.state(key) == JobRun.LEASED && job.currentAttempt(key) == attempt;
    }
}
