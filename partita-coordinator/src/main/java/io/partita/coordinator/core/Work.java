package io.partita.coordinator.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A unit of schedulable work and the table of its tasks: a job's partition and combine tasks
 * ({@link TreeWork}), or one grid call or one log task ({@link SingleWork}). The shell's own types
 * extend these and add what only the shell needs (specs, waiters, events); the core decides every
 * task's life through the methods here. Guarded by the shell's lock.
 *
 * <p>A work is LIVE until it is DONE (every task done), FAILED (a task ran out of attempts, or the
 * shell failed it) or CANCELLED. An ended work's tasks hold no leases and are never leased again.
 */
public abstract class Work {
    /** The kinds of work, in the order dispatch serves them. */
    public enum Kind {
        /** A call of a job module's logger for a job event. */
        LOG,
        /** A grid call. */
        CALL,
        /** A job's prepare, partition and combine tasks. */
        JOB
    }

    /** A work's life. */
    public enum Status {
        LIVE,
        DONE,
        FAILED,
        CANCELLED
    }

    /** The kind of work. */
    public final Kind kind;

    /** The work's id: a job id, or the id of a call or log task. */
    public final String id;

    final long timeoutNanos;
    final int maxAttempts;
    final boolean lossCounts;
    final CompletionPolicy policy;
    final int priority;
    final long createdAt;

    Status status = Status.LIVE;
    Optional<String> error = Optional.empty();
    int running;
    int committing;
    /** Leases of this work that holders hold, expired ones included. */
    int leases;

    private Map<Long, Replicas> replicas;

    /** The tenant the work belongs to, for fair share between tenants; "" for none. */
    String tenant = "";

    /** Whether stragglers of this work get speculative copies (jobs only; default on). */
    boolean speculation;
    /** Recent attempt durations (answer time minus lease time), a ring, for their median. */
    private final long[] recent = new long[32];

    private int recentCount;
    /** Tasks with a speculative copy running: the other attempt of each, to stop when one wins. */
    Map<Long, List<Lease>> speculated;

    long lastSpeculationNanos;

    /** Dispatch bookkeeping: where the core queued this work (see {@link SchedulerCore}). */
    String group;

    boolean sub;
    boolean queued;
    boolean added;

