package io.partita.store;

import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;

/**
 * A failure of the store: the database could not be reached, or a statement failed. Each exception
 * says whose failure it is through {@link #kind()}: a {@link Kind#TRANSIENT} or {@link
 * Kind#AMBIGUOUS} failure is the store's (retry it, never charge it to a task), a {@link
 * Kind#PERMANENT} one is not cured by retrying. The message names the operation and ends with the
 * database's SQL state and vendor error code when there is one.
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whose failure this is and whether it is worth retrying. */
    public enum Kind {
        /**
         * The store is unavailable for now (connection lost, database restarting or failing over,
         * out of resources or disk space, lock conflict, pool timeout); nothing was changed, and the
         * same operation may succeed later.
         */
        TRANSIENT,
        /**
         * The store failed while or after committing, so the transaction may or may not have been
         * made durable. The caller must find out (read back what it wrote) or retry an idempotent
         * write; it must neither assume failure nor assume success.
         */
        AMBIGUOUS,
        /**
         * The operation is wrong for the data or the schema (constraint violation, bad SQL, an
         * unsupported database); retrying it gives the same failure.
         */
        PERMANENT
    }

    private final Kind kind;
    private final String sqlState;
    private final int vendorCode;

    /**
     * Creates an exception naming the operation that failed, classified from its cause: the kind of
     * a {@link StoreException} cause, or the SQL state and vendor code of the first {@link
     * SQLException} in the cause chain (see {@link #classify(Throwable)}).
     */
    public StoreException(String message, Throwable cause) {
        this(message, cause, classify(cause));
    }

    /** Creates a permanent exception naming what is wrong. */
    public StoreException(String message) {
        super(message);
        this.kind = Kind.PERMANENT;
        this.sqlState = null;
        this.vendorCode = 0;
    }

    /**
     * Creates an exception of a given kind naming the operation that failed, with its cause.
     *
     * @param message what failed; the SQL state and vendor code of the cause are not added
     * @param cause the underlying failure, or null
     * @param kind whose failure it is
     */
    public StoreException(String message, Throwable cause, Kind kind) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        SQLException sql = firstSqlException(cause);
        this.sqlState = sql == null ? null : sql.getSQLState();
        this.vendorCode = sql == null ? 0 : sql.getErrorCode();
    }

    /**
     * The message without statement text: drivers quote the failed statement (with its values, which
     * may be users' data) in batch errors; this form is what may be shown outside the logs, e.g. in
     * {@code /api/health} or a 503's body.
     */
    public String publicMessage() {
        String m = getMessage() == null ? "" : getMessage();
        m = BATCH_STATEMENT.matcher(m).replaceAll("batch entry $1 was aborted: ");
        return m.replace("  Call getNextException to see other errors in the batch.", "");
    }

    private static final java.util.regex.Pattern BATCH_STATEMENT =
            java.util.regex.Pattern.compile("Batch entry (\\d+) .*? was aborted: ", java.util.regex.Pattern.DOTALL);

    /**
     * Whose failure this is.
     *
     * @return the kind, never null
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Whether this is the store's failure rather than the caller's: {@link Kind#TRANSIENT} or {@link
     * Kind#AMBIGUOUS}. Such a failure must never count against a task's attempts.
     *
     * @return true unless the kind is {@link Kind#PERMANENT}
     */
    public boolean isStoreFailure() {
        return kind != Kind.PERMANENT;
    }

    /**
     * Whether the failed operation changed nothing and may succeed if repeated later.
     *
     * @return true if the kind is {@link Kind#TRANSIENT}
     */
    public boolean isTransient() {
        return kind == Kind.TRANSIENT;
    }

    /**
     * Whether a commit's outcome is unknown: the transaction may or may not be durable.
     *
     * @return true if the kind is {@link Kind#AMBIGUOUS}
     */
    public boolean isAmbiguous() {
        return kind == Kind.AMBIGUOUS;
    }

    /**
     * The SQL state of the first {@link SQLException} in the cause chain, for example {@code 57P01}.
     *
     * @return the SQL state, empty if there is none
     */
    public Optional<String> sqlState() {
        return Optional.ofNullable(sqlState);
    }

    /**
     * The vendor error code of the first {@link SQLException} in the cause chain (for SQLite the
     * result code, for example 13 for SQLITE_FULL; 0 for PostgreSQL, which reports only SQL states).
     *
     * @return the vendor code, 0 if there is none
     */
    public int vendorCode() {
        return vendorCode;
    }

    /**
     * Classifies a failure seen while talking to the database. Transient: SQL state class {@code 08}
     * (connection), {@code 53} (insufficient resources), {@code 57P01}-{@code 57P03} (shutdown),
     * {@code 57014} (cancelled), {@code 40001}/{@code 40P01} (serialization failure, deadlock),
     * {@code 55P03} (lock not available), {@code 58000}/{@code 58030} (system, I/O); SQLite BUSY,
     * LOCKED, NOMEM, IOERR, FULL and PROTOCOL; {@link java.sql.SQLTransientException} and {@link
     * java.sql.SQLRecoverableException} (HikariCP's connection timeout); an {@link java.io.IOException}
     * in the chain; the kind of a {@link StoreException} in the chain. Everything else is permanent.
     *
     * @param failure the failure, or null (permanent)
     * @return the kind, never {@link Kind#AMBIGUOUS} (only the commit path knows that)
     */
    public static Kind classify(Throwable failure) {
        return SqlErrors.classify(failure);
    }

    private static SQLException firstSqlException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof StoreException s && s.sqlState != null) {
                return new SQLException(null, s.sqlState, s.vendorCode);
            }
            if (c instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }
}
