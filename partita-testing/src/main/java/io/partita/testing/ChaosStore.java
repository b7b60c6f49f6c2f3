package io.partita.testing;

import io.partita.store.CacheEntry;
import io.partita.store.Completion;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoreException;
import io.partita.store.StoredCode;
import io.partita.store.StoredDoc;
import io.partita.store.StoredFunction;
import io.partita.store.StoredJob;
import io.partita.store.TaskFailures;
import io.partita.store.TreeShape;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A {@link Store} that injects store failures into a real store it delegates to, for tests of what
 * the coordinator does when the database blips (after Curator's {@code ChaosMonkeyCnxnFactory}).
 * Faults are set per operation ({@link Op}) and consumed in order, deterministically:
 *
 * <ul>
 *   <li>{@link #failNext(Op, int)}: the next {@code n} calls throw a {@link
 *       StoreException.Kind#TRANSIENT} exception without running (as when the connection was lost
 *       before the statement);
 *   <li>{@link #commitThenFail(Op, int)}: the next {@code n} calls run on the real store, which
 *       makes them durable, and then throw an {@link StoreException.Kind#AMBIGUOUS} exception (as
 *       when the connection died after COMMIT reached the database but before its reply came back);
 *   <li>{@link #down()} and {@link #up()}: while down, every call of every operation throws a
 *       transient exception without running.
 * </ul>
 *
 * <p>The injected exceptions carry an {@link SQLException} cause with SQL state {@code 08006}
 * (connection failure) and a message that starts with {@code "chaos:"}. {@link #calls(Op)} and
 * {@link #injected(Op)} count what happened. Thread-safe: the fault for a call is chosen under a
 * lock, and the real call runs outside it.
 */
public final class ChaosStore implements Store {

    /** The store operations, one per method of {@link Store} (both {@code commit}s are COMMIT). */
    public enum Op {
        /** {@link Store#insertJob}. */
        INSERT_JOB,
        /** {@link Store#job}. */
        JOB,
        /** {@link Store#jobs}. */
        JOBS,
        /** {@link Store#jobCount}. */
        JOB_COUNT,
        /** {@link Store#unfinishedJobs}. */
        UNFINISHED_JOBS,
        /** {@link Store#prepared}. */
        PREPARED,
        /** {@link Store#inputs}. */
        INPUTS,
        /** {@link Store#commit(List, List)}. */
        COMMIT,
        /** {@link Store#events}. */
        EVENTS,
        /** {@link Store#lastEventSeq}. */
        LAST_EVENT_SEQ,
        /** {@link Store#recordFailures}. */
        RECORD_FAILURES,
        /** {@link Store#failures}. */
        FAILURES,
        /** {@link Store#saveHosts}. */
        SAVE_HOSTS,
        /** {@link Store#host}, {@link Store#hosts} and {@link Store#hostCount}. */
        HOSTS,
        /** {@link Store#outputs}. */
        OUTPUTS,
        /** {@link Store#storedNodes}. */
        STORED_NODES,
        /** {@link Store#finish}. */
        FINISH,
        /** {@link Store#putCode}. */
        PUT_CODE,
        /** {@link Store#code}. */
        CODE,
        /** {@link Store#putFunction}. */
        PUT_FUNCTION,
        /** {@link Store#functions}. */
        FUNCTIONS,
        /** {@link Store#updateCache}. */
        UPDATE_CACHE,
        /** {@link Store#cacheEntries}. */
        CACHE_ENTRIES,
        /** {@link Store#clearCache}. */
        CLEAR_CACHE,
        /** {@link Store#fingerprint}. */
        FINGERPRINT,
        /** {@link Store#jobWithFingerprint}. */
        JOB_WITH_FINGERPRINT,
        /** {@link Store#forgetFingerprints}. */
        FORGET_FINGERPRINTS,
        /** {@link Store#copyResults}. */
        COPY_RESULTS,
        /** {@link Store#deleteJob}. */
        DELETE_JOB,
        /** {@link Store#putDataset}. */
        PUT_DATASET,
        /** {@link Store#dataset}. */
        DATASET,
        /** {@link Store#datasets}. */
        DATASETS,
        /** {@link Store#deleteDataset}. */
        DELETE_DATASET,
        /** {@link Store#putDataJob}. */
        PUT_DATA_JOB,
        /** {@link Store#dataJob}. */
        DATA_JOB,
        /** {@link Store#dataJobs}. */
        DATA_JOBS
    }

    private enum Fault {
        FAIL_BEFORE,
        FAIL_AFTER
    }

    private final Store delegate;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Op, Deque<Fault>> planned = new EnumMap<>(Op.class); // guarded by lock
    private final Map<Op, Long> calls = new EnumMap<>(Op.class); // guarded by lock
    private final Map<Op, Long> injected = new EnumMap<>(Op.class); // guarded by lock
    private boolean down; // guarded by lock

    /**
     * Wraps a real store; closing this store closes it.
     *
     * @param delegate the store that does the work
     */
    public ChaosStore(Store delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * Makes the next {@code n} calls of {@code op} fail with a transient exception without running.
     * Adds to faults already planned for {@code op}, which are consumed first.
     *
     * @param op the operation
     * @param n how many calls, at least 0
     * @return this store
     */
    public ChaosStore failNext(Op op, int n) {
        return plan(op, n, Fault.FAIL_BEFORE);
    }

    /**
     * Makes the next {@code n} calls of {@code op} run on the real store and then throw an ambiguous
     * exception: the write is durable, but the caller is told its outcome is unknown. Adds to faults
     * already planned for {@code op}, which are consumed first.
     *
     * @param op the operation
     * @param n how many calls, at least 0
     * @return this store
     */
    public ChaosStore commitThenFail(Op op, int n) {
        return plan(op, n, Fault.FAIL_AFTER);
    }

    /**
     * Takes the store down: from now until {@link #up()}, every call fails with a transient exception
     * without running. Planned faults are kept for after.
     *
     * @return this store
     */
    public ChaosStore down() {
        lock.lock();
        try {
            down = true;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Brings the store back after {@link #down()}.
     *
     * @return this store
     */
    public ChaosStore up() {
        lock.lock();
        try {
            down = false;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Forgets every planned fault and brings the store up; counters are kept.
     *
     * @return this store
     */
    public ChaosStore heal() {
        lock.lock();
        try {
            planned.clear();
            down = false;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Whether the store is down.
     *
     * @return true between {@link #down()} and {@link #up()}
     */
    public boolean isDown() {
        lock.lock();
        try {
            return down;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many times {@code op} was called, failed or not.
     *
     * @param op the operation
     * @return the number of calls
     */
    public long calls(Op op) {
        lock.lock();
        try {
            return calls.getOrDefault(op, 0L);
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many calls of {@code op} were made to fail.
     *
     * @param op the operation
     * @return the number of injected failures
     */
    public long injected(Op op) {
        lock.lock();
        try {
            return injected.getOrDefault(op, 0L);
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many faults are still planned for {@code op}.
     *
     * @param op the operation
     * @return the number of planned faults not yet consumed
     */
    public int pending(Op op) {
        lock.lock();
        try {
            Deque<Fault> q = planned.get(op);
            return q == null ? 0 : q.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The store this one delegates to.
     *
     * @return the real store
     */
    public Store delegate() {
        return delegate;
    }

    private ChaosStore plan(Op op, int n, Fault fault) {
        Objects.requireNonNull(op, "op");
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, was " + n);
        }
        lock.lock();
        try {
            Deque<Fault> q = planned.computeIfAbsent(op, k -> new ArrayDeque<>());
            for (int i = 0; i < n; i++) {
                q.add(fault);
            }
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** Chooses the fault of this call (null: none) and counts it. */
    private Fault next(Op op) {
        lock.lock();
        try {
            calls.merge(op, 1L, Long::sum);
            Fault f;
            if (down) {
                f = Fault.FAIL_BEFORE;
            } else {
                Deque<Fault> q = planned.get(op);
                f = q == null ? null : q.poll();
            }
            if (f != null) {
                injected.merge(op, 1L, Long::sum);
            }
            return f;
        } finally {
            lock.unlock();
        }
    }

    private <T> T run(Op op, Supplier<T> call) {
        Fault fault = next(op);
        if (fault == Fault.FAIL_BEFORE) {
            throw new StoreException(
                    "chaos: " + op + " failed before running (injected)",
                    new SQLException("chaos: connection lost (injected)", "08006"),
                    StoreException.Kind.TRANSIENT);
        }
        T value = call.get();
        if (fault == Fault.FAIL_AFTER) {
            throw new StoreException(
                    "chaos: " + op + " ran, then its reply was lost (injected); it may or may not have landed",
                    new SQLException("chaos: connection lost after COMMIT (injected)", "08006"),
                    StoreException.Kind.AMBIGUOUS);
        }
        return value;
    }

    private void runVoid(Op op, Runnable call) {
        run(op, () -> {
            call.run();
            return null;
        });
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public void insertJob(StoredJob job) {
        runVoid(Op.INSERT_JOB, () -> delegate.insertJob(job));
    }

    @Override
    public Optional<StoredJob> job(String id) {
        return run(Op.JOB, () -> delegate.job(id));
    }

    @Override
    public List<StoredJob> jobs(int offset, int limit) {
        return run(Op.JOBS, () -> delegate.jobs(offset, limit));
    }

    @Override
    public long jobCount() {
        return run(Op.JOB_COUNT, delegate::jobCount);
    }

    @Override
    public List<StoredJob> unfinishedJobs() {
        return run(Op.UNFINISHED_JOBS, delegate::unfinishedJobs);
    }

    @Override
    public boolean prepared(String jobId, long partitions, List<byte[]> inputs) {
        return run(Op.PREPARED, () -> delegate.prepared(jobId, partitions, inputs));
    }

    @Override
    public List<byte[]> inputs(String jobId) {
        return run(Op.INPUTS, () -> delegate.inputs(jobId));
    }

    @Override
    public void commit(List<Completion> completions, List<JobEvent> events) {
        runVoid(Op.COMMIT, () -> delegate.commit(completions, events));
    }

    @Override
    public List<JobEvent> events(String jobId, long afterSeq, int limit) {
        return run(Op.EVENTS, () -> delegate.events(jobId, afterSeq, limit));
    }

    @Override
    public long lastEventSeq(String jobId) {
        return run(Op.LAST_EVENT_SEQ, () -> delegate.lastEventSeq(jobId));
    }

    @Override
    public void recordFailures(List<TaskFailures> failures) {
        run(Op.RECORD_FAILURES, () -> {
            delegate.recordFailures(failures);
            return null;
        });
    }

    @Override
    public List<TaskFailures> failures(String jobId) {
        return run(Op.FAILURES, () -> delegate.failures(jobId));
    }

    @Override
    public void saveHosts(List<io.partita.store.HostRecord> hosts) {
        run(Op.SAVE_HOSTS, () -> {
            delegate.saveHosts(hosts);
            return null;
        });
    }

    @Override
    public java.util.Optional<io.partita.store.HostRecord> host(String key) {
        return run(Op.HOSTS, () -> delegate.host(key));
    }

    @Override
    public List<io.partita.store.HostRecord> hosts(int offset, int limit) {
        return run(Op.HOSTS, () -> delegate.hosts(offset, limit));
    }

    @Override
    public long hostCount() {
        return run(Op.HOSTS, delegate::hostCount);
    }

    @Override
    public List<byte[]> outputs(String jobId, int level, long from, long to) {
        return run(Op.OUTPUTS, () -> delegate.outputs(jobId, level, from, to));
    }

    @Override
    public long outputBytes(String jobId, int level, long from, long to) {
        return run(Op.OUTPUTS, () -> delegate.outputBytes(jobId, level, from, to));
    }

    @Override
    public BitSet[] storedNodes(String jobId, TreeShape shape) {
        return run(Op.STORED_NODES, () -> delegate.storedNodes(jobId, shape));
    }

    @Override
    public boolean finish(String jobId, JobStatus status, Optional<String> error, long finishedAt) {
        return run(Op.FINISH, () -> delegate.finish(jobId, status, error, finishedAt));
    }

    @Override
    public void putCode(StoredCode code) {
        runVoid(Op.PUT_CODE, () -> delegate.putCode(code));
    }

    @Override
    public Optional<StoredCode> code(String hash) {
        return run(Op.CODE, () -> delegate.code(hash));
    }

    @Override
    public void putFunction(StoredFunction function) {
        runVoid(Op.PUT_FUNCTION, () -> delegate.putFunction(function));
    }

    @Override
    public List<StoredFunction> functions() {
        return run(Op.FUNCTIONS, delegate::functions);
    }

    @Override
    public void updateCache(List<CacheEntry> puts, Collection<String> deletes, Map<String, Long> touches) {
        runVoid(Op.UPDATE_CACHE, () -> delegate.updateCache(puts, deletes, touches));
    }

    @Override
    public List<CacheEntry> cacheEntries() {
        return run(Op.CACHE_ENTRIES, delegate::cacheEntries);
    }

    @Override
    public long clearCache(String function) {
        return run(Op.CLEAR_CACHE, () -> delegate.clearCache(function));
    }

    @Override
    public void fingerprint(String jobId, String fingerprint) {
        runVoid(Op.FINGERPRINT, () -> delegate.fingerprint(jobId, fingerprint));
    }

    @Override
    public Optional<String> jobWithFingerprint(String fingerprint, String exceptJob) {
        return run(Op.JOB_WITH_FINGERPRINT, () -> delegate.jobWithFingerprint(fingerprint, exceptJob));
    }

    @Override
    public void forgetFingerprints(String function) {
        runVoid(Op.FORGET_FINGERPRINTS, () -> delegate.forgetFingerprints(function));
    }

    @Override
    public long copyResults(String fromJob, String toJob) {
        return run(Op.COPY_RESULTS, () -> delegate.copyResults(fromJob, toJob));
    }

    @Override
    public long deleteEventsFinishedBefore(long finishedBefore) {
        return run(Op.DELETE_JOB, () -> delegate.deleteEventsFinishedBefore(finishedBefore));
    }

    @Override
    public void deleteJob(String jobId) {
        runVoid(Op.DELETE_JOB, () -> delegate.deleteJob(jobId));
    }

    @Override
    public void putDataset(StoredDoc dataset) {
        runVoid(Op.PUT_DATASET, () -> delegate.putDataset(dataset));
    }

    @Override
    public Optional<StoredDoc> dataset(String id) {
        return run(Op.DATASET, () -> delegate.dataset(id));
    }

    @Override
    public List<StoredDoc> datasets() {
        return run(Op.DATASETS, delegate::datasets);
    }

    @Override
    public boolean deleteDataset(String id) {
        return run(Op.DELETE_DATASET, () -> delegate.deleteDataset(id));
    }

    @Override
    public void putDataJob(StoredDoc job) {
        runVoid(Op.PUT_DATA_JOB, () -> delegate.putDataJob(job));
    }

    @Override
    public Optional<StoredDoc> dataJob(String id) {
        return run(Op.DATA_JOB, () -> delegate.dataJob(id));
    }

    @Override
    public List<StoredDoc> dataJobs(Optional<String> status) {
        return run(Op.DATA_JOBS, () -> delegate.dataJobs(status));
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "ChaosStore[" + delegate.kind() + (isDown() ? ", down" : "") + "]";
    }

    // Access control: delegated without faults (ChaosStore's faults target the scheduler's paths).

    @Override
    public void putToken(io.partita.store.StoredToken token) {
        delegate.putToken(token);
    }

    @Override
    public Optional<io.partita.store.StoredToken> tokenByHash(String hash) {
        return delegate.tokenByHash(hash);
    }

    @Override
    public List<io.partita.store.StoredToken> tokens() {
        return delegate.tokens();
    }

    @Override
    public boolean revokeToken(String id, long at) {
        return delegate.revokeToken(id, at);
    }

    @Override
    public void putOwner(String kind, String id, io.partita.store.Owner owner) {
        delegate.putOwner(kind, id, owner);
    }

    @Override
    public Optional<io.partita.store.Owner> owner(String kind, String id) {
        return delegate.owner(kind, id);
    }

    @Override
    public List<String> owned(String kind, String tenant) {
        return delegate.owned(kind, tenant);
    }

    @Override
    public List<StoredJob> jobsOf(String tenant, int offset, int limit) {
        return delegate.jobsOf(tenant, offset, limit);
    }

    @Override
    public long jobCountOf(String tenant) {
        return delegate.jobCountOf(tenant);
    }

    @Override
    public long liveJobCountOf(String tenant) {
        return delegate.liveJobCountOf(tenant);
    }

    @Override
    public long storedBytesOf(String tenant) {
        return delegate.storedBytesOf(tenant);
    }

    @Override
    public void audit(io.partita.store.AuditEntry entry) {
        delegate.audit(entry);
    }

    @Override
    public List<io.partita.store.AuditEntry> auditLog(int limit) {
        return delegate.auditLog(limit);
    }
}
