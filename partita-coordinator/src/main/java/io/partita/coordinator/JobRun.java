package io.partita.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.store.JobStatus;
import io.partita.store.TreeShape;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * The in-memory state of one live job: a state byte, a lease counter and a failure counter per
 * task, and the queues of ready tasks. Not thread-safe: the {@link Scheduler} guards it with its
 * lock.
 *
 * <p>Tasks are named by a key {@code (level + 1) << 32 | index}: key 0 is the prepare task, level 0
 * holds the partitions, levels 1.. the combine tree of {@link TreeShape}. A task moves
 *
 * <pre>
 *   PENDING --lease--> LEASED --result--> COMMITTING --durable--> DONE
 *      ^                  |                    |
 *      +--lost/timeout/failure--+   <---commit failed---+
 * </pre>
 *
 * A late result of an earlier attempt may move a PENDING or LEASED task to COMMITTING; the result
 * of any other attempt is then ignored. Fresh partitions are handed out by a cursor, so a million
 * partitions cost three bytes each until they run; requeued tasks and combine nodes whose children
 * are all done wait in queues.
 */
final class JobRun {
    static final byte PENDING = 0;
    static final byte LEASED = 1;
    static final byte COMMITTING = 2;
    static final byte DONE = 3;

    final String id;
    final JobSpec spec;
    final long createdAt;
    JobStatus status;
    Optional<String> error = Optional.empty();

    TreeShape shape;
    private byte[][] state;
    private byte[][] leases;
    private byte[][] failures;
    private int[][] remaining;
    List<JsonNode> inputs = List.of();

    private byte prepareState = PENDING;
    private byte prepareLeases;
    private byte prepareFailures;

    private int cursor;
    private final LongQueue ready = new LongQueue();
    private final LongQueue retry = new LongQueue();

    long leased;
    long done;
    long doneComputes;
    long failed;
    long retried;
    final RateMeter rate = new RateMeter();

    /** Completions per second over the last ten minutes, for the dashboard. */
    final RateHistory history = new RateHistory();

    /** The partition map at the end, as runs (see {@link PartitionMap}); null while live. */
    long[] finalMap;

    /** The number of the job's last event; see {@link JobEvents}. */
    long eventSeq;

    int taskEvents;
    long taskEventsDropped;
    boolean started;

    JobRun(String id, JobSpec spec, long createdAt, JobStatus status) {
        this.id = id;
        this.spec = spec;
        this.createdAt = createdAt;
        this.status = status;
    }

    static long key(int level, long index) {
        return ((long) (level + 1) << 32) | index;
    }

    static int level(long key) {
        return (int) (key >>> 32) - 1;
    }

    static int index(long key) {
        return (int) key;
    }

    boolean preparing() {
        return shape == null;
    }

    /**
     * Sets up the task arrays once the partition count is known. {@code complete[k]} marks nodes of
     * level k known to be done (from the store after a restart); it may be null.
     */
    void start(long partitions, BitSet[] complete) {
        shape = new TreeShape(partitions, spec.fanInFor(partitions));
        int levels = shape.levels();
        state = new byte[levels][];
        leases = new byte[levels][];
        failures = new byte[levels][];
        remaining = new int[levels][];
        for (int level = 0; level < levels; level++) {
            int size = (int) shape.size(level);
            state[level] = new byte[size];
            leases[level] = new byte[size];
            failures[level] = new byte[size];
            if (complete != null) {
                BitSet bits = complete[level];
                for (int i = bits.nextSetBit(0); i >= 0 && i < size; i = bits.nextSetBit(i + 1)) {
                    state[level][i] = DONE;
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
                    if (state[level - 1][(int) c] != DONE) {
                        open++;
                    }
                }
                remaining[level][i] = open;
                if (open == 0 && state[level][i] != DONE) {
                    ready.add(key(level, i));
                }
            }
        }
        status = JobStatus.RUNNING;
    }

    /**
     * The partition map codes, from copies of the level-0 arrays (the caller holds the scheduler's
     * lock); after the job ended, the map it ended with. Null while preparing.
     */
    byte[] partitionCodes() {
        if (state == null) {
            return finalMap == null ? null : PartitionMap.expand(finalMap, (int) partitions());
        }
        return PartitionMap.codes(state[0].clone(), failures[0].clone());
    }

