package io.partita.coordinator.core;

import java.time.Duration;

/**
 * Work of exactly one task (key 0): a grid call or a log task. Guarded by the shell's lock.
 */
public class SingleWork extends Work {
    private byte state = TaskState.PENDING;
    private byte attempts;
    private byte failures;

    /**
     * Creates a one-task work; see {@link Work#Work} for the parameters. {@code group} names the
     * dispatch queue it waits in (calls of one function share one); {@code sub} puts it ahead of the
     * queue's other works (a call made by a running task runs first, newest first).
     */
    protected SingleWork(
            Kind kind,
            String id,
            Duration timeout,
            int maxAttempts,
            boolean lossCounts,
            CompletionPolicy policy,
            String group,
            boolean sub,
            long createdAt) {
        super(kind, id, timeout, maxAttempts, lossCounts, policy, 0, createdAt);
        this.group = group;
        this.sub = sub;
    }

    @Override
    public boolean valid(long key) {
        return key == 0;
    }

    @Override
    public final byte state(long key) {
        return state;
    }

    @Override
    final void setState(long key, byte value) {
        state = value;
    }

    @Override
    final int nextAttempt(long key) {
        return attempts = (byte) Math.min(127, attempts + 1);
    }

    @Override
    public final int currentAttempt(long key) {
        return attempts;
    }

    @Override
    final int fail(long key) {
        return failures = (byte) Math.min(127, failures + 1);
    }

    @Override
    public final int failures(long key) {
        return failures;
    }

    @Override
    final void enqueue(long key, boolean front) {
        // the core's queues hold the work itself
    }

    @Override
    final long next() {
        return live() && state == TaskState.PENDING ? 0 : -1;
    }

    @Override
    public final boolean hasWork() {
        return live() && state == TaskState.PENDING;
    }

    @Override
    final boolean complete(long key) {
        state = TaskState.DONE;
        return true;
    }

    @Override
    final void release() {
        forgetAllReplicas();
    }
}
