package io.partita.coordinator.core;

import io.partita.store.TreeShape;
import java.time.Duration;
import java.util.BitSet;

/**
 * The task table of a job: an optional prepare task, one task per partition (level 0) and the
 * combine tree of {@link TreeShape} above them, in compact arrays: a state byte, an attempt counter
 * and a failure counter per task, so a million partitions cost three bytes each until they run.
 *
 * <p>Tasks are named by a key {@code (level + 1) << 32 | index}: key 0 is the prepare task. Fresh
 * partitions are handed out by a cursor; requeued tasks and combine nodes whose children are all
 * done wait in queues, combine nodes first. Guarded by the shell's lock.
 */
public class TreeWork extends Work {
    private TreeShape shape;
    private byte[][] state;
    private byte[][] attempts;
    private byte[][] failures;
    private int[][] remaining;

    private byte prepareState = TaskState.PENDING;
    private byte prepareAttempts;
    private byte prepareFailures;

    private int cursor;
    private final LongQueue ready = new LongQueue();
    private final LongQueue retry = new LongQueue();

    long done;
    long doneComputes;
    long failed;
    long retried;

    /** Creates a job's task table; it is preparing until {@link #start} gives it its partitions. */
    protected TreeWork(
            String id, Duration timeout, int maxAttempts, CompletionPolicy policy, int priority, long createdAt) {
        super(Kind.JOB, id, timeout, maxAttempts, false, policy, priority, createdAt);
    }

    /** The key of node {@code index} of {@code level} (level -1 is the prepare task). */
    public static long key(int level, long index) {
        return ((long) (level + 1) << 32) | index;
    }

    /** The level of a key: -1 for prepare, 0 for partitions, 1.. for combine nodes. */
    public static int level(long key) {
        return (int) (key >>> 32) - 1;
    }

    /** The index of a key within its level. */
    public static int index(long key) {
        return (int) key;
    }

    /** Whether the job still waits for its prepare task to say how many partitions it has. */
    public final boolean preparing() {
        return shape == null;
    }

    /** The combine tree's shape; null while preparing. */
    public final TreeShape shape() {
        return shape;
    }

    /**
     * Sets up the task arrays once the partition count is known. {@code complete[k]} marks nodes of
     * level k known to be done (from the store after a restart or reuse); it may be null.
     */
    public final void start(long partitions, BitSet[] complete) {
        shape = new TreeShape(partitions, fanIn(partitions));
        prepareState = TaskState.DONE;
        int levels = shape.levels();
        state = new byte[levels][];
        attempts = new byte[levels][];
        failures = new byte[levels][];
        remaining = new int[levels][];
        for (int level = 0; level < levels; level++) {
            int size = (int) shape.size(level);
            state[level] = new byte[size];
            attempts[level] = new byte[size];
            failures[level] = new byte[size];
            if (complete != null) {
                BitSet bits = complete[level];
                for (int i = bits.nextSetBit(0); i >= 0 && i < size; i = bits.nextSetBit(i + 1)) {
                    state[level][i] = TaskState.DONE;
                    done++;
                    if (level == 0) {
                        doneComputes++;
                    }
                }
            }
        }
        for (int level = 1; level < levels; level++) {
            int size = (int) shape.size(level);
            remaining[level] = new int[size];
            for (int i = 0; i < size; i++) {
                int open = 0;
                for (long c = shape.firstChild(i); c < shape.endChild(level, i); c++) {
                    if (state[level - 1][(int) c] != TaskState.DONE) {
                        open++;
                    }
                }
                remaining[level][i] = open;
                if (open == 0 && state[level][i] != TaskState.DONE) {
                    ready.add(key(level, i));
                }
            }
        }
    }

    /**
     * Restores a task's failed attempts from the store after a restart, so that it does not get a
     * fresh set of attempts: its next attempt is numbered after them. Call after {@link #start} (or
     * before it for the prepare task, level -1).
     */
    public final void restoreFailures(int level, long index, int count) {
        byte n = (byte) Math.min(127, Math.max(0, count));
        if (level < 0) {
            prepareFailures = n;
            prepareAttempts = (byte) Math.max(prepareAttempts, n);
        } else if (state != null && level < state.length && index >= 0 && index < state[level].length) {
            failures[level][(int) index] = n;
            attempts[level][(int) index] = (byte) Math.max(attempts[level][(int) index], n);
        } else {
            return;
        }
        failed += n;
    }

    /** The combine fan-in for a job of this many partitions. */
    protected int fanIn(long partitions) {
        return 64;
    }

    /** Whether every task is done (a job rebuilt from outputs that were all stored already). */
    public final boolean allDone() {
        return shape != null && state != null && state[shape.top()][0] == TaskState.DONE;
    }

    /** Partitions of the job; -1 while preparing. */
    public final long partitions() {
        return shape == null ? -1 : shape.size(0);
    }

    /** Tasks of the job, prepare not counted once prepared. */
    public final long totalTasks() {
        if (shape == null) {
            return 1;
        }
        long total = 0;
        for (int level = 0; level < shape.levels(); level++) {
            total += shape.size(level);
        }
        return total;
    }

