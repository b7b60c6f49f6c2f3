package io.partita.membership;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The library's tiny versioned migration. Versions are applied in order, once, under a lock
 * (PostgreSQL advisory transaction lock, SQLite {@code BEGIN IMMEDIATE}), and recorded in {@code
 * partita_membership_version}. Add a version by appending to {@link #MIGRATIONS}; never edit an
 * applied one. The DDL sticks to types both databases share.
 */
final class Schema {

    private Schema() {}

    static final String VERSION_TABLE = "partita_membership_version";
    static final String GROUP_TABLE = "partita_membership_group";
    static final String MEMBER_TABLE = "partita_membership_member";

    /** MIGRATIONS.get(i) brings the schema from version i to version i + 1. */
    static final List<List<String>> MIGRATIONS = List.of(List.of(
            "CREATE TABLE "
                    + GROUP_TABLE
                    + " (group_id TEXT NOT NULL PRIMARY KEY, epoch BIGINT NOT NULL,"
                    + " size INTEGER NOT NULL)",
            "CREATE TABLE "
                    + MEMBER_TABLE
                    + " (group_id TEXT NOT NULL, member_id TEXT NOT NULL,"
                    + " assigned_rank INTEGER NOT NULL, held_rank INTEGER NOT NULL,"
                    + " acked_epoch BIGINT NOT NULL, expires_at_ms BIGINT NOT NULL,"
                    + " joined_at_ms BIGINT NOT NULL, label TEXT NOT NULL,"
                    + " PRIMARY KEY (group_id, member_id))"));

    /** The schema version this code needs. */
    static int latestVersion() {
        return MIGRATIONS.size();
    }

    /**
     * Brings the schema up to date; returns the version found before.
     *
     * @throws MembershipException if the database has a newer schema than this code knows
     */
    static int migrate(Connection c, Dialect dialect) throws SQLException {
        if (dialect == Dialect.SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
            }
        }
        dialect.begin(c);
        try {
            if (dialect == Dialect.POSTGRESQL) {
                try (PreparedStatement p = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    p.setLong(1, Dialect.MIGRATION_LOCK_KEY);
                    p.executeQuery().close();
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + VERSION_TABLE + " (version INTEGER NOT NULL)");
            }
            int current;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + VERSION_TABLE)) {
                rs.next();
                current = rs.getInt(1);
            }
            if (current > latestVersion()) {
                throw new MembershipException("membership schema version must be at most "
                        + latestVersion()
                        + " for this library, was "
                        + current);
            }
            for (int v = current; v < latestVersion(); v++) {
                try (Statement s = c.createStatement()) {
                    for (String sql : MIGRATIONS.get(v)) {
                        s.execute(sql);
                    }
                    s.execute("INSERT INTO " + VERSION_TABLE + " (version) VALUES (" + (v + 1) + ")");
                }
            }
            dialect.commit(c);
            return current;
        } catch (SQLException | RuntimeException e) {
            dialect.rollbackQuietly(c);
            throw e;
        }
    }
}