    /** Frees the task arrays of a finished job, keeping its partition map in compact form. */
    void release() {
        if (state != null) {
            byte[] codes = PartitionMap.codes(state[0], failures[0]);
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] == PartitionMap.RUNNING) {
                    codes[i] = failures[0][i] > 0 ? PartitionMap.FAILED : PartitionMap.PENDING; // nothing runs any more
                }
            }
            finalMap = PartitionMap.runs(codes);
        }
        state = null;
        leases = null;
        failures = null;
        remaining = null;
        inputs = List.of();
        ready.clear();
        retry.clear();
    }

    boolean live() {
        return status == JobStatus.RUNNING || status == JobStatus.PREPARING;
    }

    long partitions() {
        return shape == null ? -1 : shape.size(0);
    }

    long totalTasks() {
        if (shape == null) {
            return 1;
        }
        long total = 0;
        for (int level = 0; level < shape.levels(); level++) {
            total += shape.size(level);
        }
        return total;
    }

    byte state(long key) {
        int level = level(key);
        return level < 0 ? prepareState : state[level][index(key)];
    }

    void setState(long key, byte value) {
        int level = level(key);
        if (level < 0) {
            prepareState = value;
        } else {
            state[level][index(key)] = value;
        }
    }

    /** Counts a new lease of the task and returns its attempt number (from 1, saturating). */
    int nextAttempt(long key) {
        int level = level(key);
        int count;
        if (level < 0) {
            count = prepareLeases = (byte) Math.min(127, prepareLeases + 1);
        } else {
            byte[] row = leases[level];
            int i = index(key);
            count = row[i] = (byte) Math.min(127, row[i] + 1);
        }
        if (count == 2) {
            retried++;
        }
        return count;
    }

    int currentAttempt(long key) {
        int level = level(key);
        return level < 0 ? prepareLeases : leases[level][index(key)];
    }

    /** Counts a failed attempt and returns the failures so far. */
    int fail(long key) {
        failed++;
        int level = level(key);
        if (level < 0) {
            return prepareFailures = (byte) Math.min(127, prepareFailures + 1);
        }
        byte[] row = failures[level];
        int i = index(key);
        return row[i] = (byte) Math.min(127, row[i] + 1);
    }

    /** Puts a task back in the queue. */
    void requeue(long key) {
        setState(key, PENDING);
        if (level(key) >= 0) {
            retry.add(key);
        }
    }

    /**
     * Marks a task durable and returns the key of its parent if that became ready, 0 if the job's
     * root finished, or -1 otherwise.
     */
    long complete(long key) {
        setState(key, DONE);
        done++;
        int level = level(key);
        if (level == 0) {
            doneComputes++;
        }
        if (level == shape.top()) {
            return 0;
        }
        long parent = shape.parent(index(key));
        int left = --remaining[level + 1][(int) parent];
        if (left == 0) {
            long parentKey = key(level + 1, parent);
            ready.add(parentKey);
            return parentKey;
        }
        return -1;
    }

    boolean hasWork() {
        if (!live()) {
            return false;
        }
        if (shape == null) {
            return prepareState == PENDING;
        }
        return !ready.isEmpty() || !retry.isEmpty() || cursor < state[0].length;
    }

    /** The next task to lease, combine nodes first, or -1 if none is pending. */
    long next() {
        if (!live()) {
            return -1;
        }
        if (shape == null) {
            return prepareState == PENDING ? 0 : -1;
        }
        for (long k = ready.poll(); k != -1; k = ready.poll()) {
            if (state(k) == PENDING) {
                return k;
            }
        }
        for (long k = retry.poll(); k != -1; k = retry.poll()) {
            if (state(k) == PENDING) {
                return k;
            }
        }
        byte[] partitions = state[0];
        while (cursor < partitions.length) {
            int i = cursor++;
            if (partitions[i] == PENDING) {
                return key(0, i);
            }
        }
        return -1;
    }

    private long committing;

    long committing() {
        return committing;
    }

    void addCommitting(int delta) {
        committing += delta;
    }
}