    /** Tasks made durable (partitions and combine nodes). */
    public final long done() {
        return done;
    }

    /** Partitions made durable. */
    public final long doneComputes() {
        return doneComputes;
    }

    /** Failed attempts. */
    public final long failed() {
        return failed;
    }

    /** Tasks that were leased more than once. */
    public final long retried() {
        return retried;
    }

    /** Copies of the partitions' state bytes, or null while preparing or once released. */
    public final byte[] partitionStates() {
        return state == null ? null : state[0].clone();
    }

    /** Copies of the partitions' failure counters, or null while preparing or once released. */
    public final byte[] partitionFailures() {
        return failures == null ? null : failures[0].clone();
    }

    @Override
    public boolean valid(long key) {
        int level = level(key);
        if (level < 0) {
            return key == 0;
        }
        return shape != null && level < shape.levels() && index(key) >= 0 && index(key) < shape.size(level);
    }

    @Override
    public final byte state(long key) {
        int level = level(key);
        if (level < 0) {
            return prepareState;
        }
        if (state == null) {
            return status == Status.LIVE ? TaskState.PENDING : terminalState();
        }
        return state[level][index(key)];
    }

    private byte terminalState() {
        return switch (status) {
            case DONE -> TaskState.DONE;
            case FAILED -> TaskState.FAILED;
            default -> TaskState.CANCELLED;
        };
    }

    @Override
    final void setState(long key, byte value) {
        int level = level(key);
        if (level < 0) {
            prepareState = value;
        } else {
            state[level][index(key)] = value;
        }
    }

    @Override
    final int nextAttempt(long key) {
        int level = level(key);
        int count;
        if (level < 0) {
            count = prepareAttempts = (byte) Math.min(127, prepareAttempts + 1);
        } else {
            byte[] row = attempts[level];
            int i = index(key);
            count = row[i] = (byte) Math.min(127, row[i] + 1);
        }
        if (count == 2) {
            retried++;
        }
        return count;
    }

    @Override
    public final int currentAttempt(long key) {
        int level = level(key);
        if (level < 0) {
            return prepareAttempts;
        }
        return attempts == null ? 0 : attempts[level][index(key)];
    }

    @Override
    final int fail(long key) {
        failed++;
        int level = level(key);
        if (level < 0) {
            return prepareFailures = (byte) Math.min(127, prepareFailures + 1);
        }
        byte[] row = failures[level];
        int i = index(key);
        return row[i] = (byte) Math.min(127, row[i] + 1);
    }

    @Override
    public final int failures(long key) {
        int level = level(key);
        if (level < 0) {
            return prepareFailures;
        }
        return failures == null ? 0 : failures[level][index(key)];
    }

    @Override
    final void enqueue(long key, boolean front) {
        if (level(key) >= 0) {
            retry.add(key);
        }
    }

    @Override
    final boolean complete(long key) {
        setState(key, TaskState.DONE);
        int level = level(key);
        if (level < 0) {
            return false; // the shell starts the tree with the prepared partition count
        }
        done++;
        if (level == 0) {
            doneComputes++;
        }
        if (level == shape.top()) {
            return true;
        }
        long parent = shape.parent(index(key));
        if (--remaining[level + 1][(int) parent] == 0) {
            ready.add(key(level + 1, parent));
        }
        return false;
    }

    @Override
    public final boolean hasWork() {
        if (!live()) {
            return false;
        }
        if (shape == null) {
            return prepareState == TaskState.PENDING;
        }
        return !ready.isEmpty() || !retry.isEmpty() || cursor < state[0].length;
    }

    @Override
    final long next() {
        if (!live()) {
            return -1;
        }
        if (shape == null) {
            return prepareState == TaskState.PENDING ? 0 : -1;
        }
        for (long k = ready.poll(); k != -1; k = ready.poll()) {
            if (state(k) == TaskState.PENDING) {
                return k;
            }
        }
        for (long k = retry.poll(); k != -1; k = retry.poll()) {
            if (state(k) == TaskState.PENDING) {
                return k;
            }
        }
        byte[] partitions = state[0];
        while (cursor < partitions.length) {
            int i = cursor++;
            if (partitions[i] == TaskState.PENDING) {
                return key(0, i);
            }
        }
        return -1;
    }

    /** Called once the work ended, before its task arrays are freed. */
    protected void beforeRelease() {}

    @Override
    final void release() {
        beforeRelease();
        state = null;
        attempts = null;
        failures = null;
        remaining = null;
        ready.clear();
        retry.clear();
        forgetAllReplicas();
    }

    @Override
    public String describe(long key) {
        int level = level(key);
        return level < 0 ? "prepare" : level == 0 ? "partition " + index(key) : "combine " + level + "/" + index(key);
    }

    @Override
    public String timedOut(long key, int attempt) {
        int level = level(key);
        String what = level == 0 ? "partition " + index(key) : "task " + level + "/" + index(key);
        return what + " (attempt " + attempt + "): timed out after " + timeout();
    }
}
