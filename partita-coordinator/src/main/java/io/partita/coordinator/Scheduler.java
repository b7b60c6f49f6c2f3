package io.partita.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.protocol.Message;
import io.partita.store.Completion;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import io.partita.store.TreeShape;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
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
 * The coordinator's scheduler: live jobs, connected workers, leases. All state is in memory and
 * guarded by one lock; every method holds it only for in-memory work (no I/O under the lock).
 * Results become durable through the {@link ResultWriter}, which calls back {@link #committed}
 * once a batch is committed; only then are tasks marked done and the worker acknowledged.
 *
 * <p>Invariants kept here:
 *
 * <ul>
 *   <li>A task has at most one current lease (state LEASED with the lease's attempt).
 *   <li>A result is accepted only from a worker that holds (or held, if the lease expired) that
 *       attempt, and only while the task is open; it is recorded once (COMMITTING blocks others).
 *   <li>A worker that disconnects, misses heartbeats or breaks the protocol loses its current
 *       leases at once: the tasks go back to the queue.
 * </ul>
 */
final class Scheduler {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private static final int FINISHED_KEPT = 1000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Store store;
    private final ObjectMapper mapper;
    private final CoordinatorConfig config;
    private final LongSupplier nanos;
    private final LongSupplier millis;
    private final String instance;
    private ResultWriter writer;

    private final Map<String, JobRun> live = new HashMap<>();
    private final List<JobRun> order = new ArrayList<>();
    private final LinkedHashMap<String, JobRun> finished = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JobRun> eldest) {
            return size() > FINISHED_KEPT;
        }
    };
    private final Map<String, WorkerConn> workers = new LinkedHashMap<>();
    private long workerSeq;
    private final RateMeter totalRate = new RateMeter();
    private final RateHistory totalHistory = new RateHistory();
    private long tasksCompleted;
    private final JobEvents events;
    private final ArrayDeque<JobEvents.LogCall> logCalls = new ArrayDeque<>();
    private static final int LOG_CALL_ATTEMPTS = 3;
    /** How often a grid call may lose its worker or time out before it fails. */
    static final int CALL_ATTEMPTS = 3;

    private CallCache cache;
    private long callSeq;
    private final Map<String, CallRun> callsInFlight = new HashMap<>();
    private final Map<Long, CallRun> liveCalls = new HashMap<>();
    private final LinkedHashMap<String, CallQueue> callQueues = new LinkedHashMap<>();
    /** Work to do once the lock is released (completing callers' futures runs their code). */
    private List<Runnable> afterUnlock = new ArrayList<>();

    /** The queued calls of one function: calls made by tasks first, newest first (depth first). */
    private static final class CallQueue {
        final CallFunctions.Def def;
        final ArrayDeque<CallRun> subs = new ArrayDeque<>();
        final ArrayDeque<CallRun> roots = new ArrayDeque<>();

        CallQueue(CallFunctions.Def def) {
            this.def = def;
        }

        boolean isEmpty() {
            return subs.isEmpty() && roots.isEmpty();
        }

        CallRun poll() {
            return subs.isEmpty() ? roots.pollFirst() : subs.pollFirst();
        }
    }

    Scheduler(
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
        this.events = new JobEvents(mapper, millis, JobEvents.DEFAULT_MAX_TASK_EVENTS);
    }

    void writer(ResultWriter writer) {
        this.writer = writer;
    }

    void cache(CallCache cache) {
        this.cache = cache;
    }

    /** Hears of every job that reaches a final status; called outside the lock. */
    interface JobEndListener {
        void ended(String jobId, JobStatus status, Optional<String> error);
    }

    private volatile JobEndListener endListener;

    void onJobEnd(JobEndListener listener) {
        this.endListener = listener;
    }

    /** Whether a lease is still its task's current attempt (a capability URL is valid only then). */
    boolean leaseCurrent(Lease lease) {
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

    String instance() {
        return instance;
    }

    // ---------------------------------------------------------------------------------- jobs

    /** Loads the unfinished jobs of the store: completed nodes stay done, the rest is pending. */
    void recover() {
        for (StoredJob stored : store.unfinishedJobs()) {
            JobSpec spec = JobSpec.fromStored(mapper, stored.spec());
            JobRun job;
            if (stored.partitions() > 0) {
                TreeShape shape = new TreeShape(stored.partitions(), spec.fanInFor(stored.partitions()));
                BitSet[] complete = shape.complete(store.storedNodes(stored.id(), shape));
                List<JsonNode> inputs = readInputs(stored.id());
                long lastEvent = store.lastEventSeq(stored.id());
                lock.lock();
                try {
                    job = new JobRun(stored.id(), spec, stored.createdAt(), JobStatus.RUNNING);
                    job.start(stored.partitions(), complete);
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
                        job.doneComputes,
                        stored.partitions());
            } else {
                long lastEvent = store.lastEventSeq(stored.id());
                lock.lock();
                try {
                    job = new JobRun(stored.id(), spec, stored.createdAt(), JobStatus.PREPARING);
                    resumed(job, lastEvent);
                    addLive(job);
                } finally {
                    unlock();
                }
                log.info("Resumed job {} ({}): preparing", job.id, spec.function());
            }
        }
    }

    /** Continues a recovered job's event log after its last stored event. */
    private void resumed(JobRun job, long lastEvent) {
        job.eventSeq = lastEvent;
        job.started = lastEvent > 1;
        ObjectNode event = events.create("resumed");
        event.put("coordinator", instance);
        event.put("done", job.doneComputes);
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
    JobRun submit(String id, JobSpec spec) {
        return submit(id, spec, null);
    }

    /**
     * Makes a submitted job durable, then schedules it. With a {@code fingerprint} (see {@code
     * docs/calls.md}), the job starts from the stored outputs of the newest earlier job with the same
     * fingerprint: its completed partitions and combine nodes are copied and not computed again; a
     * copy of a finished job is finished at once.
     */
    JobRun submit(String id, JobSpec spec, String fingerprint) {
        long now = millis.getAsLong();
        store.insertJob(StoredJob.submitted(
                id, spec.name(), spec.function(), spec.toJson().toString(), spec.partitions(), now));
        BitSet[] complete = null;
        String reusedFrom = null;
        boolean finished = false;
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
                    finished = true;
                }
            }
        }
        lock.lock();
        try {
            JobRun job = new JobRun(id, spec, now, spec.partitions() > 0 ? JobStatus.RUNNING : JobStatus.PREPARING);
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
                reused.put("partitions", job.doneComputes);
                record(job, reused, false);
                cache.reused(job.doneComputes);
                log.info("Job {} reuses {} partitions of job {}", id, job.doneComputes, reusedFrom);
            }
            addLive(job);
            if (finished) {
                job.started = true;
                endJob(job, JobStatus.DONE, Optional.empty());
            }
            dispatchAll();
            return job;
        } finally {
            unlock();
        }
    }

    private void addLive(JobRun job) {
        live.put(job.id, job);
        order.add(job);
        order.sort(Comparator.comparingInt((JobRun j) -> -j.spec.priority())
                .thenComparingLong(j -> j.createdAt)
                .thenComparing(j -> j.id));
    }

    /**
     * Cancels a live job: no further tasks are leased and workers are told to stop. Returns false if
     * the job is not live here. The caller makes the cancellation durable.
     */
    boolean cancel(String id) {
        lock.lock();
        try {
            JobRun job = live.get(id);
            if (job == null || !job.live()) {
                return false;
            }
            endJob(job, JobStatus.CANCELLED, Optional.of("cancelled"));
            dispatchAll();
            return true;
        } finally {
            unlock();
        }
    }

    private void endJob(JobRun job, JobStatus status, Optional<String> error) {
        job.status = status;
        job.error = error;
        JobEndListener listener = endListener;
        if (listener != null) {
            String id = job.id;
            afterUnlock.add(() -> listener.ended(id, status, error));
        }
        ObjectNode event = events.create("finished");
        event.put("status", status.wireName());
        error.ifPresent(e -> event.put("error", e));
        event.put("partitions", job.partitions());
        event.put("done", job.doneComputes);
        event.put("millis", Math.max(0, millis.getAsLong() - job.createdAt));
        record(job, event, true);
        live.remove(job.id);
        order.remove(job);
        finished.put(job.id, job);
        job.leased = 0;
        job.release();
        for (WorkerConn w : workers.values()) {
            // Leases of a finished job are over: their credits come back now, and whatever the
            // worker still sends for them is ignored.
            int released = 0;
            for (Iterator<Lease> it = w.leases.values().iterator(); it.hasNext(); ) {
                Lease lease = it.next();
                if (lease.job == job) {
                    it.remove();
                    if (lease.suspended) {
                        w.suspended--;
                        continue; // its credit came back when it was suspended
                    }
                    released++;
                }
            }
            if (!w.draining) {
                w.credits += released;
            }
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
            logCalls.add(new JobEvents.LogCall(job, event));
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

    /** Registers a worker after its hello. */
    WorkerConn connect(Message.Hello hello, String remote, WorkerConn.Outbox outbox) {
        lock.lock();
        try {
            String id = "w" + (++workerSeq);
            WorkerConn w = new WorkerConn(id, hello, remote, millis.getAsLong(), outbox, nanos.getAsLong());
            workers.put(id, w);
            log.info(
                    "Worker {} connected from {}: {} '{}' with {} slots, functions {}",
                    id,
                    remote,
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
    void disconnect(WorkerConn w, String reason) {
        lock.lock();
        try {
            if (w.closed) {
                return;
            }
            w.closed = true;
            workers.remove(w.id);
            int requeued = 0;
            for (Lease lease : w.leases.values()) {
                if (lease.current()) {
                    lease.job.requeue(lease.key);
                    lease.job.leased--;
                    requeued++;
                }
            }
            w.leases.clear();
            for (JobEvents.LogCall call : w.logLeases.values()) {
                logCalls.addFirst(call);
                requeued++;
            }
            w.logLeases.clear();
            for (CallRun c : List.copyOf(w.callLeases.values())) {
                callLost(c, c.describe() + ": its worker was lost");
                requeued++;
            }
            w.callLeases.clear();
            w.suspended = 0;
            log.info("Worker {} left ({}); {} tasks requeued", w.id, reason, requeued);
            dispatchAll();
        } finally {
            unlock();
        }
    }

    void seen(WorkerConn w) {
        w.lastSeenNanos = nanos.getAsLong();
    }

    /** Adds credits and sends work. */
    void pull(WorkerConn w, int credits) {
        lock.lock();
        try {
            if (w.closed || w.draining) {
                return;
            }
            w.credits = (int) Math.min(1_000_000L, (long) w.credits + credits);
            dispatch(w);
        } finally {
            unlock();
        }
    }

    /** The worker takes no more work. */
    void drain(WorkerConn w) {
        lock.lock();
        try {
            w.draining = true;
            w.credits = 0;
        } finally {
            unlock();
        }
    }

    /** Tasks a worker gives back unstarted go back to the queue. */
    void returned(WorkerConn w, List<Message.TaskRef> refs) {
        lock.lock();
        try {
            for (Message.TaskRef ref : refs) {
                if (ref.level() == Message.CALL_LEVEL) {
                    CallRun c = w.callLeases.get(ref.index());
                    if (c != null && c.attempt == ref.attempt()) {
                        w.callLeases.remove(ref.index());
                        if (c.suspended) {
                            w.suspended--; // its credit came back when it was suspended
                        } else if (!w.draining) {
                            w.credits++;
                        }
                        requeueCall(c);
                    }
                    continue;
                }
                if (ref.level() == JobEvents.LOG_LEVEL) {
                    JobEvents.LogCall call = w.logLeases.remove(new JobEvents.LogCall.Key(ref.job(), ref.index()));
                    if (call != null) {
                        logCalls.addFirst(call);
                        if (!w.draining) {
                            w.credits++;
                        }
                    }
                    continue;
                }
                JobRun job = job(ref.job());
                if (job == null) {
                    continue;
                }
                long key = JobRun.key(ref.level(), ref.index());
                Lease lease = w.leases.remove(new Lease.Id(job, key, ref.attempt()));
                if (lease == null) {
                    continue;
                }
                if (lease.suspended) {
                    // its credit came back when it was suspended
                    w.suspended--;
                    if (lease.current()) {
                        job.requeue(key);
                        job.leased--;
                    }
                    continue;
                }
                if (lease.current()) {
                    job.requeue(key);
                    job.leased--;
                }
                if (!w.draining) {
                    w.credits++;
                }
            }
            dispatchAll();
        } finally {
            unlock();
        }
    }

    private JobRun job(String id) {
        JobRun job = live.get(id);
        return job != null ? job : finished.get(id);
    }

    // ---------------------------------------------------------------------------------- dispatch

    private void dispatchAll() {
        for (WorkerConn w : workers.values()) {
            if (w.credits > 0 && !w.draining) {
                dispatch(w);
            }
        }
    }

    private void dispatch(WorkerConn w) {
        if (w.credits <= 0 || w.draining || w.closed) {
            return;
        }
        long now = nanos.getAsLong();
        if (!logCalls.isEmpty()) {
            dispatchLogCalls(w, now);
        }
        int allowance = w.allowance(millis.getAsLong());
        if (!callQueues.isEmpty()) {
            dispatchCalls(w, now, allowance);
        }
        List<Lease> batch = null;
        List<Message.JobInfo> infos = null;
        for (JobRun job : order) {
            if (!job.hasWork() || !w.canRun(job)) {
                continue;
            }
            long timeout = job.spec.taskTimeout().toNanos();
            while (w.credits > 0 && w.held() < allowance && (batch == null || batch.size() < config.maxBatch())) {
                long key = job.next();
                if (key == -1) {
                    break;
                }
                job.setState(key, JobRun.LEASED);
                job.leased++;
                int attempt = job.nextAttempt(key);
                // A worker runs what it holds `slots` at a time: a task queued behind others gets a
                // time limit per round ahead of it (at most ten), so that it does not time out
                // for a slow or hung neighbour. The worker enforces the limit per task itself.
                long rounds = Math.min(9, w.held() / Math.max(1, w.hello.slots()));
                Lease lease = new Lease(job, key, attempt, now + timeout * (1 + rounds));
                if (w.leases.put(lease.id(), lease) != null) {
                    w.credits++; // a saturated attempt number replaced an older lease: its credit comes back now
                }
                w.credits--;
                if (batch == null) {
                    batch = new ArrayList<>(Math.min(w.credits + 1, config.maxBatch()));
                }
                batch.add(lease);
                if (w.knownJobs.add(job.id)) {
                    if (infos == null) {
                        infos = new ArrayList<>();
                    }
                    infos.add(info(job));
                }
                if (!job.started) {
                    job.started = true;
                    record(job, events.create("started"), true);
                }
            }
            if (w.credits == 0 || (batch != null && batch.size() >= config.maxBatch())) {
                break;
            }
        }
        if (batch != null) {
            w.outbox.sendTasks(infos == null ? List.of() : infos, batch);
            if (w.credits > 0 && w.held() < allowance) {
                dispatch(w); // more than one batch fits the credits
            }
        }
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

    /** Leases queued log tasks to a worker that can run their job's code, ahead of other work. */
    private void dispatchLogCalls(WorkerConn w, long now) {
        List<Message.Task> tasks = null;
        List<Message.JobInfo> infos = new ArrayList<>();
        for (Iterator<JobEvents.LogCall> it = logCalls.iterator(); it.hasNext() && w.credits > 0; ) {
            JobEvents.LogCall call = it.next();
            if (!w.canRun(call.job)) {
                continue;
            }
            it.remove();
            call.attempt++;
            call.deadlineNanos = now + call.job.spec.taskTimeout().toNanos();
            w.logLeases.put(call.key(), call);
            w.credits--;
            if (tasks == null) {
                tasks = new ArrayList<>();
            }
            tasks.add(new Message.Task(
                    call.job.id, "log", JobEvents.LOG_LEVEL, call.seq(), call.attempt, call.event, null));
            if (w.knownJobs.add(call.job.id)) {
                infos.add(info(call.job));
            }
        }
        if (tasks != null) {
            w.outbox.send(new Message.Tasks(infos, tasks));
        }
    }

    /** A log task ended: its event is written again with what the logger said, or retried. */
    private void logCallDone(WorkerConn w, Message.Result r) {
        JobEvents.LogCall call = w.logLeases.remove(new JobEvents.LogCall.Key(r.job(), r.index()));
        if (call == null) {
            return; // timed out or already handled: its credit came back then
        }
        if (!w.draining) {
            w.credits++;
        }
        if (r.ok()) {
            JobEvents.attachLogged(call.event, r.log());
            writer.submitEvent(events.toStored(call.job.id, call.event));
        } else {
            logCallFailed(call, r.error());
        }
    }

    private void logCallFailed(JobEvents.LogCall call, String error) {
        if (call.attempt >= LOG_CALL_ATTEMPTS) {
            call.event.put("logError", error == null ? "failed" : error);
            writer.submitEvent(events.toStored(call.job.id, call.event));
        } else {
            logCalls.add(call);
        }
    }

    /**
     * Called by a worker's sender when the inputs of a leased combine task cannot be read: the task
     * is failed like an attempt.
     */
    void leaseBroken(WorkerConn w, Lease lease, String error) {
        lock.lock();
        try {
            if (w.leases.remove(lease.id()) != null) {
                if (lease.suspended) {
                    w.suspended--;
                } else {
                    w.credits++;
                }
            }
            if (lease.current()) {
                lease.job.leased--;
                failAttempt(lease.job, lease.key, lease.attempt, error, w, null);
            }
            dispatchAll();
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------------------------- grid calls

    /**
     * Submits a call whose result was not in the cache: it joins an identical call in flight or is
     * queued. The future completes (off the lock) with the outcome.
     */
    CompletableFuture<CallRun.Outcome> call(CallFunctions.Def def, JsonNode args, String key) {
        CompletableFuture<CallRun.Outcome> future = new CompletableFuture<>();
        lock.lock();
        try {
            enqueueCall(def, args, key, null, new CallRun.FutureWaiter(future), false);
            dispatchAll();
        } finally {
            unlock();
        }
        return future;
    }

    /** A grid call made by a worker's task that missed the cache. */
    record WorkerCall(long requestId, CallFunctions.Def def, JsonNode args, String key, Message.TaskRef parent) {}

    /** Queues calls made by a worker's tasks; a call that would wait for itself is answered with an error. */
    void workerCalls(WorkerConn w, List<WorkerCall> calls) {
        lock.lock();
        try {
            if (w.closed) {
                return;
            }
            List<Message.Answer> refused = null;
            for (WorkerCall call : calls) {
                CallRun parent = null;
                if (call.parent() != null && call.parent().level() == Message.CALL_LEVEL) {
                    CallRun p = w.callLeases.get(call.parent().index());
                    if (p != null && p.attempt == call.parent().attempt()) {
                        parent = p;
                    }
                }
                String error = enqueueCall(
                        call.def(),
                        call.args(),
                        call.key(),
                        parent,
                        new CallRun.WorkerWaiter(w, call.requestId()),
                        true);
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
            dispatchAll();
        } finally {
            unlock();
        }
    }

    /** Returns an error if the call cannot be made; completes the waiter at once on a cache hit. */
    private String enqueueCall(
            CallFunctions.Def def, JsonNode args, String key, CallRun parent, CallRun.Waiter waiter, boolean sub) {
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
                running.waiters.add(waiter);
                cache.merged(def.name());
                return null;
            }
        }
        callSeq = callSeq % Integer.MAX_VALUE + 1; // task indexes are at most 2^31-1
        CallRun c = new CallRun(callSeq, def, args, key, parent);
        c.waiters.add(waiter);
        if (key != null) {
            callsInFlight.put(key, c);
        }
        liveCalls.put(c.seq, c);
        CallQueue queue = callQueues.computeIfAbsent(def.descriptorId(), k -> new CallQueue(def));
        if (sub) {
            queue.subs.addFirst(c);
        } else {
            queue.roots.addLast(c);
        }
        return null;
    }

    private void complete(CallRun.Waiter waiter, CallRun.Outcome outcome) {
        switch (waiter) {
            case CallRun.FutureWaiter f -> afterUnlock.add(() -> f.future().complete(outcome));
            case CallRun.WorkerWaiter ww -> {
                if (!ww.worker().closed) {
                    ww.worker()
                            .outbox
                            .send(new Message.Answers(List.of(new Message.Answer(
                                    ww.requestId(), outcome.ok(), outcome.value(), outcome.error()))));
                }
            }
        }
    }

    /** Leases queued calls the worker can run, sub-calls first and newest first (depth first). */
    private void dispatchCalls(WorkerConn w, long now, int allowance) {
        List<Message.Task> tasks = null;
        List<Message.JobInfo> infos = null;
        for (Iterator<CallQueue> it = callQueues.values().iterator(); it.hasNext() && w.credits > 0; ) {
            CallQueue queue = it.next();
            if (queue.isEmpty()) {
                it.remove();
                continue;
            }
            if (!CallFunctions.canRun(w, queue.def)) {
                continue;
            }
            while (w.credits > 0
                    && w.held() < allowance
                    && !queue.isEmpty()
                    && (tasks == null || tasks.size() < config.maxBatch())) {
                CallRun c = queue.poll();
                long rounds = Math.min(9, w.held() / Math.max(1, w.hello.slots()));
                c.state = CallRun.LEASED;
                c.attempt++;
                c.worker = w;
                c.suspended = false;
                c.deadlineNanos = now + c.def.timeout().toNanos() * (1 + rounds);
                w.callLeases.put(c.seq, c);
                w.credits--;
                cache.executed(c.def.name());
                if (tasks == null) {
                    tasks = new ArrayList<>();
                    infos = new ArrayList<>();
                }
                tasks.add(new Message.Task(
                        queue.def.descriptorId(), "call", Message.CALL_LEVEL, c.seq, c.attempt, c.args, null));
                if (w.knownJobs.add(queue.def.descriptorId())) {
                    infos.add(callInfo(queue.def));
                }
            }
            if (queue.isEmpty()) {
                it.remove();
            }
        }
        if (tasks != null) {
            w.outbox.send(new Message.Tasks(infos, tasks));
        }
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

    /** A call task ended on a worker: its waiters learn the outcome, a pure result is cached. */
    private void callResult(WorkerConn w, Message.Result r, byte[] output) {
        CallRun c = w.callLeases.get(r.index());
        if (c == null || c.attempt != r.attempt()) {
            return; // revoked (timed out) before: its credit came back then
        }
        w.callLeases.remove(r.index());
        if (c.suspended) {
            c.suspended = false;
            w.suspended--;
        } else if (!w.draining) {
            w.credits++;
        }
        if (r.ok()) {
            w.tasksDone++;
            w.rate.record(millis.getAsLong(), 1);
            JsonNode value = r.output() == null ? NullNode.getInstance() : r.output();
            if (c.key != null) {
                cache.put(c.key, c.def.name(), c.def.version(), output, value);
            }
            finishCall(c, new CallRun.Outcome(true, value, output, null, false));
        } else {
            w.tasksFailed++;
            String error = r.error() == null ? "failed" : r.error();
            finishCall(c, CallRun.Outcome.failed(error.length() > 4000 ? error.substring(0, 4000) + "..." : error));
        }
    }

    private void finishCall(CallRun c, CallRun.Outcome outcome) {
        if (!outcome.ok()) {
            cache.failed(c.def.name());
        }
        c.state = CallRun.DONE;
        c.worker = null;
        liveCalls.remove(c.seq);
        if (c.key != null) {
            callsInFlight.remove(c.key, c);
        }
        for (CallRun.Waiter waiter : c.waiters) {
            complete(waiter, outcome);
        }
        c.waiters.clear();
    }

    /** A call lost its worker or timed out: it runs again, or fails after {@value #CALL_ATTEMPTS}. */
    private void callLost(CallRun c, String why) {
        if (c.suspended && c.worker != null) {
            c.worker.suspended--;
        }
        c.suspended = false;
        c.worker = null;
        c.lost++;
        if (c.lost >= CALL_ATTEMPTS) {
            finishCall(c, CallRun.Outcome.failed(why + " (" + c.lost + " of " + CALL_ATTEMPTS + " attempts)"));
        } else {
            log.debug("{}; running it again", why);
            requeueCall(c);
        }
    }

    private void requeueCall(CallRun c) {
        c.state = CallRun.QUEUED;
        c.worker = null;
        c.suspended = false;
        callQueues
                .computeIfAbsent(c.def.descriptorId(), k -> new CallQueue(c.def))
                .subs
                .addFirst(c);
    }

    /**
     * Tasks of a worker that wait for grid calls (or no longer do). A suspended task does not count
     * against what its worker may hold, its credit comes back, and its time limit stops; resuming
     * takes the credit again and restarts the time limit.
     */
    void suspended(WorkerConn w, List<Message.TaskRef> refs, boolean suspend) {
        lock.lock();
        try {
            if (w.closed) {
                return;
            }
            long now = nanos.getAsLong();
            boolean changed = false;
            for (Message.TaskRef ref : refs) {
                if (ref.level() == Message.CALL_LEVEL) {
                    CallRun c = w.callLeases.get(ref.index());
                    if (c == null || c.attempt != ref.attempt() || c.suspended == suspend) {
                        continue;
                    }
                    c.suspended = suspend;
                    if (!suspend) {
                        c.deadlineNanos = now + c.def.timeout().toNanos();
                    }
                } else {
                    JobRun job = job(ref.job());
                    Lease lease = job == null
                            ? null
                            : w.leases.get(new Lease.Id(job, JobRun.key(ref.level(), ref.index()), ref.attempt()));
                    if (lease == null || lease.expired || lease.suspended == suspend) {
                        continue;
                    }
                    lease.suspended = suspend;
                    if (!suspend) {
                        lease.deadlineNanos = now + job.spec.taskTimeout().toNanos();
                    }
                }
                changed = true;
                if (suspend) {
                    w.suspended++;
                    if (!w.draining) {
                        w.credits++;
                    }
                } else {
                    w.suspended--;
                    if (!w.draining) {
                        w.credits--;
                    }
                }
            }
            if (changed && suspend) {
                dispatch(w);
            }
        } finally {
            unlock();
        }
    }

    /** Calls queued or running, for the API. */
    record CallTotals(int live, int queued, int running, int suspended) {}

    CallTotals callTotals() {
        lock.lock();
        try {
            int running = 0;
            int suspended = 0;
            for (CallRun c : liveCalls.values()) {
                if (c.state == CallRun.LEASED) {
                    running++;
                    if (c.suspended) {
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
    record Accepted(JobRun job, long key, int attempt, Completion completion, PrepareOutcome prepare, JobEvent event) {}

    /** The decoded output of a prepare task, and what its module's logger said. */
    record PrepareOutcome(long partitions, List<JsonNode> inputs, List<byte[]> inputBytes, JsonNode logged) {}

    /**
     * A worker's results message, as far as it was accepted; acked once committed. {@code logged}
     * counts results of log tasks, which need no commit of their own.
     */
    record CommitBatch(WorkerConn worker, long seq, List<Accepted> accepted, int ignored, int logged) {}

    /**
     * Handles a worker's results. {@code outputs[i]} is the JSON encoding of result i's output
     * (computed by the caller outside the lock). Returns an error message if any result was for a
     * task the worker does not hold (those results are dropped).
     */
    Optional<String> results(WorkerConn w, Message.Results message, byte[][] outputs) {
        List<Accepted> accepted = new ArrayList<>();
        int ignored = 0;
        int logged = 0;
        StringBuilder notHeld = null;
        lock.lock();
        try {
            if (w.closed) {
                return Optional.empty();
            }
            List<Message.Result> results = message.results();
            for (int i = 0; i < results.size(); i++) {
                Message.Result r = results.get(i);
                if (r.level() == JobEvents.LOG_LEVEL) {
                    logCallDone(w, r);
                    logged++;
                    continue;
                }
                if (r.level() == Message.CALL_LEVEL) {
                    callResult(w, r, outputs[i]);
                    logged++;
                    continue;
                }
                JobRun job = job(r.job());
                Lease lease = null;
                long key = JobRun.key(r.level(), r.index());
                if (job != null) {
                    lease = w.leases.remove(new Lease.Id(job, key, r.attempt()));
                    if (lease != null && lease.suspended) {
                        lease.suspended = false;
                        w.suspended--;
                        w.credits--; // the result gives back the credit the suspension gave back early
                    }
                }
                if (lease == null && job != null && !job.live()) {
                    ignored++; // a leftover of a finished job: its lease and credit were released
                    continue;
                }
                if (lease == null) {
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
                    continue;
                }
                boolean current = lease.current();
                if (!job.live()) {
                    ignored++;
                    w.credits++;
                    continue;
                }
                if (!r.ok()) {
                    w.credits++;
                    w.tasksFailed++;
                    if (current) {
                        job.leased--;
                        failAttempt(job, key, r.attempt(), errorText(job, r), w, r.log());
                    } else {
                        ignored++;
                    }
                    continue;
                }
                byte state = job.state(key);
                if (state == JobRun.DONE || state == JobRun.COMMITTING) {
                    ignored++;
                    w.credits++;
                    continue;
                }
                if (state == JobRun.LEASED) {
                    job.leased--; // the current attempt (ours or another's) stops counting as running
                }
                Accepted a = accept(w, job, key, r, outputs[i]);
                if (a == null) {
                    w.credits++;
                    continue;
                }
                job.setState(key, JobRun.COMMITTING);
                job.addCommitting(1);
                accepted.add(a);
            }
            if (accepted.isEmpty()) {
                w.outbox.send(new Message.Ack(message.seq(), logged, ignored));
                dispatch(w); // failures that requeued a task dispatched to everyone already
            }
        } finally {
            unlock();
        }
        if (!accepted.isEmpty()) {
            writer.submit(new CommitBatch(w, message.seq(), accepted, ignored, logged));
        }
        return notHeld == null ? Optional.empty() : Optional.of(notHeld.toString());
    }

    private static String errorText(JobRun job, Message.Result r) {
        String what = r.level() < 0
                ? "prepare"
                : r.level() == 0 ? "partition " + r.index() : "combine " + r.level() + "/" + r.index();
        String error = r.error() == null ? "failed" : r.error();
        if (error.length() > 2000) {
            error = error.substring(0, 2000) + "...";
        }
        return what + " (attempt " + r.attempt() + "): " + error;
    }

    /** Builds the durable form of an accepted result, or fails the attempt if it is unusable. */
    private Accepted accept(WorkerConn w, JobRun job, long key, Message.Result r, byte[] output) {
        int level = JobRun.level(key);
        if (level < 0) {
            PrepareOutcome outcome;
            try {
                outcome = prepareOutcome(r.output(), r.log());
            } catch (IllegalArgumentException e) {
                // A bad prepare result fails the job at once: retrying the same code gives the same answer.
                job.fail(key);
                failJob(job, "prepare returned an unusable result: " + e.getMessage());
                return null;
            }
            return new Accepted(job, key, r.attempt(), null, outcome, null);
        }
        boolean root = level == job.shape.top();
        long from = -1;
        long to = -1;
        if (level > 0) {
            from = job.shape.firstChild(JobRun.index(key));
            to = job.shape.endChild(level, JobRun.index(key));
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
                key,
                r.attempt(),
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

    /**
     * Counts a failed attempt and records it in the job's events; requeues the task or, past
     * maxAttempts, fails the job.
     */
    private void failAttempt(JobRun job, long key, int attempt, String error, WorkerConn w, JsonNode logged) {
        ObjectNode event = events.create("failed");
        int level = JobRun.level(key);
        if (level == 0) {
            event.put("partition", JobRun.index(key));
        } else {
            event.put("task", level < 0 ? "prepare" : "combine");
            if (level > 0) {
                event.put("level", level);
                event.put("node", JobRun.index(key));
            }
        }
        event.put("attempt", attempt);
        event.put("error", error);
        event.put("worker", w.id);
        JobEvents.attachLogged(event, logged);
        recordTask(job, event);
        int failures = job.fail(key);
        if (failures >= job.spec.maxAttempts()) {
            failJob(job, error + " (failed " + failures + " of " + job.spec.maxAttempts() + " attempts)");
        } else {
            log.debug("Job {}: {}; retrying", job.id, error);
            job.requeue(key);
            dispatchAll();
        }
    }

    private void failJob(JobRun job, String error) {
        log.warn("Job {} failed: {}", job.id, error);
        endJob(job, JobStatus.FAILED, Optional.of(error));
        writer.submitFinish(job.id, JobStatus.FAILED, Optional.of(error));
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
                    w.tasksDone++;
                    if (!w.draining) {
                        w.credits++;
                    }
                    if (!job.live()) {
                        continue;
                    }
                    job.addCommitting(-1);
                    if (a.prepare() != null) {
                        job.setState(a.key(), JobRun.DONE);
                        job.start(a.prepare().partitions(), null);
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
                        continue;
                    }
                    job.rate.record(now, 1);
                    job.history.record(now, 1);
                    totalRate.record(now, 1);
                    totalHistory.record(now, 1);
                    tasksCompleted++;
                    w.rate.record(now, 1);
                    if (job.complete(a.key()) == 0) {
                        log.info("Job {} done", job.id);
                        endJob(job, JobStatus.DONE, Optional.empty());
                    }
                }
                if (!w.closed) {
                    w.outbox.send(
                            new Message.Ack(batch.seq(), batch.accepted().size() + batch.logged(), batch.ignored()));
                }
            }
            dispatchAll();
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
                    if (a.job().live() && a.job().state(a.key()) == JobRun.COMMITTING) {
                        a.job().addCommitting(-1);
                        a.job().requeue(a.key());
                    }
                    if (!batch.worker().draining) {
                        batch.worker().credits++;
                    }
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
            dispatchAll();
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------------------------- time

    /** Expires leases past their deadline and drops workers that stopped sending heartbeats. */
    void sweep() {
        lock.lock();
        try {
            long now = nanos.getAsLong();
            long silence = config.heartbeatInterval().toNanos() * 3;
            List<WorkerConn> silent = new ArrayList<>();
            List<WorkerConn> lost = new ArrayList<>();
            for (WorkerConn w : workers.values()) {
                if (!w.outbox.open()) {
                    lost.add(w);
                    continue;
                }
                if (now - w.lastSeenNanos > silence) {
                    silent.add(w);
                    continue;
                }
                List<Message.TaskRef> revoked = null;
                for (Iterator<Lease> it = w.leases.values().iterator(); it.hasNext(); ) {
                    Lease lease = it.next();
                    if (!lease.expired && !lease.suspended && now - lease.deadlineNanos > 0) {
                        lease.expired = true;
                        JobRun job = lease.job;
                        if (job.live()
                                && job.state(lease.key) == JobRun.LEASED
                                && job.currentAttempt(lease.key) == lease.attempt) {
                            job.leased--;
                            String what = JobRun.level(lease.key) == 0
                                    ? "partition " + JobRun.index(lease.key)
                                    : "task " + JobRun.level(lease.key) + "/" + JobRun.index(lease.key);
                            failAttempt(
                                    job,
                                    lease.key,
                                    lease.attempt,
                                    what + " (attempt " + lease.attempt + "): timed out after "
                                            + job.spec.taskTimeout(),
                                    w,
                                    null);
                        }
                        if (revoked == null) {
                            revoked = new ArrayList<>();
                        }
                        revoked.add(new Message.TaskRef(
                                job.id, JobRun.level(lease.key), JobRun.index(lease.key), lease.attempt));
                    }
                }
                for (Iterator<JobEvents.LogCall> it = w.logLeases.values().iterator(); it.hasNext(); ) {
                    JobEvents.LogCall call = it.next();
                    if (now - call.deadlineNanos > 0) {
                        it.remove();
                        if (!w.draining) {
                            w.credits++;
                        }
                        if (revoked == null) {
                            revoked = new ArrayList<>();
                        }
                        revoked.add(new Message.TaskRef(call.job.id, JobEvents.LOG_LEVEL, call.seq(), call.attempt));
                        logCallFailed(
                                call,
                                "log (attempt " + call.attempt + "): timed out after " + call.job.spec.taskTimeout());
                    }
                }
                for (Iterator<CallRun> it = w.callLeases.values().iterator(); it.hasNext(); ) {
                    CallRun c = it.next();
                    if (!c.suspended && now - c.deadlineNanos > 0) {
                        it.remove();
                        if (!w.draining) {
                            w.credits++;
                        }
                        if (revoked == null) {
                            revoked = new ArrayList<>();
                        }
                        revoked.add(new Message.TaskRef(c.def.descriptorId(), Message.CALL_LEVEL, c.seq, c.attempt));
                        callLost(c, c.describe() + ": timed out after " + c.def.timeout());
                    }
                }
                if (revoked != null) {
                    w.outbox.send(new Message.Cancel(revoked.get(0).job(), revoked, "timed out"));
                }
            }
            for (WorkerConn w : lost) {
                disconnect(w, "connection lost");
            }
            for (WorkerConn w : silent) {
                w.outbox.close(1001, "missed heartbeats");
                disconnect(w, "missed heartbeats");
            }
            dispatchAll();
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------------------------- views

    /** A snapshot of a job's progress, for the API. */
    record Progress(
            String id,
            JobStatus status,
            long partitions,
            long pending,
            long running,
            long done,
            long failed,
            long retried,
            double rate,
            Optional<Double> etaSeconds,
            Optional<String> error) {}

    Optional<Progress> progress(String id) {
        lock.lock();
        try {
            JobRun job = job(id);
            if (job == null) {
                return Optional.empty();
            }
            long now = millis.getAsLong();
            double rate = job.live() ? job.rate.perSecond(now) : 0;
            long partitions = job.partitions();
            long done = job.status == JobStatus.DONE ? Math.max(partitions, job.doneComputes) : job.doneComputes;
            long running = job.live() ? job.leased : 0;
            // Partitions neither done nor leased; running also counts leased combine tasks, so near
            // the end pending reads slightly low rather than ever above the truth.
            long pending = job.live() && partitions > 0 ? Math.max(0, partitions - job.doneComputes - running) : 0;
            Optional<Double> eta = Optional.empty();
            if (job.live() && rate > 0 && job.shape != null) {
                eta = Optional.of((job.totalTasks() - job.done) / rate);
            }
            return Optional.of(new Progress(
                    job.id,
                    job.status,
                    partitions,
                    pending,
                    running,
                    done,
                    job.failed,
                    job.retried,
                    rate,
                    eta,
                    job.error));
        } finally {
            unlock();
        }
    }

    /** A snapshot of a connected worker, for the API. */
    record WorkerView(
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
            boolean draining) {}

    List<WorkerView> workers() {
        lock.lock();
        try {
            long now = millis.getAsLong();
            List<WorkerView> views = new ArrayList<>(workers.size());
            for (WorkerConn w : workers.values()) {
                Map<String, Integer> running = new LinkedHashMap<>();
                Map<String, Integer> combining = new LinkedHashMap<>();
                for (Lease lease : w.leases.values()) {
                    if (!lease.expired) {
                        running.merge(lease.job.id, 1, Integer::sum);
                        if (JobRun.level(lease.key) > 0) {
                            combining.merge(lease.job.id, 1, Integer::sum);
                        }
                    }
                }
                views.add(new WorkerView(
                        w.id,
                        w.hello,
                        w.remote,
                        w.connectedAt,
                        w.tasksDone,
                        w.tasksFailed,
                        w.rate.perSecond(now),
                        running,
                        combining,
                        w.credits,
                        w.draining));
            }
            return views;
        } finally {
            unlock();
        }
    }

    /** The partition map codes of a job (see {@link PartitionMap}); empty if unknown or preparing. */
    Optional<byte[]> partitionCodes(String id) {
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
    Optional<long[][]> history(String id, long afterSecond) {
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
    record JobWorker(String id, String name, String kind, int running, double rate) {}

    List<JobWorker> jobWorkers(String id) {
        lock.lock();
        try {
            long now = millis.getAsLong();
            List<JobWorker> out = new ArrayList<>();
            for (WorkerConn w : workers.values()) {
                int running = 0;
                for (Lease lease : w.leases.values()) {
                    if (!lease.expired && lease.job.id.equals(id)) {
                        running++;
                    }
                }
                if (running > 0) {
                    out.add(new JobWorker(w.id, w.hello.name(), w.hello.kind(), running, w.rate.perSecond(now)));
                }
            }
            return out;
        } finally {
            unlock();
        }
    }

    /** Connected workers and their cores, per kind. */
    record KindCount(int count, long cores) {}

    Map<String, KindCount> workersByKind() {
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
    record Totals(int workers, int liveJobs, long queued, long running, long completed, double rate) {}

    Totals totals() {
        lock.lock();
        try {
            long queued = 0;
            long running = 0;
            for (JobRun job : live.values()) {
                running += job.leased;
                queued += job.shape == null
                        ? 1
                        : Math.max(0, job.totalTasks() - job.done - job.leased - job.committing());
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
