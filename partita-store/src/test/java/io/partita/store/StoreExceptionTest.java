package io.partita.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.store.StoreException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

class StoreExceptionTest {

    @ParameterizedTest(name = "SQL state {0} is {1}")
    @CsvSource({
        "08000, TRANSIENT", // connection exception
        "08001, TRANSIENT", // cannot connect
        "08003, TRANSIENT", // connection does not exist
        "08006, TRANSIENT", // connection failure
        "57P01, TRANSIENT", // admin shutdown (pg_terminate_backend)
        "57P02, TRANSIENT", // crash shutdown
        "57P03, TRANSIENT", // cannot connect now (starting up)
        "57014, TRANSIENT", // query cancelled
        "53000, TRANSIENT", // insufficient resources
        "53100, TRANSIENT", // disk full
        "53200, TRANSIENT", // out of memory
        "53300, TRANSIENT", // too many connections
        "40001, TRANSIENT", // serialization failure
        "40P01, TRANSIENT", // deadlock
        "55P03, TRANSIENT", // lock not available
        "58030, TRANSIENT", // I/O error
        "23505, PERMANENT", // unique violation
        "23503, PERMANENT", // foreign key violation
        "42601, PERMANENT", // syntax error
        "42P01, PERMANENT", // undefined table
        "22001, PERMANENT", // string too long
        "28P01, PERMANENT", // bad password
        "XX000, PERMANENT", // internal error
    })
    void classify_bySqlState(String state, Kind expected) {
        StoreException e = new StoreException("cannot x", new SQLException("boom", state));
        assertThat(e.kind()).isEqualTo(expected);
        assertThat(e.sqlState()).contains(state);
        assertThat(e.isStoreFailure()).isEqualTo(expected != Kind.PERMANENT);
        assertThat(e.isTransient()).isEqualTo(expected == Kind.TRANSIENT);
        assertThat(e.isAmbiguous()).isFalse();
    }

    @ParameterizedTest(name = "SQLite {0} is {1}")
    @CsvSource({
        "SQLITE_BUSY, TRANSIENT",
        "SQLITE_BUSY_SNAPSHOT, TRANSIENT",
        "SQLITE_LOCKED, TRANSIENT",
        "SQLITE_NOMEM, TRANSIENT",
        "SQLITE_IOERR, TRANSIENT",
        "SQLITE_IOERR_WRITE, TRANSIENT",
        "SQLITE_IOERR_FSYNC, TRANSIENT",
        "SQLITE_FULL, TRANSIENT",
        "SQLITE_CONSTRAINT, PERMANENT",
        "SQLITE_CONSTRAINT_PRIMARYKEY, PERMANENT",
        "SQLITE_ERROR, PERMANENT",
        "SQLITE_CORRUPT, PERMANENT",
    })
    void classify_bySqliteResultCode(SQLiteErrorCode code, Kind expected) {
        StoreException e = new StoreException("cannot x", new SQLiteException("boom", code));
        assertThat(e.kind()).isEqualTo(expected);
        assertThat(e.vendorCode()).isEqualTo(code.code & 0xff);
    }

    @Test
    void classify_hikariConnectionTimeout_isTransient() {
        SQLException timeout = new SQLTransientConnectionException(
                "partita-store - Connection is not available, request timed out after 30000ms.");
        assertThat(StoreException.classify(timeout)).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void classify_ioExceptionInTheChain_isTransient() {
        SQLException wrapped = new SQLException("I/O error", null, new ConnectException("refused"));
        assertThat(StoreException.classify(new RuntimeException("pool init", wrapped)))
                .isEqualTo(Kind.TRANSIENT);
        assertThat(StoreException.classify(new IOException("reset"))).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void classify_batchWithNextException_looksAtTheNextException() {
        BatchUpdateException batch = new BatchUpdateException("batch entry 0 failed", null, 0, new int[0]);
        batch.setNextException(new SQLException("terminating connection", "57P01"));
        assertThat(StoreException.classify(batch)).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void classify_nestedStoreException_keepsItsKind() {
        StoreException inner = new StoreException("cannot commit", new SQLException("x", "08006"), Kind.AMBIGUOUS);
        StoreException outer = new StoreException("cannot start", inner);
        assertThat(outer.kind()).isEqualTo(Kind.AMBIGUOUS);
        assertThat(outer.sqlState()).contains("08006");
    }

    @Test
    void classify_nothingKnown_isPermanent() {
        assertThat(new StoreException("bad").kind()).isEqualTo(Kind.PERMANENT);
        assertThat(StoreException.classify(null)).isEqualTo(Kind.PERMANENT);
        assertThat(StoreException.classify(new IllegalStateException("x"))).isEqualTo(Kind.PERMANENT);
    }

    @Test
    void classifyCommit_unknownOutcomeUnlessRolledBack() {
        assertThat(SqlErrors.classifyCommit(new SQLException("gone", "08006"))).isEqualTo(Kind.AMBIGUOUS);
        assertThat(SqlErrors.classifyCommit(new SQLException("killed", "57P01")))
                .isEqualTo(Kind.AMBIGUOUS);
        assertThat(SqlErrors.classifyCommit(new SQLException("odd", (String) null)))
                .isEqualTo(Kind.AMBIGUOUS);
        assertThat(SqlErrors.classifyCommit(new SQLException("serialization", "40001")))
                .isEqualTo(Kind.TRANSIENT);
        assertThat(SqlErrors.classifyCommit(new SQLException("deferred fk", "23503")))
                .isEqualTo(Kind.PERMANENT);
    }

    @Test
    void publicMessage_dropsTheStatementAndItsValues() {
        StoreException e = new StoreException(
                "cannot commit 3 results and 0 events: Batch entry 0 insert into task_results (job_id, output)"
                        + " values (('j1'),'\\x7b22736563726574227d'::bytea) was aborted: FATAL: terminating"
                        + " connection due to administrator command  Call getNextException to see other errors in"
                        + " the batch. [SQL state 57P01]",
                null,
                StoreException.Kind.TRANSIENT);
        assertThat(e.publicMessage())
                .isEqualTo("cannot commit 3 results and 0 events: batch entry 0 was aborted: FATAL: terminating"
                        + " connection due to administrator command [SQL state 57P01]")
                .doesNotContain("insert", "x7b");
        assertThat(new StoreException(
                                "cannot read job j: database or disk is full", null, StoreException.Kind.TRANSIENT)
                        .publicMessage())
                .isEqualTo("cannot read job j: database or disk is full");
    }
}
