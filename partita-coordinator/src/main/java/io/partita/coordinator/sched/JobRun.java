package io.partita.coordinator.sched;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.core.RateMeter;
import io.partita.coordinator.core.TaskState;
import io.partita.coordinator.core.TreeWork;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.store.JobStatus;
import java.util.List;

/**
 * One live (or recently finished) job as the coordinator sees it: its task table, kept and decided by
 * the scheduling core ({@link TreeWork}), plus what only the coordinator needs — the spec, the status
 * it reports, the inputs a prepare task produced, rates and event counters. Not thread-safe: the
 * {@link Scheduler} guards it with its lock.
 */
public final class JobRun extends TreeWork {
    /** Task states, for the partition map. */
    static final byte PENDING = TaskState.PENDING;

    static final byte LEASED = TaskState.LEASED;
    static final byte COMMITTING = TaskState.COMMITTING;
    static final byte DONE = TaskState.DONE;

    final JobSpec spec;
    final long createdAt;
    /** The status the job reports. */
    public JobStatus status;

    List<JsonNode> inputs = List.of();

    final RateMeter rate = new RateMeter();

    /** Completions per second over the last ten minutes, for the dashboard. */
    final RateHistory history = new RateHistory();

    /** The partition map at the end, as runs (see {@link PartitionMap}); null while live. */
    long[] finalMap;

    /** The number of the job's last event; see {@link JobEvents}. */
    long eventSeq;
    /** Answers workers gave, replicas included: with the tasks done, what verification cost. */
    long answers;
    /**
     * Tasks that had a failed attempt (an error, a time-out, a lost worker), so ran or run again.
     * Not the core's count of tasks leased more than once: a task given back unstarted, or a
     * speculative copy, is not a retry.
     */
    long tasksRetried;

    /** The tasks counted in {@link #tasksRetried}, so that a task counts once however it failed. */
    private java.util.Set<Long> retriedKeys;

    /** Counts a task as retried (a failed attempt, or an attempt lost with its worker), once. */
    void retried(long key) {
        if (retriedKeys == null) {
            retriedKeys = new java.util.HashSet<>();
        }
        if (retriedKeys.add(key)) {
            tasksRetried++;
        }
    }

    int taskEvents;
    long taskEventsDropped;
    long taskEventBytes;
    boolean started;

    JobRun(String id, JobSpec spec, long createdAt, JobStatus status, String tenant) {
        super(
                id,
                spec.taskTimeout(),
                spec.maxAttempts(),
                spec.verification().policy(Scheduler::outputOf),
                spec.priority(),
                createdAt);
        this.spec = spec;
        this.createdAt = createdAt;
        speculate(spec.speculation());
        tenant(tenant);
        this.status = status;
    }

    @Override
    protected int fanIn(long partitions) {
        return spec.fanInFor(partitions);
    }

    /**
     * The partition map codes, from copies of the level-0 arrays (the caller holds the scheduler's
     * lock); after the job ended, the map it ended with. Null while preparing.
     */
    byte[] partitionCodes() {
        byte[] states = partitionStates();
        if (states == null) {
            return finalMap == null ? null : PartitionMap.expand(finalMap, (int) partitions());
        }
        return PartitionMap.codes(states, partitionFailures());
    }

    /** Keeps the partition map in compact form before the core frees the task arrays. */
    @Override
    protected void beforeRelease() {
        byte[] states = partitionStates();
        if (states != null) {
            byte[] codes = PartitionMap.codes(states, partitionFailures());
            byte[] failures = partitionFailures();
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] == PartitionMap.RUNNING) {
                    codes[i] = failures[i] > 0 ? PartitionMap.FAILED : PartitionMap.PENDING; // nothing runs any more
                }
            }
            finalMap = PartitionMap.runs(codes);
        }
        inputs = List.of();
    }
}
