package io.partita.membership;

import javax.sql.DataSource;

/** The membership contract on SQLite: one file shared by threads and processes of this machine. */
class SqliteMembershipIT extends MembershipContract {

    private final String url = TestDatabases.newSqliteUrl();
    private final DataSource dataSource = TestDatabases.sqlite(url);

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String jdbcUrl() {
        return url;
    }

    @Override
    boolean keepConnection() {
        return true;
    }

    @Override
    Cuttable cuttable() {
        ChaosDataSource chaos = new ChaosDataSource(TestDatabases.sqlite(url));
        return new Cuttable() {
            @Override
            public DataSource dataSource() {
                return chaos;
            }

            @Override
            public void cut() {
                chaos.cut();
            }

            @Override
            public void restore() {
                chaos.restore();
            }
        };
    }
}
