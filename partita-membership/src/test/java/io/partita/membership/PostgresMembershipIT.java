package io.partita.membership;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The membership contract on PostgreSQL. Members in this JVM share one HikariCP pool of 16
 * connections (borrowing one per heartbeat), which keeps 50 members well under PostgreSQL's default
 * max_connections of 100; child processes keep one connection each.
 */
class PostgresMembershipIT extends MembershipContract {

    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/(.*)");

    private HikariDataSource pool;

    @BeforeAll
    static void requirePostgres() {
        TestDatabases.requirePostgres();
    }

    @Override
    DataSource dataSource() {
        if (pool == null) {
            HikariConfig c = new HikariConfig();
            c.setJdbcUrl(TestDatabases.postgresUrl());
            c.setMaximumPoolSize(16);
            c.setMinimumIdle(2);
            c.setConnectionTimeout(1000);
            c.setPoolName("membership-it");
            pool = new HikariDataSource(c);
        }
        return pool;
    }

    @Override
    String jdbcUrl() {
        return TestDatabases.postgresUrl();
    }

    @Override
    boolean keepConnection() {
        return false;
    }

    @Override
    void closeResources() {
        if (pool != null) {
            pool.close();
        }
    }

    @Override
    Cuttable cuttable() throws Exception {
        Matcher m = URL.matcher(TestDatabases.postgresUrl());
        if (!m.matches()) {
            throw new IllegalStateException("cannot parse " + TestDatabases.postgresUrl());
        }
        int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
        ChaosTcpProxy proxy = new ChaosTcpProxy(m.group(1), port);
        String rest = m.group(3);
        String url = "jdbc:postgresql://127.0.0.1:"
                + proxy.port()
                + "/"
                + rest
                + (rest.contains("?") ? "&" : "?")
                + "connectTimeout=1";
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        return new Cuttable() {
            @Override
            public DataSource dataSource() {
                return ds;
            }

            @Override
            public void cut() {
                proxy.cut();
            }

            @Override
            public void restore() {
                proxy.restore();
            }

            @Override
            public void close() throws Exception {
                proxy.close();
            }
        };
    }
}
