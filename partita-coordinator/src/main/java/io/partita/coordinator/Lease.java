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
    long deadlineNanos;
    boolean expired;
    /** The task waits for grid calls: it holds no slot and its time limit stops until it resumes. */
    boolean suspended;

    Lease(JobRun job, long key, int attempt, long deadlineNanos) {
        this.job = job;
        this.key = key;
        this.attempt = attempt;
        this.deadlineNanos = deadlineNanos;
    }

    /** This lease's identity in its worker's lease map. */
    Id id() {
        return new Id(job, key, attempt);
    }

    /**
     * Identifies one task attempt of one job: a worker may hold an expired and a current attempt of
     * the same task at once, and a result must name exactly the attempt it belongs to.
     */
    record Id(JobRun job, long key, int attempt) {}

    /** Whether this lease is the task's current attempt. */
    boolean current() {
        return !expired && job.live() && job.state(key) == JobRun.LEASED && job.currentAttempt(key) == attempt;
    }
}
