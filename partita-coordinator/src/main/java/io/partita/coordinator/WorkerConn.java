package io.partita.coordinator;

import io.partita.protocol.Message;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A connected worker as the scheduler sees it: its capabilities, credits, leases and counters.
 * Mutable fields are guarded by the scheduler's lock; {@link #outbox} is thread-safe.
 */
final class WorkerConn {
    final String id;
    final Message.Hello hello;
    final Set<String> functions;
    final Set<String> onlyJobs;
    final String remote;
    final long connectedAt;
    final Outbox outbox;

    int credits;
    boolean draining;
    boolean closed;
    final Map<Lease.Id, Lease> leases = new HashMap<>();
    final Map<JobEvents.LogCall.Key, JobEvents.LogCall> logLeases = new HashMap<>();
    /** Grid calls leased to this worker, by call number. */
    final Map<Long, CallRun> callLeases = new HashMap<>();
    /** How many of the leases (job and call) are suspended, waiting for grid calls. */
    int suspended;

    final Set<String> knownJobs = new HashSet<>();
    long tasksDone;
    long tasksFailed;
    volatile long lastSeenNanos;
    final RateMeter rate = new RateMeter();

    WorkerConn(String id, Message.Hello hello, String remote, long connectedAt, Outbox outbox, long nowNanos) {
        this.id = id;
        this.hello = hello;
        this.functions = Set.copyOf(hello.functions());
        this.onlyJobs = Set.copyOf(hello.jobList());
        this.remote = remote;
        this.connectedAt = connectedAt;
        this.outbox = outbox;
        this.lastSeenNanos = nowNanos;
    }

    /**
     * Whether this worker may get the job's tasks: it has the job's runtime (JavaScript) or function
     * (Java; the built-in query function needs only the {@code data} feature its requirements name),
     * meets the job's requirements, and, if it asked for particular jobs, this is one.
     */
    boolean canRun(JobRun job) {
        boolean runs = job.spec.code().isPresent()
                ? hello.runtimes().contains(job.spec.runtime())
                : functions.contains(job.spec.function()) || job.spec.runtime().equals("query");
        return runs
                && (onlyJobs.isEmpty() || onlyJobs.contains(job.id))
                && job.spec.requirements().metBy(hello);
    }

    /** The tasks this worker holds that occupy (or wait for) a slot: not the suspended ones. */
    int held() {
        return leases.size() + callLeases.size() + logLeases.size() - suspended;
    }

    /** Seconds of work, at a worker's observed rate, that it may hold at once. */
    static final double HOLD_SECONDS = 2.0;

    /**
     * The most tasks this worker may hold at once, whatever credits it granted: two per slot, or
     * {@value #HOLD_SECONDS} seconds of work at its observed rate if that is more. A slow phone
     * holds a task or two per slot; a fast desktop's pipeline grows with its speed (as long as a
     * round trip is shorter than the hold time); nobody hoards what others could run.
     */
    int allowance(long nowMillis) {
        long byRate = (long) Math.ceil(rate.perSecond(nowMillis) * HOLD_SECONDS);
        return (int) Math.min(1_000_000, Math.max(2L * hello.slots(), byRate));
    }

    /** Where a worker's messages go: its connection's sender. */
    interface Outbox {
        /** Queues a message; never blocks. */
        void send(Message message);

        /** Queues a batch of leases, turned into a {@code tasks} message by the sender. */
        void sendTasks(List<Message.JobInfo> jobs, List<Lease> leases);

        /** Closes the connection with a WebSocket close code and reason. */
        void close(int code, String reason);

        /**
         * Whether the connection is still open. Checked by every sweep: a socket that closed without
         * a close frame (a killed worker) may not be reported by the server otherwise.
         */
        default boolean open() {
            return true;
        }
    }
}