    /**
     * Creates a work.
     *
     * @param kind the kind of work
     * @param id its id
     * @param timeout the time limit of one attempt
     * @param maxAttempts failed attempts after which a task fails, and with it the work
     * @param lossCounts whether an attempt lost with its worker counts as failed (calls) or not (jobs)
     * @param policy when a task is done
     * @param priority higher first, among works of the same kind
     * @param createdAt older first, among works of the same priority (milliseconds)
     */
    protected Work(
            Kind kind,
            String id,
            Duration timeout,
            int maxAttempts,
            boolean lossCounts,
            CompletionPolicy policy,
            int priority,
            long createdAt) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.kind = kind;
        this.id = id;
        this.timeoutNanos = timeout.toNanos();
        this.maxAttempts = maxAttempts;
        this.lossCounts = lossCounts;
        this.policy = policy;
        this.priority = priority;
        this.createdAt = createdAt;
    }

    /**
     * Lets the core start a copy of a straggling task on an idle holder when nothing of this work is
     * pending (off by default; jobs turn it on unless their spec says otherwise).
     */
    public final void speculate(boolean on) {
        this.speculation = on;
    }

    /**
     * Names the tenant the work belongs to (before it is added): dispatch shares holders fairly
     * between the tenants of live jobs, and by priority within a tenant.
     */
    public final void tenant(String tenant) {
        if (added) {
            throw new IllegalStateException(this + " was added already");
        }
        this.tenant = tenant == null ? "" : tenant;
    }

    /** The tenant the work belongs to; "" for none. */
    public final String tenant() {
        return tenant;
    }

    /** Records how long an answered attempt took. */
    final void tookNanos(long nanos) {
        recent[recentCount++ % recent.length] = Math.max(0, nanos);
    }

    /** The median of the recent attempt durations, or -1 with fewer than five of them. */
    final long medianNanos() {
        int n = Math.min(recentCount, recent.length);
        if (n < 5) {
            return -1;
        }
        long[] copy = java.util.Arrays.copyOf(recent, n);
        java.util.Arrays.sort(copy);
        return copy[n / 2];
    }

    /** Whether the work still runs. */
    public final boolean live() {
        return status == Status.LIVE;
    }

    /** The work's status. */
    public final Status status() {
        return status;
    }

    /** Why the work failed or was cancelled. */
    public final Optional<String> error() {
        return error;
    }

    /** Tasks leased now (current attempts). */
    public final int running() {
        return running;
    }

    /** Tasks whose answer is being made durable. */
    public final int committing() {
        return committing;
    }

    /** The completion policy. */
    public final CompletionPolicy policy() {
        return policy;
    }

    /** The time limit of one attempt. */
    public final Duration timeout() {
        return Duration.ofNanos(timeoutNanos);
    }

    /** Failed attempts after which a task fails. */
    public final int maxAttempts() {
        return maxAttempts;
    }

    // ------------------------------------------------------------------ the task table

    /** The state of a task ({@link TaskState}). */
    public abstract byte state(long key);

    abstract void setState(long key, byte state);

    /** Counts a new attempt of the task and returns its number (from 1). */
    abstract int nextAttempt(long key);

    /** The number of the task's latest attempt. */
    public abstract int currentAttempt(long key);

    /** Counts a failed attempt and returns the failures so far. */
    abstract int fail(long key);

    /** Failed attempts of the task so far. */
    public abstract int failures(long key);

    /** Puts a PENDING task back in the queue, at the front if it should run next. */
    abstract void enqueue(long key, boolean front);

    /** The next task to lease, or -1 if none is pending. */
    abstract long next();

    /** Whether a task may be pending. */
    public abstract boolean hasWork();

    /**
     * Marks a task DONE.
     *
     * @return true if that finished the whole work
     */
    abstract boolean complete(long key);

    /** Frees the task table once the work ended. */
    abstract void release();

    /** Whether a task's key names a task of this work. */
    public abstract boolean valid(long key);

    /** A task as people read it in messages, e.g. {@code partition 3}. */
    public String describe(long key) {
        return id + "/" + key;
    }

    /** The error of an attempt that timed out. */
    public String timedOut(long key, int attempt) {
        return describe(key) + " (attempt " + attempt + "): timed out after " + timeout();
    }

    /** The error of an attempt lost with its worker, for works where that counts. */
    public String lost(long key, int attempt) {
        return describe(key) + ": its worker was lost";
    }

    /** The work's error once a task failed for good. */
    public String finalError(String error, int failures) {
        return error + " (failed " + failures + " of " + maxAttempts + " attempts)";
    }

    // ------------------------------------------------------------------ replicas

    /** The replicas of a task that needs several answers; null for a one-answer task. */
    final Replicas replicas(long key) {
        if (!replicated()) {
            return null;
        }
        if (replicas == null) {
            replicas = new HashMap<>();
        }
        return replicas.computeIfAbsent(key, k -> new Replicas(policy.replicas()));
    }

    /** Whether tasks of this work may need more than one answer. */
    public final boolean replicated() {
        return policy.maxReplicas() > 1;
    }

    final void forgetReplicas(long key) {
        if (replicas != null) {
            replicas.remove(key);
        }
    }

    final void forgetAllReplicas() {
        replicas = null;
    }

    /** Adds what is inconsistent between the replicas of tasks and their states to {@code out}. */
    final void replicaBreaches(List<String> out) {
        if (replicas == null || !live()) {
            return;
        }
        for (Map.Entry<Long, Replicas> e : replicas.entrySet()) {
            byte s = state(e.getKey());
            Replicas r = e.getValue();
            if (s == TaskState.PENDING && r.full() || s == TaskState.LEASED && !r.full()) {
                out.add(describe(e.getKey()) + " of " + this + " is " + TaskState.name(s) + " with " + r.inFlight.size()
                        + " replicas running and " + r.answers.size() + " answers of " + r.target);
            }
        }
    }

    /** Whether the lease is a current attempt of its open task. */
    final boolean isCurrent(Lease lease) {
        if (replicated()) {
            Replicas r = replicas == null ? null : replicas.get(lease.key);
            return r != null && r.inFlight.contains(lease);
        }
        return state(lease.key) == TaskState.LEASED && currentAttempt(lease.key) == lease.attempt;
    }

    /** The answers and running attempts of a task that needs several answers. */
    static final class Replicas {
        int target;
        final List<Lease> inFlight = new ArrayList<>(2);
        final List<Answer> answers = new ArrayList<>(2);

        Replicas(int target) {
            this.target = target;
        }

        boolean hasHost(String host) {
            for (Lease l : inFlight) {
                if (l.holder.host.equals(host)) {
                    return true;
                }
            }
            for (Answer a : answers) {
                if (a.host().equals(host)) {
                    return true;
                }
            }
            return false;
        }

        boolean full() {
            return inFlight.size() + answers.size() >= target;
        }
    }

    /** Hashes by id, so that maps keyed by works iterate the same way in every run (replayable seeds). */
    @Override
    public final int hashCode() {
        return id.hashCode();
    }

    /** Identity: two works are the same only if they are one object. */
    @Override
    public final boolean equals(Object other) {
        return this == other;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + " " + id;
    }
}
