package io.partita.store;

import java.util.Objects;

/**
 * Job code as the store keeps it: immutable, named by the SHA-256 of its source.
 *
 * @param hash lower-case hex SHA-256 of the UTF-8 source
 * @param language the language, e.g. {@code js}
 * @param source the source text
 * @param createdAt when it was first stored, epoch milliseconds
 */
public record StoredCode(String hash, String language, String source, long createdAt) {
    /** Checks that no field is null. */
    public StoredCode {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(source, "source");
    }
}
