package io.partita.coordinator.common;

import java.util.Locale;
import java.util.Objects;

/**
 * Who makes a request: the user and tenant of the API token it presented, and that token's role
 * (docs/security.md). Anonymous requests have no principal. Immutable.
 *
 * @param tokenId the id of the token presented (not its text)
 * @param user the user the token was made for
 * @param role what the token may do
 * @param tenant the tenant whose jobs, datasets, functions and calls the token sees
 */
public record Principal(String tokenId, String user, Role role, String tenant) {

    /** The tenant of the admin token a server writes on first start, and of tokens made without one. */
    public static final String DEFAULT_TENANT = "default";

    /** The principal of every request when authentication is off (an embedded coordinator in tests). */
    public static final Principal OPEN = new Principal("open", "open", Role.ADMIN, DEFAULT_TENANT);

    /** What a token may do; each role includes the ones below it but {@link #WORKER}, which is apart. */
    public enum Role {
        /** Everything, in every tenant: tokens, the audit log, workers' addresses. */
        ADMIN,
        /** Reads within the tenant, and creates and cancels its own jobs, datasets, functions and calls. */
        SUBMITTER,
        /** Reads within the tenant. */
        VIEWER,
        /** Connects as a worker at {@code /ws/worker}; nothing on the REST API. */
        WORKER;

        /** The role's name on the wire: lower case. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The role named {@code name}.
         *
         * @throws PartitaException 422 naming {@code field} if there is no such role
         */
        public static Role parse(String name, String field) {
            for (Role r : values()) {
                if (r.wireName().equals(name)) {
                    return r;
                }
            }
            throw PartitaException.invalid(
                    field, field + " must be one of admin, submitter, viewer, worker, was '" + name + "'");
        }
    }

    /** Checks that no field is null. */
    public Principal {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(tenant, "tenant");
    }

    /** Whether this is an admin: it sees and may change everything. */
    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    /** Whether it may read its tenant's things (viewer, submitter, admin). */
    public boolean canRead() {
        return role != Role.WORKER;
    }

    /** Whether it may create and change its tenant's things (submitter, admin). */
    public boolean canSubmit() {
        return role == Role.ADMIN || role == Role.SUBMITTER;
    }

    /** Whether it may connect as a trusted worker (worker, admin). */
    public boolean canWork() {
        return role == Role.ADMIN || role == Role.WORKER;
    }

    /** {@code user@tenant (role, token id)}, for logs and the audit log. */
    public String describe() {
        return user + "@" + tenant + " (" + role.wireName() + ", " + tokenId + ")";
    }
}
