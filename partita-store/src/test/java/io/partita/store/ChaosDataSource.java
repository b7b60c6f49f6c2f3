package io.partita.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source whose connections fail on cue: {@link #failNext(String, SQLException)} makes the
 * next call of a {@link Connection} method (by name, for example {@code commit}) throw instead of
 * running; {@link #failConnect(SQLException)} makes the next {@link #getConnection()} throw.
 * Records which connections were evicted. Thread-safe.
 */
final class ChaosDataSource implements DataSource {
    /** Queued with {@link #failNext} to let one call through before the next queued failure. */
    static final SQLException PASS = new SQLException("pass");

    private final DataSource delegate;
    private final Map<String, Deque<SQLException>> failures = new HashMap<>();
    private final Deque<SQLException> connectFailures = new ArrayDeque<>();
    private final List<Connection> evicted = new ArrayList<>();
    private int closed;

    ChaosDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    synchronized void failNext(String method, SQLException e) {
        failures.computeIfAbsent(method, k -> new ArrayDeque<>()).add(e);
    }

    synchronized void failConnect(SQLException e) {
        connectFailures.add(e);
    }

    /** Closes a connection for good, as the pool's eviction does. */
    synchronized void evict(Connection c) {
        evicted.add(c);
        try {
            ((Handle) Proxy.getInvocationHandler(c)).real.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    synchronized int evictedCount() {
        return evicted.size();
    }

    synchronized int closedCount() {
        return closed;
    }

    private synchronized SQLException nextFailure(String method) {
        Deque<SQLException> q = failures.get(method);
        return q == null ? null : q.poll();
    }

    @Override
    public Connection getConnection() throws SQLException {
        synchronized (this) {
            SQLException e = connectFailures.poll();
            if (e != null) {
                throw e;
            }
        }
        Connection real = delegate.getConnection();
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, new Handle(real));
    }

    private final class Handle implements InvocationHandler {
        final Connection real;

        Handle(Connection real) {
            this.real = real;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            SQLException e = nextFailure(method.getName());
            if (e != null && e != PASS) {
                throw e;
            }
            if (method.getName().equals("close")) {
                synchronized (ChaosDataSource.this) {
                    closed++;
                }
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException ite) {
                throw ite.getCause();
            }
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLException("not supported");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
