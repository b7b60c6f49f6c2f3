package io.partita.store;

import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of a coordinator: jobs, materialised inputs and task outputs. Every method that
 * changes state is durable when it returns (it commits a transaction). Implementations are
 * thread-safe. Open one with {@link #open(String)}.
 */
public interface Store extends AutoCloseable {

    /**
     * Opens the store at a JDBC URL ({@code jdbc:sqlite:FILE} or {@code jdbc:postgresql:...}),
     * creating or migrating its schema.
     *
     * @throws StoreException if the database cannot be reached or migrated
     * @throws IllegalArgumentException if the URL names an unsupported database
     */
    static Store open(String jdbcUrl) {
        return JdbcStore.open(jdbcUrl);
    }

    /** Which database this is: {@code sqlite} or {@code postgresql}. */
    String kind();

    /** Inserts a new job. */
    void insertJob(StoredJob job);

    /** The job with this id. */
    Optional<StoredJob> job(String id);

    /** Jobs, newest first, skipping {@code offset}. */
    List<StoredJob> jobs(int offset, int limit);

    /** The number of jobs. */
    long jobCount();

    /** Jobs in a non-final status, oldest first. */
    List<StoredJob> unfinishedJobs();

    /**
     * Records the outcome of a prepare task: sets the partition count, stores the inputs (if any) and
     * moves the job from preparing to running. Does nothing if the job is not preparing.
     *
     * @return whether the job was updated
     */
    boolean prepared(String jobId, long partitions, List<byte[]> inputs);

    /** The materialised inputs of a job, in partition order (empty if it has none). */
    List<byte[]> inputs(String jobId);

    /**
     * Makes a batch of outputs and events durable in one transaction (see {@link Completion}). An
     * output that is already stored is left as it is; an event replaces the stored event of the same
     * job and number.
     */
    void commit(List<Completion> completions, List<JobEvent> events);

    /** Makes a batch of outputs durable in one transaction; see {@link #commit(List, List)}. */
    default void commit(List<Completion> completions) {
        commit(completions, List.of());
    }

    /** A job's events numbered above {@code afterSeq}, in order, at most {@code limit}. */
    List<JobEvent> events(String jobId, long afterSeq, int limit);

    /** The highest event number of a job, 0 if it has none. */
    long lastEventSeq(String jobId);

    /** The outputs of nodes {@code [from, to)} of a level, in order; missing nodes are skipped. */
    List<byte[]> outputs(String jobId, int level, long from, long to);

    /**
     * The total size in bytes of the outputs of nodes {@code [from, to)} of a level, without reading
     * them (so a combine task's inputs can be measured before they are loaded).
     */
    default long outputBytes(String jobId, int level, long from, long to) {
        long total = 0;
        for (byte[] b : outputs(jobId, level, from, to)) {
            total += b.length;
        }
        return total;
    }

    /**
     * Records failed-attempt counts of tasks, keeping the larger count where one is stored already
     * (so writing the same counts again changes nothing). One transaction.
     */
    void recordFailures(List<TaskFailures> failures);

    /** The failed-attempt counts stored for a job's tasks. */
    List<TaskFailures> failures(String jobId);

    /** Saves host records, replacing those stored under the same keys. One transaction. */
    void saveHosts(List<HostRecord> hosts);

    /** The record of one host, if it has one. */
    java.util.Optional<HostRecord> host(String key);

    /** Host records by credit, highest first (ties by key), a page at a time. */
    List<HostRecord> hosts(int offset, int limit);

    /** How many hosts have a record. */
    long hostCount();

    /**
     * The stored nodes of a job per level, as one bit set per level of {@code shape} (see {@link
     * TreeShape#complete} to expand them into the complete nodes).
     */
    BitSet[] storedNodes(String jobId, TreeShape shape);

    /**
     * Moves a job to a final status unless it already has one.
     *
     * @return whether the job was updated
     */
    boolean finish(String jobId, JobStatus status, Optional<String> error, long finishedAt);

    /** Stores code under its hash; storing the same hash again changes nothing. */
    void putCode(StoredCode code);

    /** The code with this hash. */
    Optional<StoredCode> code(String hash);

    /** Stores a function that answers grid calls, replacing one of the same name. */
    void putFunction(StoredFunction function);

    /** The stored functions, by name. */
    List<StoredFunction> functions();

    /**
     * Changes the call cache in one transaction: inserts or replaces {@code puts}, deletes the keys
     * in {@code deletes}, and sets the last use of the keys in {@code touches} (absent keys are
     * skipped).
     */
    void updateCache(List<CacheEntry> puts, java.util.Collection<String> deletes, java.util.Map<String, Long> touches);

    /** The whole call cache, least recently used first. */
    List<CacheEntry> cacheEntries();

    /** Deletes the cached results of one function (every version); returns how many. */
    long clearCache(String function);

    /** Sets a job's fingerprint (see {@link #jobWithFingerprint}). */
    void fingerprint(String jobId, String fingerprint);

    /** The newest job other than {@code exceptJob} with this fingerprint that has stored outputs. */
    Optional<String> jobWithFingerprint(String fingerprint, String exceptJob);

    /** Forgets the fingerprints of a function's jobs, so no later job reuses their outputs. */
    void forgetFingerprints(String function);

    /**
     * Copies the stored outputs of one job (every level) to another; returns how many rows. The
     * target's existing outputs are kept.
     */
    long copyResults(String fromJob, String toJob);

    /**
     * Deletes the event logs of jobs that finished before {@code finishedBefore} (epoch millis); the
     * jobs, their results and failures stay. Returns how many events were deleted.
     */
    long deleteEventsFinishedBefore(long finishedBefore);

    /** Deletes everything of a job (inputs, outputs, events, the job row). */
    void deleteJob(String jobId);

    /** Inserts or replaces a dataset (its kind is the format; status is {@code ready}). */
    void putDataset(StoredDoc dataset);

    /** A dataset by id. */
    Optional<StoredDoc> dataset(String id);

    /** All datasets, newest first. */
    List<StoredDoc> datasets();

    /** Deletes a dataset's row; true if there was one. */
    boolean deleteDataset(String id);

    /** Inserts or replaces a data job. */
    void putDataJob(StoredDoc job);

    /** A data job by id. */
    Optional<StoredDoc> dataJob(String id);

    /** Data jobs, newest first; only those with the given status when it is present. */
    List<StoredDoc> dataJobs(Optional<String> status);

    // ------------------------------------------------------------------ access (docs/security.md)

    /** Stores a new API token; a token with the same id is left as it is. */
    void putToken(StoredToken token);

    /** The token whose text hashes to {@code hash}, revoked and expired ones included. */
    Optional<StoredToken> tokenByHash(String hash);

    /** Every token, oldest first. */
    List<StoredToken> tokens();

    /** Marks a token revoked at {@code at}; false if there is no such token or it already was. */
    boolean revokeToken(String id, long at);

    /** Records who owns {@code (kind, id)}; an existing owner is kept. */
    void putOwner(String kind, String id, Owner owner);

    /** Who owns {@code (kind, id)}, if anyone does. */
    Optional<Owner> owner(String kind, String id);

    /** The ids of kind {@code kind} that {@code tenant} owns. */
    List<String> owned(String kind, String tenant);

    /** Jobs of {@code tenant}, newest first, like {@link #jobs(int, int)}. */
    List<StoredJob> jobsOf(String tenant, int offset, int limit);

    /** The number of jobs of {@code tenant}. */
    long jobCountOf(String tenant);

    /** The number of jobs of {@code tenant} that are preparing or running. */
    long liveJobCountOf(String tenant);

    /**
     * The bytes {@code tenant}'s jobs keep in this store: task outputs, results and events, of its
     * jobs and of its data jobs' phases (datasets' blobs are counted by their owner's service).
     */
    long storedBytesOf(String tenant);

    /** Appends a row to the audit log. */
    void audit(AuditEntry entry);

    /** The newest {@code limit} rows of the audit log, newest first. */
    List<AuditEntry> auditLog(int limit);

    /** Closes the connections. */
    @Override
    void close();
}
