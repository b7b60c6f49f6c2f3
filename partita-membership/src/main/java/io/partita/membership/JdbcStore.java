package io.partita.membership;

import io.partita.membership.Protocol.Decision;
import io.partita.membership.Protocol.GroupState;
import io.partita.membership.Protocol.MemberRow;
import io.partita.membership.Protocol.Reply;
import io.partita.membership.Protocol.TickRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * Runs one tick of the protocol as one transaction: lock the group row, read the database clock and
 * the group's rows, call {@link Protocol#decide}, write the difference, commit. Thread-safe (one
 * tick at a time per store); a connection that failed is discarded.
 */
final class JdbcStore implements AutoCloseable {

    private static final String SELECT_GROUP = "SELECT epoch, %s FROM " + Schema.GROUP_TABLE + " WHERE group_id = ?%s";
    private static final String INSERT_GROUP = "INSERT INTO "
            + Schema.GROUP_TABLE
            + " (group_id, epoch, size) VALUES (?, 0, 0) ON CONFLICT (group_id) DO NOTHING";
    private static final String UPDATE_GROUP =
            "UPDATE " + Schema.GROUP_TABLE + " SET epoch = ?, size = ? WHERE group_id = ?";
    private static final String SELECT_MEMBERS =
            "SELECT member_id, assigned_rank, held_rank, acked_epoch, expires_at_ms, joined_at_ms, label"
                    + " FROM "
                    + Schema.MEMBER_TABLE
                    + " WHERE group_id = ?";
    private static final String DELETE_MEMBER =
            "DELETE FROM " + Schema.MEMBER_TABLE + " WHERE group_id = ? AND member_id = ?";
    private static final String INSERT_MEMBER = "INSERT INTO "
            + Schema.MEMBER_TABLE
            + " (assigned_rank, held_rank, acked_epoch, expires_at_ms, joined_at_ms, label,"
            + " group_id, member_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE_MEMBER = "UPDATE "
            + Schema.MEMBER_TABLE
            + " SET assigned_rank = ?, held_rank = ?, acked_epoch = ?, expires_at_ms = ?,"
            + " joined_at_ms = ?, label = ? WHERE group_id = ? AND member_id = ?";

    private final DataSource dataSource;
    private final String group;
    private final long leaseMillis;
    private final boolean keepConnection;
    private final ReentrantLock lock = new ReentrantLock();
    private Dialect dialect;
    private Connection connection;

    JdbcStore(DataSource dataSource, UUID group, long leaseMillis, boolean keepConnection) {
        this.dataSource = dataSource;
        this.group = group.toString();
        this.leaseMillis = leaseMillis;
        this.keepConnection = keepConnection;
    }

    /** Detects the database and brings the schema up to date. */
    void migrate() throws SQLException {
        lock.lock();
        try {
            Connection c = acquire();
            boolean ok = false;
            try {
                Schema.migrate(c, dialect);
                ok = true;
            } finally {
                release(c, ok);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether each process supplies the database's clock (SQLite reads the process's own clock);
     * false for PostgreSQL, whose server clock is one clock for all. Known after {@link #migrate()}.
     */
    boolean clockPerProcess() {
        lock.lock();
        try {
            return dialect == Dialect.SQLITE;
        } finally {
            lock.unlock();
        }
    }

    /** Runs one tick; any exception means the outcome is unknown. */
    Reply tick(TickRequest request) throws SQLException {
        lock.lock();
        try {
            Connection c = acquire();
            boolean ok = false;
            try {
                Reply reply = tickIn(c, request);
                ok = true;
                return reply;
            } catch (SQLException | RuntimeException e) {
                dialect.rollbackQuietly(c);
                throw e;
            } finally {
                release(c, ok);
            }
        } finally {
            lock.unlock();
        }
    }

    private Reply tickIn(Connection c, TickRequest request) throws SQLException {
        dialect.begin(c);
        String selectGroup = SELECT_GROUP.formatted(dialect.nowMillis, dialect.forUpdate);
        long epoch;
        long now;
        try (PreparedStatement p = c.prepareStatement(selectGroup)) {
            p.setString(1, group);
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    epoch = rs.getLong(1);
                    now = rs.getLong(2);
                } else {
                    epoch = -1;
                    now = 0;
                }
            }
            if (epoch < 0) {
                try (PreparedStatement ins = c.prepareStatement(INSERT_GROUP)) {
                    ins.setString(1, group);
                    ins.executeUpdate();
                }
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("group row " + group + " missing after insert");
                    }
                    epoch = rs.getLong(1);
                    now = rs.getLong(2);
                }
            }
        }
        List<MemberRow> rows = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(SELECT_MEMBERS)) {
            p.setString(1, group);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    rows.add(new MemberRow(
                            rs.getString(1),
                            rs.getInt(2),
                            rs.getInt(3),
                            rs.getLong(4),
                            rs.getLong(5),
                            rs.getLong(6),
                            rs.getString(7)));
                }
            }
        }
        Decision d = Protocol.decide(new GroupState(epoch, rows), now, request, leaseMillis);
        List<String> deleted = d.deleted();
        if (!deleted.isEmpty()) {
            try (PreparedStatement p = c.prepareStatement(DELETE_MEMBER)) {
                for (String id : deleted) {
                    p.setString(1, group);
                    p.setString(2, id);
                    p.addBatch();
                }
                p.executeBatch();
            }
        }
        writeRows(c, INSERT_MEMBER, d.inserted());
        writeRows(c, UPDATE_MEMBER, d.updated());
        if (d.epochChanged()
                || d.after().members().size() != d.before().members().size()) {
            try (PreparedStatement p = c.prepareStatement(UPDATE_GROUP)) {
                p.setLong(1, d.after().epoch());
                p.setInt(2, d.after().members().size());
                p.setString(3, group);
                p.executeUpdate();
            }
        }
        dialect.commit(c);
        return d.reply();
    }

    private void writeRows(Connection c, String sql, List<MemberRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (MemberRow r : rows) {
                p.setInt(1, r.assignedRank());
                p.setInt(2, r.heldRank());
                p.setLong(3, r.ackedEpoch());
                p.setLong(4, r.expiresAtMs());
                p.setLong(5, r.joinedAtMs());
                p.setString(6, r.label());
                p.setString(7, group);
                p.setString(8, r.memberId());
                if (rows.size() == 1) {
                    p.executeUpdate();
                } else {
                    p.addBatch();
                }
            }
            if (rows.size() > 1) {
                p.executeBatch();
            }
        }
    }

    private Connection acquire() throws SQLException {
        if (connection != null) {
            return connection;
        }
        Connection c = dataSource.getConnection();
        try {
            if (dialect == null) {
                dialect = Dialect.of(c);
            }
            dialect.configure(c, leaseMillis);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        if (keepConnection) {
            connection = c;
        }
        return c;
    }

    private void release(Connection c, boolean ok) {
        if (ok && keepConnection) {
            return;
        }
        if (c == connection) {
            connection = null;
        }
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // discarding a broken connection
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (connection != null) {
                closeQuietly(connection);
                connection = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
