package io.partita.membership;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A DataSource wrapper whose connections, and every statement and result set made from them, start
 * failing with an SQLException once {@link #cut()} is called, as if the database had gone away;
 * {@link #restore()} lets new calls through again.
 */
final class ChaosDataSource implements DataSource {

    private final DataSource delegate;
    private final AtomicBoolean cut = new AtomicBoolean();

    ChaosDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    void cut() {
        cut.set(true);
    }

    void restore() {
        cut.set(false);
    }

    private void check() throws SQLException {
        if (cut.get()) {
            throw new SQLException("ChaosDataSource: connection cut", "08006");
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T wrap(T target, Class<T> type) {
        InvocationHandler h = (proxy, method, args) -> {
            String name = method.getName();
            if (!name.equals("close") && !name.equals("isClosed")) {
                check();
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            Class<?> rt = method.getReturnType();
            if (result != null && rt.isInterface() && rt.getPackageName().equals("java.sql") && rt != Object.class) {
                return wrap(result, (Class<Object>) rt);
            }
            return result;
        };
        return (T) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, h);
    }

    @Override
    public Connection getConnection() throws SQLException {
        check();
        return wrap(delegate.getConnection(), Connection.class);
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        check();
        return wrap(delegate.getConnection(user, password), Connection.class);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
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
