package io.partita.membership;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The few places where PostgreSQL and SQLite differ: locking and the database clock. */
enum Dialect {
    /** PostgreSQL: row lock on the group row, clock_timestamp(). */
    POSTGRESQL("(extract(epoch from clock_timestamp()) * 1000)::bigint", " FOR UPDATE"),
    /** SQLite: BEGIN IMMEDIATE takes the database's write lock, julianday('now'). */
    SQLITE("CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)", "");

    /** Advisory lock key for migrations on PostgreSQL ("partita-membership"). */
    static final long MIGRATION_LOCK_KEY = 0x7061727469746131L;

    final String nowMillis;
    final String forUpdate;

    Dialect(String nowMillis, String forUpdate) {
        this.nowMillis = nowMillis;
        this.forUpdate = forUpdate;
    }

    static Dialect of(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName();
        if (product != null && product.toLowerCase(java.util.Locale.ROOT).contains("postgres")) {
            return POSTGRESQL;
        }
        if (product != null && product.toLowerCase(java.util.Locale.ROOT).contains("sqlite")) {
            return SQLITE;
        }
        throw new MembershipException("database must be PostgreSQL or SQLite, was " + product);
    }

    /** Prepares a freshly obtained connection. */
    void configure(Connection c, long leaseMillis) throws SQLException {
        switch (this) {
            case POSTGRESQL -> {
                c.setAutoCommit(false);
                c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, leaseMillis));
            }
            case SQLITE -> {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout = " + Math.min(Integer.MAX_VALUE, leaseMillis));
                    s.execute("PRAGMA synchronous = NORMAL");
                }
            }
        }
    }

    /** Starts a transaction that will take the group's lock. */
    void begin(Connection c) throws SQLException {
        if (this == SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
        }
    }

    void commit(Connection c) throws SQLException {
        if (this == SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
            }
        } else {
            c.commit();
        }
    }

    void rollbackQuietly(Connection c) {
        try {
            if (this == SQLITE) {
                if (!c.getAutoCommit()) {
                    c.rollback();
                } else {
                    try (Statement s = c.createStatement()) {
                        s.execute("ROLLBACK");
                    }
                }
            } else {
                c.rollback();
            }
        } catch (SQLException | RuntimeException ignored) {
            // no transaction open, or the connection is broken; it is discarded either way
        }
    }
}
