package io.partita.store;

import java.util.Objects;
import java.util.Optional;

/**
 * An API token as the store keeps it: never its text, only the SHA-256 of it.
 *
 * @param id public id, used to list and revoke it
 * @param hash SHA-256 of the token's text, lower-case hex
 * @param user the name of the user it was made for
 * @param role {@code admin}, {@code submitter}, {@code viewer} or {@code worker}
 * @param tenant the tenant it acts in
 * @param createdAt creation time, epoch milliseconds
 * @param expiresAt when it stops working, epoch milliseconds, if ever
 * @param revokedAt when it was revoked, epoch milliseconds, if it was
 */
public record StoredToken(
        String id,
        String hash,
        String user,
        String role,
        String tenant,
        long createdAt,
        Optional<Long> expiresAt,
        Optional<Long> revokedAt) {

    /** Checks that no field is null. */
    public StoredToken {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(revokedAt, "revokedAt");
    }
}
