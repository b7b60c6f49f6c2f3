package io.partita.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    Store openFresh() {
        return Store.open("jdbc:sqlite:" + dir.resolve("sub/partita.db"));
    }

    @Override
    Store reopen() {
        return Store.open("jdbc:sqlite:" + dir.resolve("sub/partita.db"));
    }
}
