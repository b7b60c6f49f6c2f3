package io.partita.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** Runs the store contract against the PostgreSQL server named by PARTITA_TEST_PG_URL. */
class PostgresStoreTest extends StoreContract {
    static final String SCHEMA = "partita_store_test";

    static String baseUrl() {
        String url = System.getenv("PARTITA_TEST_PG_URL");
        return url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : url;
    }

    static String schemaUrl() {
        String base = baseUrl();
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
    }

    @Override
    Store openFresh() throws Exception {
        try (Connection c = DriverManager.getConnection(baseUrl());
                Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + SCHEMA + " cascade");
            s.execute("create schema " + SCHEMA);
        }
        return Store.open(schemaUrl());
    }

    @Override
    Store reopen() {
        return Store.open(schemaUrl());
    }
}
