package io.partita.coordinator.sched;

import io.partita.coordinator.calls.CallFunctions;
import io.partita.coordinator.core.Holder;
import io.partita.coordinator.core.Lease;
import io.partita.coordinator.core.Work;
import io.partita.protocol.Message;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A connected worker as the coordinator sees it: its hello, its connection, and the descriptors it was
 * sent. Its credits and leases are the core's {@link Holder}'s. Mutable fields are guarded by the
 * scheduler's lock; {@link #outbox} is thread-safe.
 */
public final class WorkerConn {
    /** The worker's id. */
    public final String id;

    final Message.Hello hello;
    final Set<String> functions;
    final Set<String> onlyJobs;
    final String remote;
    final long connectedAt;
    /** Where messages to the worker go. */
    public final Outbox outbox;

    /** How far its answers are believed; set once at connect. */
    io.partita.coordinator.core.Trust trust = io.partita.coordinator.core.Trust.UNTRUSTED;

    /** The worker in the core's ledger; set once at connect. */
    Holder holder;

    /** The one tenant whose work this worker asked for (a lab's join link); null for any. */
    String tenant;

    final Set<String> knownJobs = new HashSet<>();
    volatile long lastSeenNanos;

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

    /** The public id of its host's record (docs/verification.md). */
    public String volunteerId() {
        return holder.reputation.key;
    }

    /** Whether the connection was lost or closed. */
    boolean closed() {
        return holder.closed();
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
                && (tenant == null || tenant.equals(job.tenant()))
                && job.spec.requirements().metBy(hello);
    }

    /** Whether a worker can run calls of {@code def}: it has that version of the Java function or runs JS. */
    private boolean canRun(CallRun call) {
        CallFunctions.Def def = call.def;
        if (!onlyJobs.isEmpty()) {
            return false; // a volunteer that joined one job runs only that job
        }
        if (tenant != null && !tenant.equals(call.tenant())) {
            return false;
        }
        if (def.js()) {
            return hello.runtimes().contains("js");
        }
        for (Message.FunctionInfo info : hello.catalogList()) {
            if ("call".equals(info.kind())
                    && def.name().equals(info.name())
                    && def.version().equals(info.version())) {
                return true;
            }
        }
        return false;
    }

    /** Whether this worker may run a work of any kind: the core's capability check. */
    boolean canRunWork(Work work) {
        return switch (work) {
            case JobRun job -> canRun(job);
            case CallRun call -> canRun(call);
            case JobEvents.LogCall log -> canRun(log.job);
            default -> false;
        };
    }

    /** Where a worker's messages go: its connection's sender. */
    public interface Outbox {
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
