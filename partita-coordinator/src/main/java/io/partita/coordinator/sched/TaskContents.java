package io.partita.coordinator.sched;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.core.Lease;
import io.partita.protocol.Message;
import io.partita.store.Store;
import io.partita.store.StoreException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a leased task contains on the wire, for every kind of work: a job's prepare, compute, combine
 * or data-phase task (whose inputs are read from the store here, off the scheduler's lock, on the
 * connection's sender thread), a grid call, or a log task. Thread-safe.
 */
public final class TaskContents {
    private final Store store;
    private final DataInputs dataJobs;
    private final ObjectMapper mapper;
    private final StoreHealth health;
    private final long maxCombineInputBytes;

    /**
     * Task contents read from {@code store}, data tasks' inputs from {@code dataJobs}; store failures
     * reported to {@code health}; a combine task's inputs may total at most {@code
     * maxCombineInputBytes} ({@code max-combine-input}).
     */
    public TaskContents(
            Store store, DataInputs dataJobs, ObjectMapper mapper, StoreHealth health, long maxCombineInputBytes) {
        this.store = store;
        this.dataJobs = dataJobs;
        this.mapper = mapper;
        this.health = health;
        this.maxCombineInputBytes = maxCombineInputBytes;
    }

    /** As above, with the default {@code max-combine-input}. */
    public TaskContents(Store store, DataInputs dataJobs, ObjectMapper mapper, StoreHealth health) {
        this(store, dataJobs, mapper, health, io.partita.coordinator.Limits.DEFAULT_MAX_COMBINE_INPUT_BYTES);
    }

    /**
     * Thrown when a task can never be sent, whoever takes it: its inputs are over a bound. Its job
     * must fail with this message (retrying reads the same inputs).
     */
    public static final class OverLimit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OverLimit(String message) {
            super(message);
        }
    }

    /** Where the inputs of data jobs' tasks come from: the data-job service. */
    public interface DataInputs {
        /**
         * The op and input of a data task's lease (level 0 of a phase job).
         *
         * @throws IllegalStateException if the job is not a live data phase
         */
        TaskInput input(Lease lease);
    }

    /** What a data task gets: its op and its input (with capability URLs). */
    public record TaskInput(String op, JsonNode input) {}

    /**
     * Thrown when a task's inputs cannot be read: the lease is given up. If the store was at fault
     * ({@link #storeFault()}), that is the coordinator's problem, not the task's: the attempt does not
     * count, and the store is reported degraded until it answers again.
     */
    public static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean storeFault;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
            boolean fault = false;
            for (Throwable t = cause; t != null && !fault; t = t.getCause()) {
                fault = t instanceof StoreException se && se.isStoreFailure();
            }
            this.storeFault = fault;
        }

        /** Whether the store failed (rather than the task's inputs being unusable). */
        public boolean storeFault() {
            return storeFault;
        }
    }

    /**
     * The task message of a lease.
     *
     * @throws Unavailable if its inputs cannot be read
     * @throws OverLimit if its inputs are too large to be sent at all
     */
    public Message.Task content(Lease lease) {
        try {
            Message.Task task = task(lease);
            if (health.failing(StoreHealth.Path.READS)) {
                health.recovered(StoreHealth.Path.READS);
            }
            return task;
        } catch (Unavailable e) {
            if (e.storeFault()) {
                StoreException cause = storeCause(e);
                health.failed(StoreHealth.Path.READS, cause);
            }
            throw e;
        }
    }

    private static StoreException storeCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreException se) {
                return se;
            }
        }
        throw new IllegalArgumentException("no store failure in " + e);
    }

    private Message.Task task(Lease lease) {
        return switch (lease.work) {
            case CallRun c ->
                new Message.Task(c.def.descriptorId(), "call", Message.CALL_LEVEL, c.seq, lease.attempt, c.args, null);
            case JobEvents.LogCall l ->
                new Message.Task(l.job.id, "log", JobEvents.LOG_LEVEL, l.seq(), lease.attempt, l.event, null);
            case JobRun job -> jobTask(job, lease);
            default -> throw new IllegalStateException("unknown work " + lease.work);
        };
    }

    private Message.Task jobTask(JobRun job, Lease lease) {
        int level = JobRun.level(lease.key);
        long index = JobRun.index(lease.key);
        if (level < 0) {
            return new Message.Task(job.id, "prepare", -1, 0, lease.attempt, null, null);
        }
        if (level == 0 && job.spec.dataJob().isPresent()) {
            try {
                TaskInput in = dataJobs.input(lease);
                return new Message.Task(job.id, in.op(), 0, index, lease.attempt, in.input(), null);
            } catch (RuntimeException e) {
                throw new Unavailable("cannot prepare the data task: " + e.getMessage(), e);
            }
        }
        if (level == 0) {
            List<JsonNode> inputs = job.inputs;
            JsonNode input = inputs.isEmpty() ? null : inputs.get((int) index);
            return new Message.Task(job.id, "compute", 0, index, lease.attempt, input, null);
        }
        long from = job.shape().firstChild(index);
        long to = job.shape().endChild(level, index);
        // Measured before a byte is loaded: the inputs are held three times over (stored bytes, trees,
        // the encoded frame), and 48 outputs of 8 MB made the coordinator run out of memory (issue 18).
        long total;
        try {
            total = store.outputBytes(job.id, level - 1, from, to);
        } catch (RuntimeException e) {
            throw new Unavailable("cannot measure combine inputs: " + e.getMessage(), e);
        }
        if (total > maxCombineInputBytes) {
            throw new OverLimit("the " + (to - from) + " inputs of combine task " + index + " (level " + level
                    + ") total " + total + " bytes, over the limit of " + maxCombineInputBytes
                    + " bytes (max-combine-input); return smaller outputs from compute and combine, use a"
                    + " smaller options.fanIn, or raise max-combine-input");
        }
        try {
            List<byte[]> raw = store.outputs(job.id, level - 1, from, to);
            if (raw.size() != to - from) {
                throw new IllegalStateException("expected " + (to - from) + " child outputs, found " + raw.size());
            }
            List<JsonNode> inputs = new ArrayList<>(raw.size());
            for (byte[] bytes : raw) {
                inputs.add(mapper.readTree(bytes));
            }
            String op = job.spec.dataJob().isPresent() ? "merge" : "combine";
            return new Message.Task(job.id, op, level, index, lease.attempt, null, inputs);
        } catch (Exception e) {
            throw new Unavailable("cannot read combine inputs: " + e.getMessage(), e);
        }
    }
}
