package io.partita.membership;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.sqlite.SQLiteDataSource;

/** Where the test databases are. */
final class TestDatabases {

    private TestDatabases() {}

    /** The PostgreSQL JDBC URL: env PARTITA_TEST_PG_URL or the local default. */
    static String postgresUrl() {
        String url = System.getenv("PARTITA_TEST_PG_URL");
        return url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : url;
    }

    /**
     * Checks that PostgreSQL is reachable, and fails the calling tests with one clear line if not:
     * the tests need it (README, .ci/run starts it), like the store's PostgreSQL contract tests.
     */
    static void requirePostgres() {
        try (Connection c = DriverManager.getConnection(postgresUrl())) {
            c.isValid(2);
        } catch (SQLException e) {
            fail("PostgreSQL is unreachable at " + postgresUrl() + " (" + e.getMessage()
                    + "); start it, or point PARTITA_TEST_PG_URL at one");
        }
    }

    /** A fresh SQLite database file in a new temporary directory. */
    static String newSqliteUrl() {
        try {
            Path dir = Files.createTempDirectory("partita-membership-");
            return "jdbc:sqlite:" + dir.resolve("membership.db");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static SQLiteDataSource sqlite(String url) {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl(url);
        return ds;
    }
}
