package io.partita.store;

import io.partita.store.StoreException.Kind;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tells the store's failures from the caller's, by SQL state (PostgreSQL), result code (SQLite) and
 * exception type (JDBC, HikariCP).
 *
 * <p>Transient, the store's: SQL state class {@code 08} (connection exception), {@code 53}
 * (insufficient resources: disk full, out of memory, too many connections), {@code 57P01}/{@code
 * 57P02}/{@code 57P03} (administrator, crash or start-up shutdown), {@code 57014} (query cancelled,
 * as by a statement timeout), {@code 40001}/{@code 40P01} (serialization failure, deadlock), {@code
 * 55P03} (lock not available), {@code 58000}/{@code 58030} (system and I/O errors); SQLite
 * SQLITE_BUSY (5), SQLITE_LOCKED (6), SQLITE_NOMEM (7), SQLITE_IOERR (10), SQLITE_FULL (13) and
 * SQLITE_PROTOCOL (15); {@link SQLTransientException} and {@link SQLRecoverableException} (HikariCP's
 * connection-timeout {@code SQLTransientConnectionException} among them); an {@link IOException}
 * anywhere in the chain (a socket reset, a refused connection). Everything else (constraint
 * violations, bad SQL, authentication failures) is permanent.
 */
final class SqlErrors {
    private SqlErrors() {}

    private static final Set<String> TRANSIENT_STATES =
            Set.of("57P01", "57P02", "57P03", "57014", "40001", "40P01", "55P03", "58000", "58030");
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "53");
    private static final Set<Integer> TRANSIENT_SQLITE_CODES = Set.of(5, 6, 7, 10, 13, 15);

    /** The SQL states after which a transaction is known to have rolled back, even at COMMIT. */
    private static final Set<String> ROLLED_BACK_STATES = Set.of("40001", "40P01");

    /**
     * Classifies a failure: {@link Kind#TRANSIENT} if anything in its cause chain (and the chains of
     * next exceptions of each {@link SQLException}) is a transient signal, the kind of a {@link
     * StoreException} found first, otherwise {@link Kind#PERMANENT}.
     */
    static Kind classify(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof StoreException s) {
                return s.kind();
            }
            if (isTransientSignal(t)) {
                return Kind.TRANSIENT;
            }
        }
        return Kind.PERMANENT;
    }

    /**
     * Classifies a failure of COMMIT (or of a statement run while committing): the outcome is unknown
     * unless the failure says the transaction was rolled back (serialization failure, deadlock) or
     * could never have committed (a permanent error such as a deferred constraint violation).
     */
    static Kind classifyCommit(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                if (ROLLED_BACK_STATES.contains(sql.getSQLState())) {
                    return Kind.TRANSIENT;
                }
                if (sql.getSQLState().startsWith("23")) {
                    return Kind.PERMANENT;
                }
            }
        }
        return Kind.AMBIGUOUS;
    }

    /**
     * Whether the failure says the connection itself is gone or unusable, so it must not return to
     * the pool: SQL state class {@code 08}, {@code 57P01}-{@code 57P03}, or an I/O error.
     */
    static boolean isConnectionLost(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof IOException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57P0")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A suffix naming the SQL state and vendor code of the first {@link SQLException} in the chain,
     * for example {@code " [SQL state 57P01]"} or {@code " [SQLite error 13]"}; empty if none.
     */
    static String describe(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (t instanceof org.sqlite.SQLiteException lite) {
                    return " [SQLite error " + sql.getErrorCode() + " " + lite.getResultCode() + "]";
                }
                if (state != null && sql.getErrorCode() != 0) {
                    return " [SQL state " + state + ", vendor error " + sql.getErrorCode() + "]";
                }
                if (state != null) {
                    return " [SQL state " + state + "]";
                }
                if (sql.getErrorCode() != 0) {
                    return " [vendor error " + sql.getErrorCode() + "]";
                }
            }
        }
        return "";
    }

    private static boolean isTransientSignal(Throwable t) {
        if (t instanceof IOException || t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
            return true;
        }
        if (!(t instanceof SQLException sql)) {
            return false;
        }
        String state = sql.getSQLState();
        if (state != null
                && (TRANSIENT_STATES.contains(state)
                        || (state.length() >= 2 && TRANSIENT_CLASSES.contains(state.substring(0, 2))))) {
            return true;
        }
        return t instanceof org.sqlite.SQLiteException && TRANSIENT_SQLITE_CODES.contains(sql.getErrorCode() & 0xff);
    }

    /** The cause chain, with each SQLException's next exceptions (and their causes), each once. */
    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> out = new ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        collect(failure, out, seen);
        return out;
    }

    private static void collect(Throwable t, List<Throwable> out, Map<Throwable, Boolean> seen) {
        while (t != null && seen.put(t, Boolean.TRUE) == null && out.size() < 100) {
            out.add(t);
            if (t instanceof SQLException sql && sql.getNextException() != null) {
                collect(sql.getNextException(), out, seen);
            }
            t = t.getCause();
        }
    }
}
