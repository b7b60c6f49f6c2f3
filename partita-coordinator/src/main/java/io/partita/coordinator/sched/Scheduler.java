package io.partita.coordinator.sched;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.auth.Ownership;
import io.partita.coordinator.calls.CallCache;
import io.partita.coordinator.calls.CallFunctions;
import io.partita.coordinator.common.CanonicalJson;
import io.partita.coordinator.core.Answer;
import io.partita.coordinator.core.Clock;
import io.partita.coordinator.core.Effects;
import io.partita.coordinator.core.Holder;
import io.partita.coordinator.core.Lease;
import io.partita.coordinator.core.Reputation;
import io.partita.coordinator.core.SchedulerCore;
import io.partita.coordinator.core.TaskState;
import io.partita.coordinator.core.Trust;
import io.partita.coordinator.core.Verdict;
import io.partita.coordinator.core.Work;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.protocol.Message;
import io.partita.store.Completion;
import io.partita.store.HostRecord;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import io.partita.store.TaskFailures;
import io.partita.store.TreeShape;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's scheduler: the I/O shell around the pure {@link SchedulerCore}. It holds one lock
 * (held only for in-memory work, never for I/O), turns what workers, the API and the result writer
 * report into the core's events, and carries out what the core decides ({@link Effects}): it queues
 * messages to workers' senders, events and final states to the {@link ResultWriter}, completes callers'
 * futures. Every decision about a task's life — leases, answers, retries, time-outs, credits, dispatch —
 * is the core's; this class keeps what only the coordinator knows: job specs and events, grid calls'
 * waiters and cache, connections.
 *
 * <p>Results become durable through the {@link ResultWriter}, which calls back {@link #committed}
 * once a batch is committed; only then does the core mark the tasks done and the worker get its ack.
 */
public final class Scheduler {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private static final int FINISHED_KEPT = 1000;

    /** The owner's epoch: one coordinator owns its jobs today, so it is constant. */
    static final long EPOCH = 1;

    private final ReentrantLock lock = new ReentrantLock();
    private final Store store;
    private final ObjectMapper mapper;
    private final CoordinatorConfig config;
    private final LongSupplier nanos;
    private final LongSupplier millis;
    private final String instance;
    private final SchedulerCore core;
    private final Volunteers volunteers = new Volunteers();
    private ResultWriter writer;

    private final Map<String, JobRun> live = new HashMap<>();
    private final LinkedHashMap<String, JobRun> finished = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JobRun> eldest) {
            return size() > FINISHED_KEPT;
        }
    };
    private final Map<String, WorkerConn> workers = new LinkedHashMap<>();
    private long workerSeq;
    private final io.partita.coordinator.core.RateMeter totalRate = new io.partita.coordinator.core.RateMeter();
    private final RateHistory totalHistory = new RateHistory();
    private long tasksCompleted;
    private final JobEvents events;
    private final Map<JobEvents.LogCall.Key, JobEvents.LogCall> liveLogs = new HashMap<>();

    private CallCache cache;
    private long callSeq;
    private final Map<String, CallRun> callsInFlight = new HashMap<>();
    private final Map<Long, CallRun> liveCalls = new HashMap<>();
    /** Grid calls each attempt made and still waits for: only such an attempt may be suspended. */
    private final Map<Lease, Integer> waitingCalls = new java.util.IdentityHashMap<>();

    /** Calls queued or running per tenant, for its quota. */
    private final Map<String, Integer> tenantCalls = new HashMap<>();
    /** Work to do once the lock is released (completing callers' futures runs their code). */
    private List<Runnable> afterUnlock = new ArrayList<>();
    /** What the logger said with a failed attempt being reported to the core (for its event). */
    private JsonNode failureLogged;

    /** A scheduler of the jobs kept in {@code store}; call {@link #recover()} before use. */
    public Scheduler(
            Store store,
            ObjectMapper mapper,
            CoordinatorConfig config,
            LongSupplier nanos,
            LongSupplier millis,
            String instance) {
        this.store = store;
        this.mapper = mapper;
        this.config = config;
        this.nanos = nanos;
        this.millis = millis;
        this.instance = instance;
        this.events = new JobEvents(
                mapper,
                millis,
                JobEvents.DEFAULT_MAX_TASK_EVENTS,
                config.limits().maxJobEventBytes(),
                config.quotas().maxEventBytes());
        Clock clock = new Clock() {
            @Override
            public long nanos() {
                return nanos.getAsLong();
            }

            @Override
            public long millis() {
                return millis.getAsLong();
            }
        };
        this.core = new SchedulerCore(clock, EPOCH, config.maxBatch(), new Shell());
        config.quotas().weights().forEach(core::weigh);
        core.limitTenantInFlight(config.quotas().maxInFlight());
    }

    /** Sets the writer that makes results durable; once, before {@link #recover()}. */
    public void writer(ResultWriter writer) {
        this.writer = writer;
    }

    /** Sets the cache that grid calls' results go to; once, before use. */
    public void cache(CallCache cache) {
        this.cache = cache;
    }

    /** Hears of every job that reaches a final status; called outside the lock. */
    public interface JobEndListener {
        void ended(String jobId, JobStatus status, Optional<String> error);
    }

    private volatile JobEndListener endListener;

    /** Sets the one listener told of every job that ends. */
    public void onJobEnd(JobEndListener listener) {
        this.endListener = listener;
    }

    /** Whether a lease is still its task's current attempt (a capability URL is valid only then). */
    public boolean leaseCurrent(Lease lease) {
        lock.lock();
        try {
            return lease.current();
        } finally {
            unlock();
        }
    }

    /** Releases the lock; the outermost release runs what waited for it. */
    private void unlock() {
        List<Runnable> todo = null;
        if (lock.getHoldCount() == 1 && !afterUnlock.isEmpty()) {
            todo = afterUnlock;
            afterUnlock = new ArrayList<>();
        }
        lock.unlock();
        if (todo != null) {
            for (Runnable r : todo) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.warn("Completing a call failed", e);
                }
            }
        }
    }

    /** The id of this coordinator instance, as it was given. */
    public String instance() {
        return instance;
    }

    // ---------------------------------------------------------------------------------- jobs

    /**
     * Loads the unfinished jobs of the store: completed nodes stay done, the rest is pending. May be
     * called again after a store failure interrupted it: jobs already loaded are skipped.
     */
    public void recover() {
        for (StoredJob stored : store.unfinishedJobs()) {
            if (live.containsKey(stored.id())) {
                continue; // recovered by an earlier try that the store interrupted
            }
            JobSpec spec = JobSpec.fromStored(mapper, stored.spec());
            String tenant = tenantOf(stored.id(), spec);
            JobRun job;
            if (stored.partitions() > 0) {
                TreeShape shape = new TreeShape(stored.partitions(), spec.fanInFor(stored.partitions()));
                BitSet[] complete = shape.complete(store.storedNodes(stored.id(), shape));
                List<JsonNode> inputs = readInputs(stored.id());
                long lastEvent = store.lastEventSeq(stored.id());
                List<TaskFailures> failures = store.failures(stored.id());
                lock.lock();
                try {
                    job = new JobRun(stored.id(), spec, stored.createdAt(), JobStatus.RUNNING, tenant);
                    job.start(stored.partitions(), complete);
                    restoreFailures(job, failures);
                    job.inputs = inputs;
                    resumed(job, lastEvent);
                    addLive(job);
                } finally {
                    unlock();
                }
                log.info(
                        "Resumed job {} ({}): {} of {} partitions already done",
                        job.id,
                        spec.function(),
                        job.doneComputes(),
                        stored.partitions());
            } else {
                long lastEvent = store.lastEventSeq(stored.id());
                List<TaskFailures> failures = store.failures(stored.id());
                lock.lock();
                try {
                    job = new JobRun(stored.id(), spec, stored.createdAt(), JobStatus.PREPARING, tenant);
                    restoreFailures(job, failures);
                    resumed(job, lastEvent);
                    addLive(job);
                } finally {
                    unlock();
                }
                log.info("Resumed job {} ({}): preparing", job.id, spec.function());
            }
        }
    }

    /**
     * The tenant a job belongs to, for fair share: its owner's, or its data job's owner's for a
     * MapReduce or query phase; "" for a job nobody owns (made before access control).
     */
    private String tenantOf(String id, JobSpec spec) {
        Optional<io.partita.store.Owner> owner = spec.dataJob().isPresent()
                ? store.owner(Ownership.Kind.DATA_JOB.key(), spec.dataJob().get())
                : store.owner(Ownership.Kind.JOB.key(), id);
        return owner.map(io.partita.store.Owner::tenant).orElse("");
    }

    /** Gives a recovered job's tasks the failed attempts the store remembers. */
    private static void restoreFailures(JobRun job, List<TaskFailures> failures) {
        for (TaskFailures f : failures) {
            job.restoreFailures(f.level(), f.index(), f.failures());
            if (f.failures() > 0) {
                job.retried(JobRun.key(f.level(), f.index()));
            }
        }
    }

    /** Continues a recovered job's event log after its last stored event. */
    private void resumed(JobRun job, long lastEvent) {
        job.eventSeq = lastEvent;
        job.started = lastEvent > 1;
        ObjectNode event = events.create("resumed");
        event.put("coordinator", instance);
        event.put("done", job.doneComputes());
        record(job, event, false);
    }

    private List<JsonNode> readInputs(String jobId) {
        List<byte[]> raw = store.inputs(jobId);
        List<JsonNode> inputs = new ArrayList<>(raw.size());
        for (byte[] bytes : raw) {
            try {
                inputs.add(mapper.readTree(bytes));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("stored input of job " + jobId + " is not JSON", e);
            }
        }
        return inputs;
    }

    /** Makes a submitted job durable, then schedules it. */
    public JobRun submit(String id, JobSpec spec) {
        return submit(id, spec, null);
    }

    /**
     * Makes a submitted job durable, then schedules it. With a {@code fingerprint} (see {@code
     * docs/calls.md}), the job starts from the stored outputs of the newest earlier job with the same
     * fingerprint: its completed partitions and combine nodes are copied and not computed again; a
     * copy of a finished job is finished at once.
     */
    public JobRun submit(String id, JobSpec spec, String fingerprint) {
        long now = millis.getAsLong();
        try {
            store.insertJob(StoredJob.submitted(
                    id, spec.name(), spec.function(), spec.toJson().toString(), spec.partitions(), now));
        } catch (io.partita.store.StoreException e) {
            // An insert whose outcome is unknown is resolved by reading it back, never guessed.
            if (!e.isAmbiguous() || store.job(id).isEmpty()) {
                throw e;
            }
        }
        String tenant = tenantOf(id, spec);
        BitSet[] complete = null;
        String reusedFrom = null;
        boolean finishedBefore = false;
        if (fingerprint != null && spec.partitions() > 0) {
            store.fingerprint(id, fingerprint);
            Optional<String> earlier = store.jobWithFingerprint(fingerprint, id);
            if (earlier.isPresent() && store.copyResults(earlier.get(), id) > 0) {
                reusedFrom = earlier.get();
                TreeShape shape = new TreeShape(spec.partitions(), spec.fanInFor(spec.partitions()));
                complete = shape.complete(store.storedNodes(id, shape));
                List<byte[]> root = store.outputs(id, shape.top(), 0, 1);
                if (!root.isEmpty()) {
                    // The same job finished before: this one is done with the same result.
                    store.commit(List.of(new Completion(id, shape.top(), 0, 1, root.get(0), -1, -1, true)));
                    finishedBefore = true;
                }
            }
        }
        lock.lock();
        try {
            JobRun job =
                    new JobRun(id, spec, now, spec.partitions() > 0 ? JobStatus.RUNNING : JobStatus.PREPARING, tenant);
            if (spec.partitions() > 0) {
                job.start(spec.partitions(), complete);
            }
            ObjectNode event = events.create("submitted");
            if (job.partitions() > 0) {
                event.put("partitions", job.partitions());
            } else {
                event.putNull("partitions"); // a prepare task decides
            }
            record(job, event, false);
            if (reusedFrom != null) {
                ObjectNode reused = events.create("reused");
                reused.put("from", reusedFrom);
                reused.put("partitions", job.doneComputes());
                record(job, reused, false);
                cache.reused(job.doneComputes());
                log.info("Job {} reuses {} partitions of job {}", id, job.doneComputes(), reusedFrom);
            }
            if (finishedBefore) {
                job.started = true;
            }
            addLive(job);
            core.dispatchAll();
            return job;
        } finally {
            unlock();
        }
    }

    /** Adds a job to the core; one whose every task is already durable ends at once. */
    private void addLive(JobRun job) {
        live.put(job.id, job);
        core.add(job);
    }

    /**
     * Cancels a live job: no further tasks are leased and workers are told to stop. Returns false if
     * the job is not live here. The caller makes the cancellation durable.
     */
    public boolean cancel(String id) {
        lock.lock();
        try {
            JobRun job = live.get(id);
            return job != null && core.end(job, Work.Status.CANCELLED, "cancelled");
        } finally {
            unlock();
        }
    }

    /** A job ended in the core: its status, its final event, its workers told to forget it. */
    private void jobEnded(JobRun job) {
        JobStatus status = switch (job.status()) {
            case DONE -> JobStatus.DONE;
            case FAILED -> JobStatus.FAILED;
            default -> JobStatus.CANCELLED;
        };
        Optional<String> error = job.error();
        job.status = status;
        events.ended(job);
        job.history.end(millis.getAsLong()); // its chart stays as it ended
        if (status == JobStatus.DONE) {
            log.info("Job {} done", job.id);
        } else if (status == JobStatus.FAILED) {
            log.warn("Job {} failed: {}", job.id, error.orElse(""));
        }
        JobEndListener listener = endListener;
        if (listener != null) {
            String id = job.id;
            afterUnlock.add(() -> listener.ended(id, status, error));
        }
        ObjectNode event = events.create("finished");
        event.put("status", status.wireName());
        error.ifPresent(e -> event.put("error", e));
        event.put("partitions", job.partitions());
        event.put("done", job.doneComputes());
        event.put("millis", Math.max(0, millis.getAsLong() - job.createdAt));
        record(job, event, true);
        if (status == JobStatus.FAILED) {
            writer.submitFinish(job.id, JobStatus.FAILED, error);
        }
        live.remove(job.id);
        finished.put(job.id, job);
        for (WorkerConn w : workers.values()) {
            if (w.knownJobs.remove(job.id)) {
                // The worker forgets the job; a later log task of it brings its descriptor again.
                w.outbox.send(new Message.Cancel(job.id, List.of(), status.wireName()));
            }
        }
    }

    /**
     * Records a job-level event; with {@code callLogger}, and if the job's module has a logger, it
     * also queues a log task that runs the logger for the event on a worker.
     */
    private void record(JobRun job, ObjectNode event, boolean callLogger) {
        writer.submitEvent(events.jobEvent(job, event));
        if (callLogger && JobEvents.hasLogger(job)) {
            JobEvents.LogCall call = new JobEvents.LogCall(job, event);
            liveLogs.put(call.key(), call);
            core.add(call);
        }
    }

    /** Records a task event unless the job is past its limit of task events. */
    private void recordTask(JobRun job, ObjectNode event) {
        JobEvent stored = events.taskEvent(job, event);
        if (stored != null) {
            writer.submitEvent(stored);
        }
    }

    // ---------------------------------------------------------------------------------- workers

    /**
     * Registers a worker after its hello.
     *
     * @param trust how far its answers are believed
     * @param host its address, which tells hosts apart for a quorum; null when every connection
     *     counts as its own host
     * @param volunteerKey a volunteer's secret key, which its record is kept under; null if none
     */
    public WorkerConn connect(
            Message.Hello hello,
            String remote,
            Trust trust,
            String host,
            String volunteerKey,
            WorkerConn.Outbox outbox) {
        return connect(hello, remote, trust, host, volunteerKey, null, outbox);
    }

    /**
     * Registers a worker after its hello that works only for {@code tenant}'s jobs and calls (a lab's
     * join link, {@code ?tenant=}); null for any tenant's.
     */
    public WorkerConn connect(
            Message.Hello hello,
            String remote,
            Trust trust,
            String host,
            String volunteerKey,
            String tenant,
            WorkerConn.Outbox outbox) {
        String name = hello.name() == null ? "" : hello.name();
        // Stored and shown only as a hash: the leaderboard names no address and reveals no key.
        String key = volunteerId(volunteerKey)
                .orElse(CanonicalJson.sha256(
                                trust.vouches()
                                        ? "worker:" + name
                                        : "addr:" + (host == null ? remote : host) + "/" + name)
                        .substring(0, 20));
        Optional<HostRecord> stored = Optional.empty();
        try {
            stored = store.host(key);
        } catch (RuntimeException e) {
            log.warn("Could not read the record of host {}; it starts afresh: {}", key, e.toString());
        }
        lock.lock();
        try {
            String id = "w" + (++workerSeq);
            WorkerConn w = new WorkerConn(id, hello, remote, millis.getAsLong(), outbox, nanos.getAsLong());
            w.trust = trust;
            w.tenant = tenant;
            // Answers that vouch for themselves need no host of their own; untrusted ones are told
            // apart by address, so that two tabs of one browser never form a quorum.
            String quorumHost = trust.vouches() || host == null ? "connection:" + id : host;
            Reputation reputation = volunteers.host(key, stored).reputation;
            w.holder = core.connect(id, quorumHost, trust, reputation, hello.slots(), w::canRunWork);
            workers.put(id, w);
            log.info(
                    "Worker {} connected from {} ({}): {} '{}' with {} slots, functions {}",
                    id,
                    remote,
                    trust.wireName(),
                    hello.kind(),
                    hello.name(),
                    hello.slots(),
                    hello.functions());
            return w;
        } finally {
            unlock();
        }
    }

    /** Drops a worker: its current leases go back to the queue at once. */
    public void disconnect(WorkerConn w, String reason) {
        lock.lock();
        try {
            if (w.closed()) {
                return;
            }
            workers.remove(w.id);
            for (Lease lease : w.holder.liveLeases()) {
                if (lease.work instanceof JobRun job && lease.current()) {
                    job.retried(lease.key); // started, lost with its worker: it runs again
                }
            }
            int requeued = core.lose(w.holder);
            log.info("Worker {} left ({}); {} tasks requeued", w.id, reason, requeued);
        } finally {
            unlock();
        }
    }

    /** Notes that {@code w} was heard from now. */
    public void seen(WorkerConn w) {
        w.lastSeenNanos = nanos.getAsLong();
    }

    /** Adds credits and sends work. */
    public void pull(WorkerConn w, int credits) {
        lock.lock();
        try {
            core.pull(w.holder, credits);
        } finally {
            unlock();
        }
    }

    /** The worker takes no more work. */
    public void drain(WorkerConn w) {
        lock.lock();
        try {
            core.drain(w.holder);
        } finally {
            unlock();
        }
    }

    /** Tasks a worker gives back unstarted go back to the queue. */
    public void returned(WorkerConn w, List<Message.TaskRef> refs) {
        lock.lock();
        try {
            core.returned(w.holder, ids(refs));
        } finally {
            unlock();
        }
    }

    /**
     * Tasks of a worker that wait for grid calls (or no longer do). A suspended task does not count
     * against what its worker may hold, its credit comes back, and its time limit stops; resuming
     * takes the credit again and restarts the time limit.
     */
    public void suspended(WorkerConn w, List<Message.TaskRef> refs, boolean suspend) {
        lock.lock();
        try {
            if (!w.closed()) {
                List<Lease.Id> ids = ids(refs);
                if (suspend) {
                    // only an attempt that waits for grid calls it made may give its slot up: a
                    // worker cannot hoard tasks by saying they wait (issue 18)
                    ids.removeIf(id -> core.lease(w.holder, id)
                                    .map(l -> waitingCalls.getOrDefault(l, 0))
                                    .orElse(0)
                            == 0);
                }
                core.suspend(w.holder, ids, suspend);
            }
        } finally {
            unlock();
        }
    }

    /** The leases the wire references name, as far as they name live work. */
    private List<Lease.Id> ids(List<Message.TaskRef> refs) {
        List<Lease.Id> ids = new ArrayList<>(refs.size());
        for (Message.TaskRef ref : refs) {
            Lease.Id id = id(ref.job(), ref.level(), ref.index(), ref.attempt());
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** The lease a wire reference names, or null if it names no work known here. */
    private Lease.Id id(String job, int level, long index, int attempt) {
        if (level == Message.CALL_LEVEL) {
            CallRun c = liveCalls.get(index);
            return c == null ? null : new Lease.Id(c, 0, attempt);
        }
        if (level == JobEvents.LOG_LEVEL) {
            JobEvents.LogCall call = liveLogs.get(new JobEvents.LogCall.Key(job, index));
            return call == null ? null : new Lease.Id(call, 0, attempt);
        }
        JobRun run = job(job);
        if (run == null || level < -1 || index < 0 || index > Integer.MAX_VALUE) {
            return null;
        }
        long key = JobRun.key(level, index);
        return run.valid(key) ? new Lease.Id(run, key, attempt) : null;
    }

    private JobRun job(String id) {
        JobRun job = live.get(id);
        return job != null ? job : finished.get(id);
    }

    private static Message.JobInfo info(JobRun job) {
        return new Message.JobInfo(
                job.id,
                job.spec.function(),
                job.spec.params(),
                job.partitions(),
                job.spec.taskTimeout().toMillis(),
                job.spec.runtime(),
                job.spec.code().flatMap(JobSpec.CodeSpec::hash).orElse(null));
    }

    private static Message.JobInfo callInfo(CallFunctions.Def def) {
        return new Message.JobInfo(
                def.descriptorId(),
                def.name(),
                null,
                -1,
                def.timeout().toMillis(),
                def.runtime(),
                def.js() ? def.version() : null);
    }

    /** The wire reference of a lease. */
    static Message.TaskRef ref(Lease lease) {
        return switch (lease.work) {
            case CallRun c -> new Message.TaskRef(c.def.descriptorId(), Message.CALL_LEVEL, c.seq, lease.attempt);
            case JobEvents.LogCall l -> new Message.TaskRef(l.job.id, JobEvents.LOG_LEVEL, l.seq(), lease.attempt);
            default ->
                new Message.TaskRef(lease.work.id, JobRun.level(lease.key), JobRun.index(lease.key), lease.attempt);
        };
    }

    /**
     * Called by a worker's sender when a leased task cannot be sent (the inputs of a combine task
     * cannot be read): the attempt fails like any other if {@code counts}; if the store was at fault
     * it does not count, and the task is simply pending again.
     */
    public void leaseBroken(WorkerConn w, Lease lease, String error, boolean counts) {
        lock.lock();
        try {
            core.abandon(lease, error, counts);
        } finally {
            unlock();
        }
    }

    /**
     * A lease's task can never be sent, whoever takes it (its inputs are over a bound): its work
     * fails with {@code error}, and every lease of it ends.
     */
    public void leaseRefused(Lease lease, String error) {
        lock.lock();
        try {
            core.fail(lease.work, lease.key, error);
        } finally {
            unlock();
        }
    }

    /**
     * The store became unavailable (false) or available again (true): while it is unavailable nothing
     * new is leased, so workers do not compute what cannot be made durable.
     */
    public void storeAvailable(boolean available) {
        lock.lock();
        try {
            core.pause(!available);
        } finally {
            unlock();
        }
    }

    /** Carries out the core's decisions. Called under the lock. */
    private final class Shell implements Effects {
        @Override
        public void leased(Holder holder, List<Lease> batch) {
            WorkerConn w = workers.get(holder.id);
            if (w == null) {
                return;
            }
            List<Message.JobInfo> infos = null;
            for (Lease lease : batch) {
                Message.JobInfo info = null;
                switch (lease.work) {
                    case JobRun job -> {
                        if (w.knownJobs.add(job.id)) {
                            info = info(job);
                        }
                        if (!job.started) {
                            job.started = true;
                            record(job, events.create("started"), true);
                        }
                    }
                    case CallRun c -> {
                        cache.executed(c.def.name());
                        if (w.knownJobs.add(c.def.descriptorId())) {
                            info = callInfo(c.def);
                        }
                    }
                    case JobEvents.LogCall l -> {
                        if (w.knownJobs.add(l.job.id)) {
                            info = info(l.job);
                        }
                    }
                    default -> throw new IllegalStateException("unknown work " + lease.work);
                }
                if (info != null) {
                    if (infos == null) {
                        infos = new ArrayList<>();
                    }
                    infos.add(info);
                }
            }
            w.outbox.sendTasks(infos == null ? List.of() : infos, batch);
        }

        @Override
        public void revoked(Holder holder, List<Lease> leases, String reason) {
            WorkerConn w = workers.get(holder.id);
            if (w == null) {
                return;
            }
            List<Message.TaskRef> refs = new ArrayList<>(leases.size());
            for (Lease lease : leases) {
                refs.add(ref(lease));
            }
            w.outbox.send(new Message.Cancel(refs.get(0).job(), refs, reason));
        }

        @Override
        public void decided(Work work, long key, List<Answer> answers, Answer chosen) {
            volunteers.decided(work, answers, chosen, millis.getAsLong());
            if (chosen == null && work instanceof JobRun job) {
                log.warn("Job {}: {} got no agreeing answers among {}", job.id, job.describe(key), answers.size());
            }
        }

        @Override
        public void attemptFailed(Lease lease, String error, int failures) {
            if (lease.holder.trust != Trust.LOCAL) {
                volunteers.failed(lease.holder, millis.getAsLong());
            }
            if (!(lease.work instanceof JobRun job)) {
                log.debug("{}; failed {} times", error, failures);
                return;
            }
            job.retried(lease.key); // it runs again (attempts allowing)
            ObjectNode event = events.create("failed");
            int level = JobRun.level(lease.key);
            if (level == 0) {
                event.put("partition", JobRun.index(lease.key));
            } else {
                event.put("task", level < 0 ? "prepare" : "combine");
                if (level > 0) {
                    event.put("level", level);
                    event.put("node", JobRun.index(lease.key));
                }
            }
            event.put("attempt", lease.attempt);
            event.put("error", error);
            event.put("worker", lease.holder.id);
            JobEvents.attachLogged(event, failureLogged);
            failureLogged = null;
            recordTask(job, event);
            writer.submitFailures(new TaskFailures(job.id, level, JobRun.index(lease.key), failures));
            log.debug("Job {}: {}; {} failed attempts", job.id, error, failures);
        }

        @Override
        public void ended(Work work) {
            volunteers.ended(work);
            switch (work) {
                case JobRun job -> jobEnded(job);
                case CallRun c -> {
                    CallRun.Outcome outcome = work.status() == Work.Status.DONE
                            ? c.outcome
                            : CallRun.Outcome.failed(work.error().orElse("failed"));
                    finishCall(c, outcome);
                }
                case JobEvents.LogCall l -> {
                    liveLogs.remove(l.key());
                    if (work.status() != Work.Status.DONE) {
                        l.event.put("logError", work.error().orElse("failed"));
                        writer.submitEvent(events.toStored(l.job.id, l.event));
                    }
                }
                default -> throw new IllegalStateException("unknown work " + work);
            }
        }
    }

    // ---------------------------------------------------------------------------------- grid calls

    /**
     * Submits a call whose result was not in the cache: it joins an identical call in flight or is
     * queued. The future completes (off the lock) with the outcome.
     */
    public CompletableFuture<CallRun.Outcome> call(CallFunctions.Def def, JsonNode args, String key) {
        return call(def, args, key, "");
    }

    /**
     * Submits a call of {@code tenant}'s whose result was not in the cache (see {@link
     * #call(CallFunctions.Def, JsonNode, String)}).
     *
     * @throws io.partita.coordinator.common.PartitaException 429 {@code quota_exceeded} when the
     *     tenant's calls in flight are at its quota
     */
    public CompletableFuture<CallRun.Outcome> call(CallFunctions.Def def, JsonNode args, String key, String tenant) {
        CompletableFuture<CallRun.Outcome> future = new CompletableFuture<>();
        lock.lock();
        try {
            String error = enqueueCall(def, args, key, null, new CallRun.FutureWaiter(future), false, tenant);
            if (error != null) {
                throw new io.partita.coordinator.common.PartitaException(
                        io.partita.coordinator.common.PartitaException.Kind.TOO_MANY, "quota_exceeded", error, "");
            }
            core.dispatchAll();
        } finally {
            unlock();
        }
        return future;
    }

    /**
     * Cancels the call that {@code future} waits for: the future completes at once as failed with
     * "cancelled"; the call itself ends, and its running attempt is stopped, unless other callers
     * wait for it too (a merged call goes on for them).
     *
     * @return false if no live call waits with that future (it finished, or was answered from the cache)
     */
    public boolean cancelCall(CompletableFuture<CallRun.Outcome> future, String reason) {
        lock.lock();
        try {
            for (CallRun c : List.copyOf(liveCalls.values())) {
                for (java.util.Iterator<CallRun.Waiter> it = c.waiters.iterator(); it.hasNext(); ) {
                    if (it.next() instanceof CallRun.FutureWaiter f && f.future() == future) {
                        it.remove();
                        complete(f, CallRun.Outcome.failed(reason));
                        if (c.waiters.isEmpty()) {
                            core.end(c, Work.Status.CANCELLED, reason);
                        }
                        return true;
                    }
                }
            }
            return false;
        } finally {
            unlock();
        }
    }

    /** A grid call made by a worker's task that missed the cache. */
    public record WorkerCall(
            long requestId, CallFunctions.Def def, JsonNode args, String key, Message.TaskRef parent) {}

    /** Queues calls made by a worker's tasks; a call that would wait for itself is answered with an error. */
    public void workerCalls(WorkerConn w, List<WorkerCall> calls) {
        lock.lock();
        try {
            if (w.closed()) {
                return;
            }
            List<Message.Answer> refused = null;
            for (WorkerCall call : calls) {
                CallRun parent = null;
                String tenant = "";
                if (call.parent() != null && call.parent().level() == Message.CALL_LEVEL) {
                    CallRun p = liveCalls.get(call.parent().index());
                    if (p != null
                            && core.lease(
                                            w.holder,
                                            new Lease.Id(p, 0, call.parent().attempt()))
                                    .isPresent()) {
                        parent = p;
                        tenant = p.tenant();
                    }
                } else if (call.parent() != null) {
                    JobRun job = live.get(call.parent().job());
                    tenant = job == null ? "" : job.tenant(); // the calls of a job's tasks count against its tenant
                }
                Lease task = null;
                if (call.parent() != null) {
                    Lease.Id taskId = id(
                            call.parent().job(),
                            call.parent().level(),
                            call.parent().index(),
                            call.parent().attempt());
                    task = taskId == null ? null : core.lease(w.holder, taskId).orElse(null);
                }
                String error = enqueueCall(
                        call.def(),
                        call.args(),
                        call.key(),
                        parent,
                        new CallRun.WorkerWaiter(w, call.requestId(), task),
                        true,
                        tenant);
                if (error != null) {
                    if (refused == null) {
                        refused = new ArrayList<>();
                    }
                    refused.add(new Message.Answer(call.requestId(), false, null, error));
                }
            }
            if (refused != null) {
                w.outbox.send(new Message.Answers(refused));
            }
            core.dispatchAll();
        } finally {
            unlock();
        }
    }

    /** Returns an error if the call cannot be made; completes the waiter at once on a cache hit. */
    private String enqueueCall(
            CallFunctions.Def def,
            JsonNode args,
            String key,
            CallRun parent,
            CallRun.Waiter waiter,
            boolean sub,
            String tenant) {
        if (key != null) {
            CallCache.Entry hit = cache.peek(key); // it may have been computed since the caller looked
            if (hit != null) {
                complete(waiter, new CallRun.Outcome(true, hit.value, hit.bytes, null, true));
                return null;
            }
            CallRun running = callsInFlight.get(key);
            if (running != null) {
                if (parent != null && parent.descendsFrom(running)) {
                    return "call cycle: " + running.describe() + " would wait for itself";
                }
                addWaiter(running, waiter);
                cache.merged(def.name());
                return null;
            }
        }
        int depth = parent == null ? 1 : parent.depth + 1;
        if (depth > config.quotas().maxCallDepth()) {
            return config.quotas().callDepthBreach(depth);
        }
        int inUse = tenantCalls.getOrDefault(tenant, 0);
        if (inUse >= config.quotas().maxCallsInFlight()) {
            return config.quotas().callsInFlightBreach(tenant, inUse);
        }
        callSeq = callSeq % Integer.MAX_VALUE + 1; // task indexes are at most 2^31-1
        CallRun c = new CallRun(callSeq, def, args, key, parent, sub);
        c.tenant(tenant);
        addWaiter(c, waiter);
        if (key != null) {
            callsInFlight.put(key, c);
        }
        liveCalls.put(c.seq, c);
        tenantCalls.merge(tenant, 1, Integer::sum);
        core.add(c);
        return null;
    }

    /** Adds a waiter to a call; the attempt of a task that waits counts one more call it waits for. */
    private void addWaiter(CallRun c, CallRun.Waiter waiter) {
        c.waiters.add(waiter);
        if (waiter instanceof CallRun.WorkerWaiter ww && ww.task() != null) {
            waitingCalls.merge(ww.task(), 1, Integer::sum);
        }
    }

    private void complete(CallRun.Waiter waiter, CallRun.Outcome outcome) {
        switch (waiter) {
            case CallRun.FutureWaiter f -> afterUnlock.add(() -> f.future().complete(outcome));
            case CallRun.WorkerWaiter ww -> {
                if (ww.task() != null) {
                    waitingCalls.computeIfPresent(ww.task(), (l, n) -> n > 1 ? n - 1 : null);
                }
                if (!ww.worker().closed()) {
                    ww.worker()
                            .outbox
                            .send(new Message.Answers(List.of(new Message.Answer(
                                    ww.requestId(), outcome.ok(), outcome.value(), outcome.error()))));
                }
            }
        }
    }

    private void finishCall(CallRun c, CallRun.Outcome outcome) {
        if (!outcome.ok()) {
            cache.failed(c.def.name());
        }
        if (liveCalls.remove(c.seq) != null && tenantCalls.merge(c.tenant(), -1, Integer::sum) <= 0) {
            tenantCalls.remove(c.tenant());
        }
        if (c.key != null) {
            callsInFlight.remove(c.key, c);
        }
        for (CallRun.Waiter waiter : c.waiters) {
            complete(waiter, outcome);
        }
        c.waiters.clear();
    }

    /** Calls queued or running, for the API. */
    public record CallTotals(int live, int queued, int running, int suspended) {}

    /** Counts of the grid calls in flight, for metrics. */
    public CallTotals callTotals() {
        lock.lock();
        try {
            int running = 0;
            for (CallRun c : liveCalls.values()) {
                if (c.state(0) == TaskState.LEASED) {
                    running++;
                }
            }
            int suspended = 0;
            for (Holder h : core.holders()) {
                for (Lease lease : h.liveLeases()) {
                    if (lease.work instanceof CallRun && lease.suspended() && lease.current()) {
                        suspended++;
                    }
                }
            }
            return new CallTotals(liveCalls.size(), liveCalls.size() - running, running, suspended);
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------------------------- results

    /** An accepted result waiting to become durable. */
    record Accepted(JobRun job, Lease lease, Completion completion, PrepareOutcome prepare, JobEvent event) {}

    /** The decoded output of a prepare task, and what its module's logger said. */
    record PrepareOutcome(long partitions, List<JsonNode> inputs, List<byte[]> inputBytes, JsonNode logged) {}

    /**
     * A worker's results message, as far as it was accepted; acked once committed. {@code logged}
     * counts results of log tasks and grid calls, which need no commit of their own.
     */
    record CommitBatch(WorkerConn worker, long seq, List<Accepted> accepted, int ignored, int logged) {}

    /**
     * Handles a worker's results. {@code outputs[i]} is the JSON encoding of result i's output
     * (computed by the caller outside the lock). Returns an error message if any result was for a
     * task the worker does not hold (those results are dropped).
     */
    public Optional<String> results(WorkerConn w, Message.Results message, byte[][] outputs) {
        List<Accepted> accepted = new ArrayList<>();
        int ignored = 0;
        int logged = 0;
        StringBuilder notHeld = null;
        List<Message.Result> results = message.results();
        // Answers are compared by digest (verification): computed here, outside the lock, from the
        // output the decoder already parsed.
        long[] digests = new long[results.size()];
        for (int i = 0; i < digests.length; i++) {
            if (results.get(i).ok()) {
                digests[i] = digest(results.get(i).output());
            }
        }
        lock.lock();
        try {
            if (w.closed()) {
                return Optional.empty();
            }
            for (int i = 0; i < results.size(); i++) {
                Message.Result r = results.get(i);
                Lease.Id id = id(r.job(), r.level(), r.index(), r.attempt());
                if (r.level() == Message.CALL_LEVEL || r.level() == JobEvents.LOG_LEVEL) {
                    if (id != null) {
                        sideResult(w, id, r, outputs[i], digests[i]);
                    }
                    logged++; // revoked or already handled: nothing to say
                    continue;
                }
                Verdict verdict;
                if (id == null) {
                    verdict = Verdict.NOT_HELD;
                } else if (r.ok()) {
                    ((JobRun) id.work()).answers++;
                    verdict = id.work().replicated()
                            ? core.answer(w.holder, id, digests[i], new ResultAnswer(r, outputs[i], w))
                            : core.answer(w.holder, id, 0, null);
                } else {
                    failureLogged = r.log();
                    verdict = core.failure(w.holder, id, errorText(r), true);
                    failureLogged = null;
                }
                switch (verdict) {
                    case ACCEPTED -> {
                        Accepted a = core.acceptedPayload() instanceof ResultAnswer chosen
                                ? accept(
                                        chosen.worker(),
                                        (JobRun) id.work(),
                                        core.acceptedLease(),
                                        chosen.result(),
                                        chosen.output())
                                : accept(w, (JobRun) id.work(), core.acceptedLease(), r, outputs[i]);
                        if (a != null) {
                            accepted.add(a);
                        }
                    }
                    case IGNORED -> ignored++;
                    case NOT_HELD -> {
                        if (notHeld == null) {
                            notHeld = new StringBuilder("results for tasks this worker does not hold were ignored:");
                        }
                        if (notHeld.length() < 500) {
                            notHeld.append(' ')
                                    .append(r.job())
                                    .append('/')
                                    .append(r.level())
                                    .append('/')
                                    .append(r.index())
                                    .append('#')
                                    .append(r.attempt());
                        }
                    }
                    case FAILED, RECORDED -> {}
                }
            }
            if (accepted.isEmpty()) {
                w.outbox.send(new Message.Ack(message.seq(), logged, ignored));
                core.dispatch(w.holder);
            }
        } finally {
            unlock();
        }
        if (!accepted.isEmpty()) {
            writer.submit(new CommitBatch(w, message.seq(), accepted, ignored, logged));
        }
        return notHeld == null ? Optional.empty() : Optional.of(notHeld.toString());
    }

    /**
     * The result of a grid call or a log task: nothing to commit in the store, so an accepted answer
     * is done at once (a call's result enters the cache, a logger's output its event).
     */
    private void sideResult(WorkerConn w, Lease.Id id, Message.Result r, byte[] output, long digest) {
        if (!r.ok()) {
            String error = r.error() == null ? "failed" : r.error();
            if (id.work() instanceof CallRun) {
                // An error of the function itself: running it again would fail the same way.
                core.failure(w.holder, id, error.length() > 4000 ? error.substring(0, 4000) + "..." : error, false);
            } else {
                core.failure(w.holder, id, error, true);
            }
            return;
        }
        Verdict verdict = id.work().replicated()
                ? core.answer(w.holder, id, digest, new ResultAnswer(r, output, w))
                : core.answer(w.holder, id, 0, null);
        if (verdict != Verdict.ACCEPTED) {
            return;
        }
        if (core.acceptedPayload() instanceof ResultAnswer chosen) {
            r = chosen.result();
            output = chosen.output();
        }
        switch (id.work()) {
            case CallRun c -> {
                JsonNode value = r.output() == null ? NullNode.getInstance() : r.output();
                if (c.key != null) {
                    cache.put(c.key, c.def.name(), c.def.version(), output, value);
                }
                c.outcome = new CallRun.Outcome(true, value, output, null, false);
            }
            case JobEvents.LogCall l -> {
                JobEvents.attachLogged(l.event, r.log());
                writer.submitEvent(events.toStored(l.job.id, l.event));
            }
            default -> throw new IllegalStateException("not a call or log task: " + id.work());
        }
        core.committed(core.acceptedLease());
    }

    /**
     * One answer of a task that needs validation, kept by the core until the task is decided: the
     * result as the worker sent it, its output's JSON bytes, and who sent it.
     */
    record ResultAnswer(Message.Result result, byte[] output, WorkerConn worker) {}

    /** The output of an answer the core kept, as JSON (for policies that compare within a tolerance). */
    static JsonNode outputOf(Answer answer) {
        return answer.payload() instanceof ResultAnswer r ? r.result().output() : null;
    }

    /**
     * The digest answers are compared by: a 64-bit hash of the output's canonical JSON, so that two
     * engines' equal answers (key order, number spelling) match.
     */
    private static long digest(JsonNode output) {
        byte[] canonical = CanonicalJson.of(output == null ? NullNode.getInstance() : output)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(canonical);
            return java.nio.ByteBuffer.wrap(sha).getLong();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String errorText(Message.Result r) {
        String what = r.level() < 0
                ? "prepare"
                : r.level() == 0 ? "partition " + r.index() : "combine " + r.level() + "/" + r.index();
        String error = r.error() == null ? "failed" : r.error();
        if (error.length() > 2000) {
            error = error.substring(0, 2000) + "...";
        }
        return what + " (attempt " + r.attempt() + "): " + error;
    }

    /**
     * Builds the durable form of an accepted result; an unusable prepare result fails the job instead
     * (retrying the same code gives the same answer).
     */
    private Accepted accept(WorkerConn w, JobRun job, Lease lease, Message.Result r, byte[] output) {
        long key = lease.key;
        int level = JobRun.level(key);
        if (level < 0) {
            PrepareOutcome outcome;
            try {
                outcome = prepareOutcome(r.output(), r.log());
            } catch (IllegalArgumentException e) {
                core.commitFailed(lease);
                core.fail(job, key, "prepare returned an unusable result: " + e.getMessage());
                return null;
            }
            return new Accepted(job, lease, null, outcome, null);
        }
        boolean root = level == job.shape().top();
        long from = -1;
        long to = -1;
        if (level > 0) {
            from = job.shape().firstChild(JobRun.index(key));
            to = job.shape().endChild(level, JobRun.index(key));
        }
        JobEvent event = null;
        if (r.log() != null && !r.log().isNull() && !r.log().isEmpty()) {
            ObjectNode e = events.create(level == 0 ? "partition" : "combine");
            e.put(level == 0 ? "partition" : "node", JobRun.index(key));
            if (level > 0) {
                e.put("level", level);
            }
            e.put("attempt", r.attempt());
            e.put("millis", r.millis());
            e.put("worker", w.id);
            JobEvents.attachLogged(e, r.log());
            event = events.taskEvent(job, e);
        }
        return new Accepted(
                job,
                lease,
                new Completion(job.id, level, JobRun.index(key), r.attempt(), output, from, to, root),
                null,
                event);
    }

    private PrepareOutcome prepareOutcome(JsonNode output, JsonNode logged) {
        if (output == null || !output.isObject()) {
            throw new IllegalArgumentException("expected {\"count\": n} or {\"inputs\": [...]}");
        }
        JsonNode inputs = output.get("inputs");
        if (inputs != null && !inputs.isNull()) {
            if (!inputs.isArray()) {
                throw new IllegalArgumentException("inputs must be an array");
            }
            long n = inputs.size();
            checkPartitions(n);
            List<JsonNode> list = new ArrayList<>(inputs.size());
            List<byte[]> bytes = new ArrayList<>(inputs.size());
            for (JsonNode input : inputs) {
                list.add(input);
                try {
                    bytes.add(mapper.writeValueAsBytes(input));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException("input is not encodable: " + e.getMessage());
                }
            }
            return new PrepareOutcome(n, list, bytes, logged);
        }
        JsonNode count = output.get("count");
        if (count == null || !count.isIntegralNumber()) {
            throw new IllegalArgumentException("expected {\"count\": n} or {\"inputs\": [...]}");
        }
        checkPartitions(count.longValue());
        return new PrepareOutcome(count.longValue(), List.of(), List.of(), logged);
    }

    private void checkPartitions(long n) {
        if (n < 1 || n > config.maxPartitions()) {
            throw new IllegalArgumentException(
                    "partitions must be between 1 and " + config.maxPartitions() + ", was " + n);
        }
    }

    /** Called by the writer once batches are durable: marks tasks done and acks the workers. */
    void committed(List<CommitBatch> batches) {
        lock.lock();
        try {
            long now = millis.getAsLong();
            for (CommitBatch batch : batches) {
                WorkerConn w = batch.worker();
                for (Accepted a : batch.accepted()) {
                    JobRun job = a.job();
                    boolean counts = job.live() && job.state(a.lease().key) == TaskState.COMMITTING;
                    if (counts && a.prepare() == null) {
                        job.rate.record(now, 1);
                        job.history.record(now, 1);
                        totalRate.record(now, 1);
                        totalHistory.record(now, 1);
                        tasksCompleted++;
                    }
                    if (!core.committed(a.lease())) {
                        log.warn("A commit of {} under an old epoch was refused", a.lease());
                        continue;
                    }
                    if (counts && a.prepare() != null && job.live()) {
                        job.start(a.prepare().partitions(), null);
                        job.status = JobStatus.RUNNING;
                        job.inputs = a.prepare().inputs();
                        for (WorkerConn other : workers.values()) {
                            other.knownJobs.remove(job.id); // resend the descriptor, now with the partition count
                        }
                        log.info(
                                "Job {} prepared: {} partitions",
                                job.id,
                                a.prepare().partitions());
                        ObjectNode event = events.create("prepared");
                        event.put("partitions", a.prepare().partitions());
                        JobEvents.attachLogged(event, a.prepare().logged());
                        record(job, event, false);
                    }
                }
                if (!w.closed()) {
                    w.outbox.send(
                            new Message.Ack(batch.seq(), batch.accepted().size() + batch.logged(), batch.ignored()));
                }
            }
            core.dispatchAll();
        } finally {
            unlock();
        }
    }

    /** Called by the writer when a batch could not be committed: the tasks are pending again. */
    void commitFailed(List<CommitBatch> batches, Exception cause) {
        lock.lock();
        try {
            log.error("Could not make {} result batches durable; requeueing their tasks", batches.size(), cause);
            for (CommitBatch batch : batches) {
                for (Accepted a : batch.accepted()) {
                    core.commitFailed(a.lease());
                }
                batch.worker()
                        .outbox
                        .send(new Message.Error(
                                "store_unavailable", "results were not recorded; the tasks will run again"));
                // closes the sequence for the worker: nothing of it is pending any more
                batch.worker()
                        .outbox
                        .send(new Message.Ack(
                                batch.seq(), batch.logged(), batch.accepted().size() + batch.ignored()));
            }
            core.dispatchAll();
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------------------------- time

    /** Drops workers that closed or stopped sending heartbeats, then expires leases past their deadline. */
    public void sweep() {
        List<HostRecord> dirtyHosts;
        lock.lock();
        try {
            long now = nanos.getAsLong();
            long silence = config.heartbeatInterval().toNanos() * 3;
            for (WorkerConn w : new ArrayList<>(workers.values())) {
                if (!w.outbox.open()) {
                    disconnect(w, "connection lost");
                } else if (now - w.lastSeenNanos > silence) {
                    w.outbox.close(1001, "missed heartbeats");
                    disconnect(w, "missed heartbeats");
                }
            }
            core.expire();
            // Dispatch happens on events; a straggler becomes one by time alone, so idle holders
            // look for stragglers to copy on every sweep too (speculation, docs/scheduling.md).
            core.dispatchAll();
            // Records of hosts that left and are saved leave memory: a reconnect reads them again,
            // so connecting under ever new keys cannot grow the map.
            java.util.Set<String> connected = new java.util.HashSet<>();
            for (WorkerConn w : workers.values()) {
                connected.add(w.volunteerId());
            }
            volunteers.prune(connected);
            dirtyHosts = volunteers.drainDirty();
        } finally {
            unlock();
        }
        if (!dirtyHosts.isEmpty()) {
            try {
                store.saveHosts(dirtyHosts);
            } catch (RuntimeException e) {
                log.warn("Could not save {} host records; will try again: {}", dirtyHosts.size(), e.toString());
                lock.lock();
                try {
                    volunteers.retry(dirtyHosts);
                } finally {
                    unlock();
                }
            }
        }
    }

    /**
     * The public id of a volunteer's record from its secret key: a hash, so that the id does not
     * reveal the key. Empty if the key is null.
     */
    public static Optional<String> volunteerId(String volunteerKey) {
        return volunteerKey == null
                ? Optional.empty()
                : Optional.of(CanonicalJson.sha256("volunteer:" + volunteerKey).substring(0, 20));
    }

    /**
     * Sets the display name of the volunteer whose secret key is given (if a name is given); returns
     * its record, or empty if it has none yet (it never answered).
     */
    public Optional<HostRecord> nameVolunteer(String volunteerKey, Optional<String> displayName) {
        String id = volunteerId(volunteerKey).orElseThrow();
        lock.lock();
        try {
            Optional<Volunteers.Host> known = volunteers.find(id);
            if (known.isPresent()) {
                displayName.ifPresent(n -> volunteers.name(id, n, millis.getAsLong()));
                return Optional.of(known.get().toRecord());
            }
        } finally {
            unlock();
        }
        Optional<HostRecord> stored = store.host(id);
        if (stored.isPresent() && displayName.isPresent()) {
            HostRecord r = stored.get();
            HostRecord named = new HostRecord(
                    r.key(),
                    displayName.get(),
                    r.validated(),
                    r.invalid(),
                    r.unchecked(),
                    r.consecutive(),
                    r.errors(),
                    r.cpuMillis(),
                    r.credit(),
                    millis.getAsLong());
            store.saveHosts(List.of(named));
            return Optional.of(named);
        }
        return stored;
    }

    /** Saves the host records that changed (at shutdown). */
    public void saveHosts() {
        List<HostRecord> dirty;
        lock.lock();
        try {
            dirty = volunteers.drainDirty();
        } finally {
            unlock();
        }
        if (!dirty.isEmpty()) {
            store.saveHosts(dirty);
        }
    }

    /** A host's record for the API: in memory if it is, else as stored. */
    public Optional<HostRecord> host(String key) {
        lock.lock();
        try {
            Optional<Volunteers.Host> h = volunteers.find(key);
            if (h.isPresent()) {
                return Optional.of(h.get().toRecord());
            }
        } finally {
            unlock();
        }
        return store.host(key);
    }

    /** The host records not saved yet, so that views show the latest. */
    public List<HostRecord> unsavedHosts() {
        lock.lock();
        try {
            return volunteers.snapshot();
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------------------------- views

    /** A snapshot of a job's progress, for the API. */
    public record Progress(
            String id,
            JobStatus status,
            long partitions,
            long pending,
            long running,
            long done,
            long failed,
            long retried,
            long answers,
            double rate,
            Optional<Double> etaSeconds,
            Optional<String> error) {}

    /** The progress of live job {@code id}, if it is live. */
    public Optional<Progress> progress(String id) {
        lock.lock();
        try {
            JobRun job = job(id);
            if (job == null) {
                return Optional.empty();
            }
            long now = millis.getAsLong();
            double rate = job.live() ? job.rate.perSecond(now) : 0;
            long partitions = job.partitions();
            long done = job.status == JobStatus.DONE ? Math.max(partitions, job.doneComputes()) : job.doneComputes();
            long running = job.live() ? job.running() : 0;
            // Partitions neither done nor leased; running also counts leased combine tasks, so near
            // the end pending reads slightly low rather than ever above the truth.
            long pending = job.live() && partitions > 0 ? Math.max(0, partitions - job.doneComputes() - running) : 0;
            Optional<Double> eta = Optional.empty();
            if (job.live() && rate > 0 && job.shape() != null) {
                eta = Optional.of((job.totalTasks() - job.done()) / rate);
            }
            return Optional.of(new Progress(
                    job.id,
                    job.status,
                    partitions,
                    pending,
                    running,
                    done,
                    job.failed(),
                    job.tasksRetried,
                    job.answers,
                    rate,
                    eta,
                    job.error()));
        } finally {
            unlock();
        }
    }

    /** A snapshot of a connected worker, for the API. */
    public record WorkerView(
            String id,
            Message.Hello hello,
            String remote,
            long connectedAt,
            long tasksDone,
            long tasksFailed,
            double rate,
            Map<String, Integer> running,
            Map<String, Integer> combining,
            int credits,
            boolean draining,
            Trust trust,
            String hostKey) {}

    /** The connected workers, for the API. */
    public List<WorkerView> workers() {
        lock.lock();
        try {
            long now = millis.getAsLong();
            List<WorkerView> views = new ArrayList<>(workers.size());
            for (WorkerConn w : workers.values()) {
                Map<String, Integer> running = new LinkedHashMap<>();
                Map<String, Integer> combining = new LinkedHashMap<>();
                for (Lease lease : w.holder.liveLeases()) {
                    if (lease.work instanceof JobRun) {
                        running.merge(lease.work.id, 1, Integer::sum);
                        if (JobRun.level(lease.key) > 0) {
                            combining.merge(lease.work.id, 1, Integer::sum);
                        }
                    }
                }
                views.add(new WorkerView(
                        w.id,
                        w.hello,
                        w.remote,
                        w.connectedAt,
                        w.holder.tasksDone(),
                        w.holder.tasksFailed(),
                        w.holder.rate(now),
                        running,
                        combining,
                        w.holder.credits(),
                        w.holder.draining(),
                        w.trust,
                        w.holder.reputation.key));
            }
            return views;
        } finally {
            unlock();
        }
    }

    /** Why live job {@code id} gets no worker (see {@link Waiting}); empty if one can run it or it is not live. */
    public Optional<String> waiting(String id) {
        lock.lock();
        try {
            JobRun job = live.get(id);
            return job == null ? Optional.empty() : Waiting.reason(job, workers.values());
        } finally {
            unlock();
        }
    }

    /** The partition map codes of a job (see {@link PartitionMap}); empty if unknown or preparing. */
    public Optional<byte[]> partitionCodes(String id) {
        lock.lock();
        try {
            JobRun job = job(id);
            return job == null ? Optional.empty() : Optional.ofNullable(job.partitionCodes());
        } finally {
            unlock();
        }
    }

    /**
     * Completions per second after {@code afterSecond}, of one job or, with a null id, of the grid;
     * empty for a job not known here.
     */
    public Optional<long[][]> history(String id, long afterSecond) {
        lock.lock();
        try {
            long now = millis.getAsLong();
            if (id == null) {
                return Optional.of(totalHistory.since(afterSecond, now));
            }
            JobRun job = job(id);
            return job == null ? Optional.empty() : Optional.of(job.history.since(afterSecond, now));
        } finally {
            unlock();
        }
    }

    /** A worker holding tasks of a job, for the job's page. */
    public record JobWorker(String id, String name, String kind, int running, double rate) {}

    /** The workers running tasks of job {@code id}, for the dashboard. */
    public List<JobWorker> jobWorkers(String id) {
        lock.lock();
        try {
            long now = millis.getAsLong();
            List<JobWorker> out = new ArrayList<>();
            for (WorkerConn w : workers.values()) {
                int running = 0;
                for (Lease lease : w.holder.liveLeases()) {
                    if (lease.work instanceof JobRun && lease.work.id.equals(id)) {
                        running++;
                    }
                }
                if (running > 0) {
                    out.add(new JobWorker(w.id, w.hello.name(), w.hello.kind(), running, w.holder.rate(now)));
                }
            }
            return out;
        } finally {
            unlock();
        }
    }

    /** Connected workers and their cores, per kind. */
    public record KindCount(int count, long cores) {}

    /** The connected workers counted by kind, for the dashboard. */
    public Map<String, KindCount> workersByKind() {
        lock.lock();
        try {
            Map<String, KindCount> out = new java.util.TreeMap<>();
            for (WorkerConn w : workers.values()) {
                out.merge(
                        w.hello.kind(),
                        new KindCount(1, w.hello.cores()),
                        (a, b) -> new KindCount(a.count() + b.count(), a.cores() + b.cores()));
            }
            return out;
        } finally {
            unlock();
        }
    }

    /** Totals for health and metrics. */
    public record Totals(int workers, int liveJobs, long queued, long running, long completed, double rate) {}

    /** Grid-wide totals, for the dashboard. */
    public Totals totals() {
        lock.lock();
        try {
            long queued = 0;
            long running = 0;
            for (JobRun job : live.values()) {
                running += job.running();
                queued += job.shape() == null
                        ? 1
                        : Math.max(0, job.totalTasks() - job.done() - job.running() - job.committing());
            }
            return new Totals(
                    workers.size(),
                    live.size(),
                    queued,
                    running,
                    tasksCompleted,
                    totalRate.perSecond(millis.getAsLong()));
        } finally {
            unlock();
        }
    }
}
