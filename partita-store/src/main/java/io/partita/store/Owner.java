package io.partita.store;

import java.util.Objects;

/**
 * Who owns a job, dataset, data job, function or call.
 *
 * @param tenant the tenant it belongs to
 * @param creator the user who made it
 */
public record Owner(String tenant, String creator) {

    /** Checks that no field is null. */
    public Owner {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(creator, "creator");
    }
}
