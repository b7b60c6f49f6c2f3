package io.partita.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.partita.store.StoreException.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The {@link Store} over JDBC, for SQLite and PostgreSQL. The SQL is shared; only the connection
 * set-up differs:
 *
 * <ul>
 *   <li>SQLite runs in WAL mode with {@code synchronous=NORMAL}: a commit survives a crash of the
 *       process (kill -9), which is the failure the coordinator guards against; an operating
 *       system crash may lose the last commits. Every transaction begins IMMEDIATE so that two
 *       writers wait for each other (busy timeout) instead of failing on a lock upgrade.
 *   <li>PostgreSQL uses a HikariCP pool and batched inserts rewritten into multi-row statements.
 * </ul>
 */
final class JdbcStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);
    private static final String JOB_COLUMNS =
            "id, name, function_name, spec, partitions, status, error, result, created_at, finished_at";

    private final String kind;
    private final DataSource dataSource;
    private final Consumer<Connection> evict;
    private final Runnable close;

    /**
     * Creates a store over connections from {@code dataSource}, whose schema is already migrated.
     * {@code evict} takes a connection out of service for good (closing it) after a failure left it
     * broken or in an unknown state; {@code close} releases the data source. Tests pass a data source
     * whose connections fail on cue.
     */
    JdbcStore(String kind, DataSource dataSource, Consumer<Connection> evict, Runnable close) {
        this.kind = kind;
        this.dataSource = dataSource;
        this.evict = evict;
        this.close = close;
    }

    /** How long a PostgreSQL statement may wait for an answer unless the URL says otherwise. */
    static final int PG_SOCKET_TIMEOUT_SECONDS = 30;

    /** How long opening a PostgreSQL connection may take unless the URL says otherwise. */
    static final int PG_CONNECT_TIMEOUT_SECONDS = 10;

    static JdbcStore open(String url) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("partita-store");
        String kind;
        if (url.startsWith("jdbc:sqlite:")) {
            kind = "sqlite";
            createParent(url.substring("jdbc:sqlite:".length()));
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            sqlite.setBusyTimeout(30_000);
            sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            sqlite.setTempStore(SQLiteConfig.TempStore.MEMORY);
            SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
            dataSource.setUrl(url);
            config.setDataSource(dataSource);
            config.setMaximumPoolSize(4);
        } else if (url.startsWith("jdbc:postgresql:")) {
            kind = "postgresql";
            config.setJdbcUrl(url);
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            // A database that stops answering (a partition, a hung switch) must fail a statement, not
            // hang the coordinator's writer: defaults the URL may override (seconds).
            config.addDataSourceProperty("socketTimeout", String.valueOf(PG_SOCKET_TIMEOUT_SECONDS));
            config.addDataSourceProperty("connectTimeout", String.valueOf(PG_CONNECT_TIMEOUT_SECONDS));
            config.setMaximumPoolSize(8);
        } else {
            throw new IllegalArgumentException("store must be a jdbc:sqlite: or jdbc:postgresql: URL, was " + url);
        }
        config.setConnectionTimeout(30_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException(
                    "cannot open the store at " + redact(url) + ": " + e.getMessage() + SqlErrors.describe(e), e);
        }
        try {
            migrate(pool);
        } catch (RuntimeException e) {
            pool.close();
            throw new StoreException(
                    "cannot migrate the store at " + redact(url) + ": " + e.getMessage() + SqlErrors.describe(e), e);
        }
        log.debug("Opened {} store at {}", kind, redact(url));
        return new JdbcStore(kind, pool, pool::evictConnection, pool::close);
    }

    private static void createParent(String file) {
        if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:")) {
            return;
        }
        Path parent = Path.of(file).toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create the data directory " + parent, e);
        }
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/common")
                .table("partita_schema_history")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public void insertJob(StoredJob job) {
        inTransaction("insert job " + job.id(), c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("insert into jobs (" + JOB_COLUMNS + ") values (?,?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, job.id());
                ps.setString(2, job.name());
                ps.setString(3, job.function());
                ps.setString(4, job.spec());
                ps.setLong(5, job.partitions());
                ps.setString(6, job.status().wireName());
                setNullableString(ps, 7, job.error());
                if (job.result().isPresent()) {
                    ps.setBytes(8, job.result().get());
                } else {
                    ps.setNull(8, Types.BINARY);
                }
                ps.setLong(9, job.createdAt());
                if (job.finishedAt().isPresent()) {
                    ps.setLong(10, job.finishedAt().get());
                } else {
                    ps.setNull(10, Types.BIGINT);
                }
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<StoredJob> job(String id) {
        return query("read job " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("select " + JOB_COLUMNS + " from jobs where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(readJob(rs)) : Optional.<StoredJob>empty();
                }
            }
        });
    }

    @Override
    public List<StoredJob> jobs(int offset, int limit) {
        return query("list jobs", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select " + JOB_COLUMNS + " from jobs order by created_at desc, id desc limit ? offset ?")) {
                ps.setInt(1, limit);
                ps.setInt(2, offset);
                return readJobs(ps);
            }
        });
    }

    @Override
    public long jobCount() {
        return query("count jobs", c -> {
            try (PreparedStatement ps = c.prepareStatement("select count(*) from jobs");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public List<StoredJob> unfinishedJobs() {
        return query("list unfinished jobs", c -> {
            try (PreparedStatement ps = c.prepareStatement("select " + JOB_COLUMNS
                    + " from jobs where status in ('preparing', 'running')" + " order by created_at, id")) {
                return readJobs(ps);
            }
        });
    }

    @Override
    public boolean prepared(String jobId, long partitions, List<byte[]> inputs) {
        return inTransaction("record prepare of " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "update jobs set partitions = ?, status = 'running' where id = ? and status = 'preparing'")) {
                ps.setLong(1, partitions);
                ps.setString(2, jobId);
                if (ps.executeUpdate() == 0) {
                    return false;
                }
            }
            if (!inputs.isEmpty()) {
                try (PreparedStatement ps =
                        c.prepareStatement("insert into job_inputs (job_id, idx, input) values (?,?,?)")) {
                    for (int i = 0; i < inputs.size(); i++) {
                        ps.setString(1, jobId);
                        ps.setLong(2, i);
                        ps.setBytes(3, inputs.get(i));
                        ps.addBatch();
                        if ((i + 1) % 1000 == 0) {
                            ps.executeBatch();
                        }
                    }
                    ps.executeBatch();
                }
            }
            return true;
        });
    }

    @Override
    public List<byte[]> inputs(String jobId) {
        return query("read inputs of " + jobId, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select input from job_inputs where job_id = ? order by idx")) {
                ps.setString(1, jobId);
                return readBytes(ps);
            }
        });
    }

    @Override
    public void commit(List<Completion> completions, List<JobEvent> events) {
        if (completions.isEmpty() && events.isEmpty()) {
            return;
        }
        inTransaction("commit " + completions.size() + " results and " + events.size() + " events", c -> {
            if (!events.isEmpty()) {
                writeEvents(c, events);
            }
            if (completions.isEmpty()) {
                return null;
            }
            try (PreparedStatement insert =
                            c.prepareStatement("insert into task_results (job_id, level, idx, attempt, output)"
                                    + " values (?,?,?,?,?) on conflict do nothing");
                    PreparedStatement prune = c.prepareStatement(
                            "delete from task_results where job_id = ? and level = ? and idx >= ? and idx < ?");
                    PreparedStatement finish =
                            c.prepareStatement("update jobs set status = 'done', result = ?, finished_at = ?"
                                    + " where id = ? and status = 'running'")) {
                boolean pruned = false;
                boolean finished = false;
                for (Completion done : completions) {
                    insert.setString(1, done.jobId());
                    insert.setInt(2, done.level());
                    insert.setLong(3, done.index());
                    insert.setInt(4, done.attempt());
                    insert.setBytes(5, done.output());
                    insert.addBatch();
                    if (done.childrenFrom() >= 0) {
                        prune.setString(1, done.jobId());
                        prune.setInt(2, done.level() - 1);
                        prune.setLong(3, done.childrenFrom());
                        prune.setLong(4, done.childrenTo());
                        prune.addBatch();
                        pruned = true;
                    }
                    if (done.root()) {
                        finish.setBytes(1, done.output());
                        finish.setLong(2, System.currentTimeMillis());
                        finish.setString(3, done.jobId());
                        finish.addBatch();
                        finished = true;
                    }
                }
                insert.executeBatch();
                if (pruned) {
                    prune.executeBatch();
                }
                if (finished) {
                    finish.executeBatch();
                }
            }
            return null;
        });
    }

    private static void writeEvents(Connection c, List<JobEvent> events) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into job_events (job_id, seq, at, type, event)"
                + " values (?,?,?,?,?) on conflict (job_id, seq) do update set event = excluded.event")) {
            for (JobEvent e : events) {
                ps.setString(1, e.jobId());
                ps.setLong(2, e.seq());
                ps.setLong(3, e.at());
                ps.setString(4, e.type());
                ps.setString(5, e.json());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<JobEvent> events(String jobId, long afterSeq, int limit) {
        return query("read events of " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("select seq, at, type, event from job_events"
                    + " where job_id = ? and seq > ? order by seq limit ?")) {
                ps.setString(1, jobId);
                ps.setLong(2, afterSeq);
                ps.setInt(3, limit);
                List<JobEvent> events = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new JobEvent(jobId, rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
                    }
                }
                return events;
            }
        });
    }

    @Override
    public void recordFailures(List<TaskFailures> failures) {
        if (failures.isEmpty()) {
            return;
        }
        inTransaction("record " + failures.size() + " failed-attempt counts", c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into task_failures (job_id, level, idx, failures)"
                    + " values (?,?,?,?) on conflict (job_id, level, idx) do update set failures ="
                    + " case when excluded.failures > task_failures.failures then excluded.failures"
                    + " else task_failures.failures end")) {
                for (TaskFailures f : failures) {
                    ps.setString(1, f.jobId());
                    ps.setInt(2, f.level());
                    ps.setLong(3, f.index());
                    ps.setInt(4, f.failures());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<TaskFailures> failures(String jobId) {
        return query("read failed-attempt counts of " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select level, idx, failures from task_failures where job_id = ? order by level, idx")) {
                ps.setString(1, jobId);
                List<TaskFailures> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new TaskFailures(jobId, rs.getInt(1), rs.getLong(2), rs.getInt(3)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public void saveHosts(List<HostRecord> hosts) {
        if (hosts.isEmpty()) {
            return;
        }
        inTransaction("save " + hosts.size() + " host records", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into hosts (host_key, display_name, validated,"
                            + " invalid, unchecked, consecutive, errors, cpu_millis, credit, updated_at)"
                            + " values (?,?,?,?,?,?,?,?,?,?) on conflict (host_key) do update set"
                            + " display_name = excluded.display_name, validated = excluded.validated,"
                            + " invalid = excluded.invalid, unchecked = excluded.unchecked,"
                            + " consecutive = excluded.consecutive, errors = excluded.errors,"
                            + " cpu_millis = excluded.cpu_millis, credit = excluded.credit, updated_at = excluded.updated_at")) {
                for (HostRecord h : hosts) {
                    ps.setString(1, h.key());
                    ps.setString(2, h.displayName());
                    ps.setLong(3, h.validated());
                    ps.setLong(4, h.invalid());
                    ps.setLong(5, h.unchecked());
                    ps.setLong(6, h.consecutive());
                    ps.setLong(7, h.errors());
                    ps.setLong(8, h.cpuMillis());
                    ps.setDouble(9, h.credit());
                    ps.setLong(10, h.updatedAt());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private static final String HOST_COLUMNS = "host_key, display_name, validated, invalid, unchecked, consecutive,"
            + " errors, cpu_millis, credit, updated_at";

    private static HostRecord hostRecord(ResultSet rs) throws SQLException {
        return new HostRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                rs.getLong(4),
                rs.getLong(5),
                rs.getLong(6),
                rs.getLong(7),
                rs.getLong(8),
                rs.getDouble(9),
                rs.getLong(10));
    }

    @Override
    public java.util.Optional<HostRecord> host(String key) {
        return query("read the record of a host", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select " + HOST_COLUMNS + " from hosts where host_key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(hostRecord(rs)) : java.util.Optional.<HostRecord>empty();
                }
            }
        });
    }

    @Override
    public List<HostRecord> hosts(int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative");
        }
        return query("read host records", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select " + HOST_COLUMNS + " from hosts order by credit desc, host_key limit ? offset ?")) {
                ps.setInt(1, limit);
                ps.setInt(2, offset);
                List<HostRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(hostRecord(rs));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public long hostCount() {
        return query("count host records", c -> {
            try (PreparedStatement ps = c.prepareStatement("select count(*) from hosts");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public long lastEventSeq(String jobId) {
        return query("read last event of " + jobId, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select coalesce(max(seq), 0) from job_events where job_id = ?")) {
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public List<byte[]> outputs(String jobId, int level, long from, long to) {
        return query("read outputs of " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select output from task_results where job_id = ? and level = ? and idx >= ? and idx < ?"
                            + " order by idx")) {
                ps.setString(1, jobId);
                ps.setInt(2, level);
                ps.setLong(3, from);
                ps.setLong(4, to);
                return readBytes(ps);
            }
        });
    }

    @Override
    public long outputBytes(String jobId, int level, long from, long to) {
        return query("measure outputs of " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(length(output)), 0) from task_results"
                    + " where job_id = ? and level = ? and idx >= ? and idx < ?")) {
                ps.setString(1, jobId);
                ps.setInt(2, level);
                ps.setLong(3, from);
                ps.setLong(4, to);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public BitSet[] storedNodes(String jobId, TreeShape shape) {
        // In a transaction, which lets PostgreSQL stream the rows with a cursor.
        return transaction("read stored nodes of " + jobId, false, c -> {
            BitSet[] sets = new BitSet[shape.levels()];
            for (int i = 0; i < sets.length; i++) {
                sets[i] = new BitSet();
            }
            try (PreparedStatement ps = c.prepareStatement("select level, idx from task_results where job_id = ?")) {
                ps.setFetchSize(10_000);
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int level = rs.getInt(1);
                        long index = rs.getLong(2);
                        if (level < sets.length && index < shape.size(level)) {
                            sets[level].set((int) index);
                        }
                    }
                }
            }
            return sets;
        });
    }

    @Override
    public boolean finish(String jobId, JobStatus status, Optional<String> error, long finishedAt) {
        if (!status.isFinal()) {
            throw new IllegalArgumentException("not a final status: " + status);
        }
        return inTransaction("finish job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("update jobs set status = ?, error = ?, finished_at = ?"
                    + " where id = ? and status in ('preparing', 'running')")) {
                ps.setString(1, status.wireName());
                setNullableString(ps, 2, error);
                ps.setLong(3, finishedAt);
                ps.setString(4, jobId);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void putCode(StoredCode code) {
        inTransaction("store code " + code.hash(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into code (hash, language, source, created_at) values (?,?,?,?) on conflict do nothing")) {
                ps.setString(1, code.hash());
                ps.setString(2, code.language());
                ps.setString(3, code.source());
                ps.setLong(4, code.createdAt());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<StoredCode> code(String hash) {
        return query("read code " + hash, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select hash, language, source, created_at from code where hash = ?")) {
                ps.setString(1, hash);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(
                                    new StoredCode(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)))
                            : Optional.<StoredCode>empty();
                }
            }
        });
    }

    @Override
    public void putFunction(StoredFunction f) {
        inTransaction("store function " + f.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into functions (name, runtime, version, pure, timeout_ms, created_at) values (?,?,?,?,?,?)"
                            + " on conflict (name) do update set runtime = excluded.runtime,"
                            + " version = excluded.version, pure = excluded.pure, timeout_ms = excluded.timeout_ms")) {
                ps.setString(1, f.name());
                ps.setString(2, f.runtime());
                ps.setString(3, f.version());
                ps.setInt(4, f.pure() ? 1 : 0);
                ps.setLong(5, f.timeoutMillis());
                ps.setLong(6, f.createdAt());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<StoredFunction> functions() {
        return query("read functions", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                            "select name, runtime, version, pure, timeout_ms, created_at from functions order by name");
                    ResultSet rs = ps.executeQuery()) {
                List<StoredFunction> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new StoredFunction(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getInt(4) != 0,
                            rs.getLong(5),
                            rs.getLong(6)));
                }
                return out;
            }
        });
    }

    @Override
    public void updateCache(
            List<CacheEntry> puts, java.util.Collection<String> deletes, java.util.Map<String, Long> touches) {
        if (puts.isEmpty() && deletes.isEmpty() && touches.isEmpty()) {
            return;
        }
        inTransaction("update the call cache", c -> {
            if (!deletes.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("delete from call_cache where cache_key = ?")) {
                    for (String key : deletes) {
                        ps.setString(1, key);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            if (!puts.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into call_cache (cache_key, function_name, version, result, last_used) values (?,?,?,?,?)"
                                + " on conflict (cache_key) do update set result = excluded.result,"
                                + " last_used = excluded.last_used")) {
                    for (CacheEntry e : puts) {
                        ps.setString(1, e.key());
                        ps.setString(2, e.function());
                        ps.setString(3, e.version());
                        ps.setBytes(4, e.result());
                        ps.setLong(5, e.lastUsed());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            if (!touches.isEmpty()) {
                try (PreparedStatement ps =
                        c.prepareStatement("update call_cache set last_used = ? where cache_key = ?")) {
                    for (java.util.Map.Entry<String, Long> t : touches.entrySet()) {
                        ps.setLong(1, t.getValue());
                        ps.setString(2, t.getKey());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return null;
        });
    }

    @Override
    public List<CacheEntry> cacheEntries() {
        return query("read the call cache", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                            "select cache_key, function_name, version, result, last_used from call_cache"
                                    + " order by last_used, cache_key");
                    ResultSet rs = ps.executeQuery()) {
                List<CacheEntry> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new CacheEntry(
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getLong(5)));
                }
                return out;
            }
        });
    }

    @Override
    public long clearCache(String function) {
        return inTransaction("clear the cache of " + function, c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from call_cache where function_name = ?")) {
                ps.setString(1, function);
                return (long) ps.executeUpdate();
            }
        });
    }

    @Override
    public void fingerprint(String jobId, String fingerprint) {
        inTransaction("set the fingerprint of " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("update jobs set fingerprint = ? where id = ?")) {
                ps.setString(1, fingerprint);
                ps.setString(2, jobId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<String> jobWithFingerprint(String fingerprint, String exceptJob) {
        return query("find a job by fingerprint", c -> {
            try (PreparedStatement ps = c.prepareStatement("select j.id from jobs j where j.fingerprint = ?"
                    + " and j.id <> ? and exists (select 1 from task_results r where r.job_id = j.id)"
                    + " order by j.created_at desc, j.id desc limit 1")) {
                ps.setString(1, fingerprint);
                ps.setString(2, exceptJob);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    @Override
    public void forgetFingerprints(String function) {
        inTransaction("forget fingerprints of " + function, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("update jobs set fingerprint = null where function_name = ?")) {
                ps.setString(1, function);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public long copyResults(String fromJob, String toJob) {
        return inTransaction("copy the outputs of " + fromJob + " to " + toJob, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("insert into task_results (job_id, level, idx, attempt, output)"
                            + " select ?, level, idx, attempt, output from task_results where job_id = ?"
                            + " on conflict do nothing")) {
                ps.setString(1, toJob);
                ps.setString(2, fromJob);
                return (long) ps.executeUpdate();
            }
        });
    }

    @Override
    public long deleteEventsFinishedBefore(long finishedBefore) {
        return transaction("delete old events", true, c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from job_events where job_id in"
                    + " (select id from jobs where finished_at is not null and finished_at < ?)")) {
                ps.setLong(1, finishedBefore);
                return (long) ps.executeUpdate();
            }
        });
    }

    @Override
    public void deleteJob(String jobId) {
        inTransaction("delete job " + jobId, c -> {
            for (String sql : List.of(
                    "delete from task_results where job_id = ?",
                    "delete from job_inputs where job_id = ?",
                    "delete from job_events where job_id = ?",
                    "delete from task_failures where job_id = ?",
                    "delete from jobs where id = ?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, jobId);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public void close() {
        close.run();
    }

    // ------------------------------------------------------------------------------- access

    private static final String TOKEN_COLUMNS = "id, hash, user_name, role, tenant, created_at, expires_at, revoked_at";

    @Override
    public void putToken(StoredToken t) {
        inTransaction("store token " + t.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into api_tokens (" + TOKEN_COLUMNS
                    + ") values (?,?,?,?,?,?,?,?) on conflict (id) do nothing")) {
                ps.setString(1, t.id());
                ps.setString(2, t.hash());
                ps.setString(3, t.user());
                ps.setString(4, t.role());
                ps.setString(5, t.tenant());
                ps.setLong(6, t.createdAt());
                setNullableLong(ps, 7, t.expiresAt());
                setNullableLong(ps, 8, t.revokedAt());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<StoredToken> tokenByHash(String hash) {
        return query("read token", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select " + TOKEN_COLUMNS + " from api_tokens where hash = ?")) {
                ps.setString(1, hash);
                List<StoredToken> found = readTokens(ps);
                return found.isEmpty() ? Optional.<StoredToken>empty() : Optional.of(found.get(0));
            }
        });
    }

    @Override
    public List<StoredToken> tokens() {
        return query("list tokens", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select " + TOKEN_COLUMNS + " from api_tokens order by created_at, id")) {
                return readTokens(ps);
            }
        });
    }

    private static List<StoredToken> readTokens(PreparedStatement ps) throws SQLException {
        List<StoredToken> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long expires = rs.getLong(7);
                Optional<Long> expiresAt = rs.wasNull() ? Optional.empty() : Optional.of(expires);
                long revoked = rs.getLong(8);
                Optional<Long> revokedAt = rs.wasNull() ? Optional.empty() : Optional.of(revoked);
                out.add(new StoredToken(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getLong(6),
                        expiresAt,
                        revokedAt));
            }
        }
        return out;
    }

    @Override
    public boolean revokeToken(String id, long at) {
        return inTransaction("revoke token " + id, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("update api_tokens set revoked_at = ? where id = ? and revoked_at is null")) {
                ps.setLong(1, at);
                ps.setString(2, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void putOwner(String kind, String id, Owner owner) {
        inTransaction("store owner of " + kind + " " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into owners (kind, id, tenant, creator) values (?,?,?,?) on conflict (kind, id) do nothing")) {
                ps.setString(1, kind);
                ps.setString(2, id);
                ps.setString(3, owner.tenant());
                ps.setString(4, owner.creator());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<Owner> owner(String kind, String id) {
        return query("read owner of " + kind + " " + id, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select tenant, creator from owners where kind = ? and id = ?")) {
                ps.setString(1, kind);
                ps.setString(2, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new Owner(rs.getString(1), rs.getString(2)))
                            : Optional.<Owner>empty();
                }
            }
        });
    }

    @Override
    public List<String> owned(String kind, String tenant) {
        return query("list owned " + kind, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select id from owners where kind = ? and tenant = ? order by id")) {
                ps.setString(1, kind);
                ps.setString(2, tenant);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    private static final String OWNED_JOBS =
            " from jobs where id in (select id from owners where kind = 'job' and tenant = ?)";

    @Override
    public List<StoredJob> jobsOf(String tenant, int offset, int limit) {
        return query("list jobs of a tenant", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select " + JOB_COLUMNS + OWNED_JOBS + " order by created_at desc, id desc limit ? offset ?")) {
                ps.setString(1, tenant);
                ps.setInt(2, limit);
                ps.setInt(3, offset);
                return readJobs(ps);
            }
        });
    }

    @Override
    public long jobCountOf(String tenant) {
        return query("count jobs of a tenant", c -> {
            try (PreparedStatement ps = c.prepareStatement("select count(*)" + OWNED_JOBS)) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public long liveJobCountOf(String tenant) {
        return query("count live jobs of a tenant", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select count(*)" + OWNED_JOBS + " and status in ('preparing', 'running')")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** The ids of a tenant's jobs and of its data jobs' phase jobs (DataJobs names them id-map, id-reduce). */
    private static final String TENANT_JOB_IDS = "(select id from owners where kind = 'job' and tenant = ?"
            + " union select id || '-map' from owners where kind = 'data_job' and tenant = ?"
            + " union select id || '-reduce' from owners where kind = 'data_job' and tenant = ?)";

    @Override
    public long storedBytesOf(String tenant) {
        return query("count the bytes a tenant keeps", c -> {
            try (PreparedStatement ps = c.prepareStatement("select"
                    + " (select coalesce(sum(length(output)), 0) from task_results where job_id in " + TENANT_JOB_IDS
                    + ") + (select coalesce(sum(length(event)), 0) from job_events where job_id in " + TENANT_JOB_IDS
                    + ") + (select coalesce(sum(length(result)), 0) from jobs where id in " + TENANT_JOB_IDS + ")")) {
                for (int i = 1; i <= 9; i++) {
                    ps.setString(i, tenant);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public void audit(AuditEntry e) {
        inTransaction("append to the audit log", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into audit_log (id, at, actor, action, target, outcome, remote) values (?,?,?,?,?,?,?)")) {
                ps.setString(1, e.id());
                ps.setLong(2, e.at());
                ps.setString(3, e.actor());
                ps.setString(4, e.action());
                ps.setString(5, e.target());
                ps.setString(6, e.outcome());
                ps.setString(7, e.remote());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<AuditEntry> auditLog(int limit) {
        return query("read the audit log", c -> {
            try (PreparedStatement ps = c.prepareStatement("select id, at, actor, action, target, outcome, remote"
                    + " from audit_log order by at desc, id desc limit ?")) {
                ps.setInt(1, limit);
                List<AuditEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditEntry(
                                rs.getString(1),
                                rs.getLong(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getString(6),
                                rs.getString(7)));
                    }
                }
                return out;
            }
        });
    }

    private static void setNullableLong(PreparedStatement ps, int index, Optional<Long> value) throws SQLException {
        if (value.isPresent()) {
            ps.setLong(index, value.get());
        } else {
            ps.setNull(index, Types.BIGINT);
        }
    }

    private static void setNullableString(PreparedStatement ps, int index, Optional<String> value) throws SQLException {
        if (value.isPresent()) {
            ps.setString(index, value.get());
        } else {
            ps.setNull(index, Types.VARCHAR);
        }
    }

    private static List<StoredJob> readJobs(PreparedStatement ps) throws SQLException {
        List<StoredJob> jobs = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                jobs.add(readJob(rs));
            }
        }
        return jobs;
    }

    private static List<byte[]> readBytes(PreparedStatement ps) throws SQLException {
        List<byte[]> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getBytes(1));
            }
        }
        return rows;
    }

    private static StoredJob readJob(ResultSet rs) throws SQLException {
        long finishedAt = rs.getLong(10);
        Optional<Long> finished = rs.wasNull() ? Optional.empty() : Optional.of(finishedAt);
        byte[] result = rs.getBytes(8);
        return new StoredJob(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getLong(5),
                JobStatus.fromWire(rs.getString(6)),
                Optional.ofNullable(rs.getString(7)),
                Optional.ofNullable(result),
                rs.getLong(9),
                finished);
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    @Override
    public void putDataset(StoredDoc dataset) {
        putDoc("datasets", dataset);
    }

    @Override
    public Optional<StoredDoc> dataset(String id) {
        return doc("datasets", id);
    }

    @Override
    public List<StoredDoc> datasets() {
        return docs("datasets", Optional.empty());
    }

    @Override
    public boolean deleteDataset(String id) {
        return inTransaction("delete dataset " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from datasets where id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void putDataJob(StoredDoc job) {
        putDoc("data_jobs", job);
    }

    @Override
    public Optional<StoredDoc> dataJob(String id) {
        return doc("data_jobs", id);
    }

    @Override
    public List<StoredDoc> dataJobs(Optional<String> status) {
        return docs("data_jobs", status);
    }

    /** Upserts a row of a documents table ({@code datasets} or {@code data_jobs}, never user text). */
    private void putDoc(String table, StoredDoc d) {
        inTransaction("store " + table + " " + d.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into " + table
                    + " (id, kind, status, created_at, doc) values (?,?,?,?,?) on conflict (id) do update set"
                    + " kind = excluded.kind, status = excluded.status, doc = excluded.doc")) {
                ps.setString(1, d.id());
                ps.setString(2, d.kind());
                ps.setString(3, d.status());
                ps.setLong(4, d.createdAt());
                ps.setString(5, d.doc());
                ps.executeUpdate();
            }
            return null;
        });
    }

    private Optional<StoredDoc> doc(String table, String id) {
        return query("read " + table + " " + id, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select id, kind, status, created_at, doc from " + table + " where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(storedDoc(rs)) : Optional.<StoredDoc>empty();
                }
            }
        });
    }

    private List<StoredDoc> docs(String table, Optional<String> status) {
        return query("read " + table, c -> {
            String sql = "select id, kind, status, created_at, doc from " + table
                    + (status.isPresent() ? " where status = ?" : "") + " order by created_at desc, id desc";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (status.isPresent()) {
                    ps.setString(1, status.get());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<StoredDoc> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(storedDoc(rs));
                    }
                    return out;
                }
            }
        });
    }

    private static StoredDoc storedDoc(ResultSet rs) throws SQLException {
        return new StoredDoc(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5));
    }

    /*
     * Failure handling, the same for every method. The first failure is the one reported: a failure
     * while cleaning up (rollback, restoring auto-commit, closing) is added to it as suppressed and
     * never replaces it (on SQLite a full disk rolls the transaction back by itself, and every
     * cleanup step then fails with "no transaction is active"). A connection whose state is unknown
     * after a failure (cleanup failed, the commit failed, the connection was lost) is evicted from the
     * pool rather than handed to the next caller. Each StoreException is classified (see SqlErrors):
     * a failure of COMMIT itself leaves the outcome unknown (AMBIGUOUS).
     */

    private <T> T query(String what, SqlWork<T> work) {
        Connection c = connect(what);
        Throwable failure = null;
        try {
            return work.run(c);
        } catch (SQLException e) {
            failure = failure(what, e, SqlErrors.classify(e));
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            release(c, failure, failure != null && SqlErrors.isConnectionLost(failure));
        }
        throw (RuntimeException) failure;
    }

    private <T> T inTransaction(String what, SqlWork<T> work) {
        return transaction(what, true, work);
    }

    /**
     * Runs {@code work} in one transaction and commits it. For a transaction that {@code writes}, a
     * failure of the commit is AMBIGUOUS; for a read it is classified like any other failure.
     */
    private <T> T transaction(String what, boolean writes, SqlWork<T> work) {
        Connection c = connect(what);
        RuntimeException failure = null;
        boolean discard = false;
        try {
            c.setAutoCommit(false);
        } catch (SQLException e) {
            failure = failure(what, e, SqlErrors.classify(e));
            release(c, failure, true);
            throw failure;
        }
        T value = null;
        try {
            value = work.run(c);
        } catch (SQLException e) {
            failure = failure(what, e, SqlErrors.classify(e));
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure == null) {
            try {
                c.commit();
            } catch (SQLException e) {
                Kind kind = writes ? SqlErrors.classifyCommit(e) : SqlErrors.classify(e);
                String outcome = kind == Kind.AMBIGUOUS ? " (the commit failed; it may or may not have landed)" : "";
                failure = failure(what + outcome, e, kind);
                discard = true;
            }
        }
        if (failure != null) {
            try {
                c.rollback();
            } catch (SQLException | RuntimeException rollback) {
                failure.addSuppressed(rollback);
                discard = true;
            }
        }
        try {
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException restore) {
            discard = true;
            if (failure != null) {
                failure.addSuppressed(restore);
            } else {
                log.debug("Cannot restore auto-commit after {}; discarding the connection", what, restore);
            }
        }
        release(c, failure, discard || (failure != null && SqlErrors.isConnectionLost(failure)));
        if (failure != null) {
            throw failure;
        }
        return value;
    }

    private Connection connect(String what) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw failure(what + " (no connection)", e, SqlErrors.classify(e));
        } catch (RuntimeException e) {
            throw new StoreException("cannot " + what + " (no connection): " + e.getMessage(), e);
        }
    }

    /** Returns a connection to the pool, or evicts it if {@code discard}; never throws. */
    private void release(Connection c, Throwable failure, boolean discard) {
        try {
            if (discard) {
                evict.accept(c);
            } else {
                c.close();
            }
        } catch (SQLException | RuntimeException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            } else {
                log.debug("Cannot release a connection", e);
            }
        }
    }

    private static StoreException failure(String what, SQLException e, Kind kind) {
        return new StoreException("cannot " + what + ": " + e.getMessage() + SqlErrors.describe(e), e, kind);
    }
}
