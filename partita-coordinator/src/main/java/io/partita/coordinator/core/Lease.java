package io.partita.coordinator.core;

/**
 * One attempt of one task, leased to one {@link Holder} under the core's epoch, with a deadline.
 * The one lease type for every kind of work: partition and combine tasks, prepare tasks, grid calls
 * and log tasks. An {@code expired} lease stays with its holder so that a late answer of that attempt
 * is recognised (and accepted if the task is still open). Guarded by the shell's lock, like the whole
 * core.
 */
public final class Lease {
    /** The work the task belongs to. */
    public final Work work;

    /** The task's key within its work. */
    public final long key;

    /** The attempt number, from 1. */
    public final int attempt;

    /** The epoch of the core that granted it; a commit under another epoch is refused. */
    public final long epoch;

    /** Who holds it. */
    public final Holder holder;

    long deadlineNanos;
    boolean expired;
    boolean suspended;
    boolean replica;
    boolean vouched;
    /** When it was leased, for the speculation of stragglers. */
    long leasedAtNanos;
    /** Whether it is a speculative copy of a straggling attempt. */
    boolean speculative;

    Lease(Work work, long key, int attempt, long epoch, Holder holder, long deadlineNanos) {
        this.work = work;
        this.key = key;
        this.attempt = attempt;
        this.epoch = epoch;
        this.holder = holder;
        this.deadlineNanos = deadlineNanos;
    }

    /** This lease's identity in its holder's map. */
    public Id id() {
        return new Id(work, key, attempt);
    }

    /** Whether its answer will be accepted on its host's record alone (adaptive replication). */
    public boolean vouched() {
        return vouched;
    }

    /** Whether it is a speculative copy of a straggling attempt. */
    public boolean speculative() {
        return speculative;
    }

    /** Whether its deadline passed (or its task was given to another attempt) and it was revoked. */
    public boolean expired() {
        return expired;
    }

    /** Whether its task waits for grid calls: it holds no slot and its time limit stops. */
    public boolean suspended() {
        return suspended;
    }

    /** The deadline, on the core's monotonic clock. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Whether this lease is a current attempt of its task (not expired, task open, work live). */
    public boolean current() {
        return !expired && work.live() && work.isCurrent(this);
    }

    /**
     * Identifies one task attempt: a holder may hold an expired and a current attempt of the same task
     * at once, and an answer must name exactly the attempt it belongs to.
     */
    public record Id(Work work, long key, int attempt) {}

    @Override
    public String toString() {
        return work.describe(key) + "#" + attempt + "@" + holder.id;
    }
}
