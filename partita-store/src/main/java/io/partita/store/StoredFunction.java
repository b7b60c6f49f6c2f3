package io.partita.store;

import java.util.Objects;

/**
 * A function that answers grid calls.
 *
 * @param name its name
 * @param runtime {@code java} or {@code js}
 * @param version its code's version: declared or a class-file hash (Java), the module's SHA-256 (JS)
 * @param pure whether its results are cached
 * @param timeoutMillis the time limit of one execution
 * @param createdAt when it was first stored, epoch milliseconds
 */
public record StoredFunction(
        String name, String runtime, String version, boolean pure, long timeoutMillis, long createdAt) {

    /** Validates the fields. */
    public StoredFunction {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(version, "version");
    }
}
