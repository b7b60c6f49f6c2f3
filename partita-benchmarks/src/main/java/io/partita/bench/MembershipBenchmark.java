package io.partita.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.partita.membership.Membership;
import io.partita.membership.MembershipOptions;
import io.partita.membership.View;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Membership at scale on one PostgreSQL: 200 members (threads) in one group, sharing a HikariCP
 * pool (PostgreSQL's default max_connections is 100, so members borrow a connection per heartbeat
 * instead of holding one each). Measures, per run: time for all members to agree (all ACTIVE at one
 * epoch, size N, distinct ranks) and to know the view is stable (everyone acknowledged), after one
 * join and after one crash (abort, so the row must expire on the database clock), and database
 * statements and transactions per second per member in steady state.
 *
 * <p>Arguments (all optional, {@code name=value}): {@code url} (default env PARTITA_TEST_PG_URL or
 * jdbc:postgresql://127.0.0.1:5432/test?user=postgres), {@code members=200}, {@code pool=16},
 * {@code lease=10s}, {@code heartbeat=1s}, {@code margin=1s}, {@code steady=10s}, {@code runs=3}.
 */
public final class MembershipBenchmark {

    private MembershipBenchmark() {}

    /**
     * Runs the benchmark and prints one line per run and the medians.
     *
     * @param args {@code name=value} options, see the class comment
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        String env = System.getenv("PARTITA_TEST_PG_URL");
        String url = arg(
                args,
                "url",
                env == null || env.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : env);
        int members = Integer.parseInt(arg(args, "members", "200"));
        int pool = Integer.parseInt(arg(args, "pool", "16"));
        Duration lease = duration(arg(args, "lease", "10s"));
        Duration heartbeat = duration(arg(args, "heartbeat", "1s"));
        Duration margin = duration(arg(args, "margin", "1s"));
        Duration steady = duration(arg(args, "steady", "10s"));
        int runs = Integer.parseInt(arg(args, "runs", "3"));

        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(pool);
        hc.setMinimumIdle(pool);
        hc.setConnectionTimeout(5000);
        hc.setPoolName("membership-bench");
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            int maxConnections;
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SHOW max_connections")) {
                rs.next();
                maxConnections = Integer.parseInt(rs.getString(1));
            }
            System.out.printf(
                    "PostgreSQL max_connections=%d; %d members share a pool of %d connections;"
                            + " lease=%s heartbeat=%s margin=%s%n",
                    maxConnections, members, pool, lease, heartbeat, margin);
            if (pool >= maxConnections) {
                throw new IllegalArgumentException(
                        "pool must be below max_connections (" + maxConnections + "), was " + pool);
            }
            CountingDataSource counting = new CountingDataSource(ds);
            MembershipOptions options = MembershipOptions.defaults()
                    .withLeaseTimeout(lease)
                    .withSafetyMargin(margin)
                    .withHeartbeatInterval(heartbeat)
                    .withKeepConnection(false);
            double[] joinMs = new double[runs];
            double[] crashMs = new double[runs];
            double[] stmtRate = new double[runs];
            double[] txRate = new double[runs];
            double[] formMs = new double[runs];
            double[] joinStableMs = new double[runs];
            double[] crashStableMs = new double[runs];
            for (int run = 0; run < runs; run++) {
                UUID group = UUID.randomUUID();
                List<Membership> ms = new ArrayList<>();
                long t = System.nanoTime();
                for (int i = 0; i < members; i++) {
                    ms.add(Membership.join(counting, group, options));
                }
                awaitAgreement(ms, Duration.ofMinutes(3), true);
                formMs[run] = (System.nanoTime() - t) / 1e6;

                // Steady state.
                long s0 = counting.statements.sum();
                long c0 = counting.commits.sum();
                long w0 = System.nanoTime();
                Thread.sleep(steady.toMillis()); // measuring a rate over a fixed window, not awaiting
                double secs = (System.nanoTime() - w0) / 1e9;
                stmtRate[run] = (counting.statements.sum() - s0) / secs / members;
                txRate[run] = (counting.commits.sum() - c0) / secs / members;

                // One join.
                t = System.nanoTime();
                ms.add(Membership.join(counting, group, options));
                awaitAgreement(ms, Duration.ofMinutes(1), false);
                joinMs[run] = (System.nanoTime() - t) / 1e6;
                awaitAgreement(ms, Duration.ofMinutes(1), true);
                joinStableMs[run] = (System.nanoTime() - t) / 1e6;

                // One crash: the row must expire on the database clock.
                Membership victim = ms.remove(ms.size() / 2);
                t = System.nanoTime();
                victim.abort();
                awaitAgreement(ms, Duration.ofMinutes(1), false);
                crashMs[run] = (System.nanoTime() - t) / 1e6;
                awaitAgreement(ms, Duration.ofMinutes(1), true);
                crashStableMs[run] = (System.nanoTime() - t) / 1e6;

                System.out.printf(
                        "run %d: formed %d in %.0f ms; join agreed in %.0f ms (stable %.0f ms);"
                                + " crash agreed in %.0f ms (stable %.0f ms);"
                                + " steady state %.2f statements/s and %.2f transactions/s per member%n",
                        run + 1,
                        members,
                        formMs[run],
                        joinMs[run],
                        joinStableMs[run],
                        crashMs[run],
                        crashStableMs[run],
                        stmtRate[run],
                        txRate[run]);
                ms.parallelStream().forEach(Membership::close);
            }
            System.out.printf(
                    "median of %d runs: form %.0f ms; join agreed %.0f ms, stable %.0f ms; crash agreed %.0f"
                            + " ms, stable %.0f ms (bound lease+heartbeat = %d ms); %.2f statements/s/member,"
                            + " %.2f transactions/s/member%n",
                    runs,
                    median(formMs),
                    median(joinMs),
                    median(joinStableMs),
                    median(crashMs),
                    median(crashStableMs),
                    lease.plus(heartbeat).toMillis(),
                    median(stmtRate),
                    median(txRate));
        }
    }

    /**
     * Polls until every member is ACTIVE at one epoch with size N and distinct ranks (agreement) and,
     * if {@code stable}, also knows that everyone acknowledged that epoch.
     */
    private static void awaitAgreement(List<Membership> ms, Duration timeout, boolean stable)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (agreed(ms, stable)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no agreement among " + ms.size() + " within " + timeout);
            }
            Thread.sleep(5); // polling interval of the measurement loop
        }
    }

    private static boolean agreed(List<Membership> ms, boolean stable) {
        long epoch = -1;
        Set<Integer> ranks = new HashSet<>();
        for (Membership m : ms) {
            View v = m.view();
            if (!v.active() || (stable && !v.stable()) || v.size() != ms.size()) {
                return false;
            }
            if (epoch == -1) {
                epoch = v.epoch();
            } else if (epoch != v.epoch()) {
                return false;
            }
            ranks.add(v.rank());
        }
        return ranks.size() == ms.size();
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String arg(String[] args, String name, String def) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return def;
    }

    private static Duration duration(String v) {
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.parse(v);
    }

    /** Counts statement executions and commits made through its connections. */
    static final class CountingDataSource implements DataSource {
        final LongAdder statements = new LongAdder();
        final LongAdder commits = new LongAdder();
        private final DataSource delegate;

        CountingDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        @SuppressWarnings("unchecked")
        private <T> T wrap(T target, Class<T> type) {
            return (T) Proxy.newProxyInstance(
                    MembershipBenchmark.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
                        String name = method.getName();
                        if (name.startsWith("execute")) {
                            statements.increment();
                        } else if (name.equals("commit")) {
                            commits.increment();
                        }
                        Object result;
                        try {
                            result = method.invoke(target, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        Class<?> rt = method.getReturnType();
                        if (result != null
                                && rt.isInterface()
                                && rt.getName().startsWith("java.sql.")
                                && rt.getSimpleName().endsWith("Statement")) {
                            return wrap(result, (Class<Object>) rt);
                        }
                        return result;
                    });
        }

        @Override
        public Connection getConnection() throws SQLException {
            return wrap(delegate.getConnection(), Connection.class);
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
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
            return delegate.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return delegate.isWrapperFor(iface);
        }
    }
}
