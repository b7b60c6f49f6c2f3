package io.partita.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.partita.store.StoreException.Kind;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** How {@link JdbcStore} reports failures: the first one wins, classified, and broken connections go. */
class JdbcStoreFailureTest {
    @TempDir
    Path dir;

    ChaosDataSource chaos;
    Store store;

    @BeforeEach
    void open() {
        String url = "jdbc:sqlite:" + dir.resolve("partita.db");
        Store.open(url).close(); // creates the schema
        chaos = new ChaosDataSource(sqlite(url, 0));
        store = new JdbcStore("sqlite", chaos, chaos::evict, () -> {});
    }

    @AfterEach
    void close() {
        store.close();
    }

    static SQLiteDataSource sqlite(String url, int maxPageCount) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        if (maxPageCount > 0) {
            config.setMaxPageCount(maxPageCount);
        }
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl(url);
        return ds;
    }

    static StoredJob job(String id, int specBytes) {
        return StoredJob.submitted(id, "n", "f", "x".repeat(specBytes), 1, 1);
    }

    @Test
    void inTransaction_cleanupFails_originalErrorWinsAndConnectionIsEvicted() {
        chaos.failNext(
                "prepareStatement", new SQLException("terminating connection due to administrator command", "57P01"));
        chaos.failNext("rollback", new SQLException("cannot rollback - no transaction is active"));
        chaos.failNext("setAutoCommit", ChaosDataSource.PASS); // setAutoCommit(false) runs
        chaos.failNext("setAutoCommit", new SQLException("cannot commit - no transaction is active"));

        StoreException e = catchThrowableOfType(StoreException.class, () -> store.insertJob(job("j1", 10)));

        assertThat(e.getMessage())
                .startsWith("cannot insert job j1: terminating connection due to administrator command")
                .contains("SQL state 57P01")
                .doesNotContain("no transaction is active");
        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(e.sqlState()).contains("57P01");
        assertThat(e.getSuppressed())
                .extracting(Throwable::getMessage)
                .containsExactly(
                        "cannot rollback - no transaction is active", "cannot commit - no transaction is active");
        assertThat(chaos.evictedCount()).isEqualTo(1);
        assertThat(store.job("j1")).isEmpty();
    }

    @Test
    void commit_connectionLostDuringCommit_isAmbiguousAndEvicts() {
        chaos.failNext("commit", new SQLException("An I/O error occurred while sending to the backend.", "08006"));

        StoreException e = catchThrowableOfType(StoreException.class, () -> store.insertJob(job("j1", 10)));

        assertThat(e.kind()).isEqualTo(Kind.AMBIGUOUS);
        assertThat(e.isAmbiguous()).isTrue();
        assertThat(e.isStoreFailure()).isTrue();
        assertThat(e.getMessage()).contains("may or may not have landed").contains("08006");
        assertThat(chaos.evictedCount()).isEqualTo(1);
    }

    @Test
    void commit_everyKindOfCommitSurfacesAmbiguity() {
        List<Runnable> commits = List.of(
                () -> store.commit(List.of(new Completion("j", 0, 0, 1, new byte[] {1}, -1, -1, false)), List.of()),
                () -> store.prepared("j", 2, List.of(new byte[] {1})),
                () -> store.finish("j", JobStatus.FAILED, java.util.Optional.of("x"), 5),
                () -> store.putDataJob(new StoredDoc("d", "k", "s", 1, "{}")),
                () -> store.updateCache(
                        List.of(new CacheEntry("k", "f", "v", new byte[] {1}, 1)), List.of(), java.util.Map.of()),
                () -> store.insertJob(job("j2", 1)));
        for (Runnable commit : commits) {
            chaos.failNext("commit", new SQLException("connection reset", "08006"));
            assertThatThrownBy(commit::run)
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.AMBIGUOUS));
        }
    }

    @Test
    void commit_serializationFailure_isTransientNotAmbiguous() {
        chaos.failNext("commit", new SQLException("could not serialize access", "40001"));

        StoreException e = catchThrowableOfType(StoreException.class, () -> store.insertJob(job("j1", 10)));

        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void query_poolTimeout_isTransient() {
        chaos.failConnect(new SQLTransientConnectionException("Connection is not available, request timed out"));

        StoreException e = catchThrowableOfType(StoreException.class, () -> store.cacheEntries());

        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(e.getMessage()).startsWith("cannot read the call cache (no connection)");
    }

    @Test
    void query_connectionLost_isTransientAndEvicts() {
        chaos.failNext("prepareStatement", new SQLException("This connection has been closed.", "08003"));

        StoreException e = catchThrowableOfType(StoreException.class, () -> store.outputs("j", 0, 0, 10));

        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(e.getMessage()).startsWith("cannot read outputs of j: This connection has been closed.");
        assertThat(chaos.evictedCount()).isEqualTo(1);
    }

    @Test
    void insertJob_duplicate_isPermanentWithTheSqliteCode() {
        store.insertJob(job("j1", 10));

        StoreException e = catchThrowableOfType(StoreException.class, () -> store.insertJob(job("j1", 10)));

        assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(e.vendorCode()).isEqualTo(19); // SQLITE_CONSTRAINT
        assertThat(e.getMessage()).contains("SQLite error 19");
        assertThat(chaos.evictedCount()).isZero();
    }

    @Test
    void fullDatabase_reportsDiskFull_notNoTransactionIsActive() {
        // A database that may not grow past its page limit fails exactly as a full disk does:
        // SQLITE_FULL, after which SQLite has rolled the transaction back by itself.
        String url = "jdbc:sqlite:" + dir.resolve("full.db");
        Store.open(url).close();
        ChaosDataSource small = new ChaosDataSource(sqlite(url, 64));
        try (Store full = new JdbcStore("sqlite", small, small::evict, () -> {})) {
            StoreException e = null;
            for (int i = 0; i < 100 && e == null; i++) {
                try {
                    full.insertJob(job("j" + i, 20_000));
                } catch (StoreException thrown) {
                    e = thrown;
                }
            }
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("full").doesNotContain("no transaction is active");
            assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
            assertThat(e.vendorCode()).isEqualTo(13); // SQLITE_FULL
            assertThat(full.jobCount()).isPositive(); // still readable
        }
    }

    @Test
    void open_nothingListening_isTransient() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        StoreException e = catchThrowableOfType(
                StoreException.class,
                () -> Store.open("jdbc:postgresql://127.0.0.1:" + port + "/test?user=postgres&connectTimeout=2"));
        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(e.getMessage()).startsWith("cannot open the store at").contains("SQL state 08");
    }
}
