package io.partita.store;

import java.util.Objects;

/**
 * A cached result of a grid call.
 *
 * @param key the cache key (hex SHA-256 of function, version and canonical arguments)
 * @param function the function's name
 * @param version the function's version
 * @param result the result, JSON bytes
 * @param lastUsed when it was last used, epoch milliseconds
 */
public record CacheEntry(String key, String function, String version, byte[] result, long lastUsed) {

    /** Validates the fields. */
    public CacheEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(result, "result");
    }
}
