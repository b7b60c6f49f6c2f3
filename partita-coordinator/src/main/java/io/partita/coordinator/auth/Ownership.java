package io.partita.coordinator.auth;

import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import io.partita.store.Owner;
import io.partita.store.Store;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Who owns what: the tenant and creator of each job, dataset, data job, registered function and
 * grid call, and the one rule every read and change follows: an admin sees everything; anyone else
 * sees what their tenant owns, and what another tenant owns is reported as not found (404, not 403,
 * so that ids do not leak). A thing nobody owns (made before access control, or a shipped example
 * function) is seen by admins only, but for functions, which are shared. Thread-safe.
 */
public final class Ownership {
    /** The kinds of things owned. */
    public enum Kind {
        JOB("job"),
        DATASET("dataset"),
        DATA_JOB("data_job"),
        FUNCTION("function"),
        CALL("call");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        /** The kind as the store keeps it. */
        public String key() {
            return key;
        }
    }

    private final Store store;

    /** Ownership kept in {@code store}. */
    public Ownership(Store store) {
        this.store = store;
    }

    /** Records that {@code principal}'s tenant owns {@code id}; call it before the thing exists. */
    public void claim(Kind kind, String id, Principal principal) {
        store.putOwner(kind.key(), id, new Owner(principal.tenant(), principal.user()));
    }

    /** Who owns {@code id}, if anyone. */
    public Optional<Owner> owner(Kind kind, String id) {
        return store.owner(kind.key(), id);
    }

    /** Whether {@code principal} may see {@code id}. */
    public boolean visible(Kind kind, String id, Principal principal) {
        if (principal.isAdmin()) {
            return true;
        }
        Optional<Owner> owner = store.owner(kind.key(), id);
        if (owner.isEmpty()) {
            return kind == Kind.FUNCTION;
        }
        return owner.get().tenant().equals(principal.tenant());
    }

    /**
     * Checks that {@code principal} may see {@code id}.
     *
     * @throws PartitaException 404 with {@code notFound} as its message if it may not
     */
    public void require(Kind kind, String id, Principal principal, String notFound) {
        if (!visible(kind, id, principal)) {
            throw PartitaException.notFound(notFound);
        }
    }

    /** The ids of {@code kind} that {@code tenant} owns. */
    public Set<String> ownedBy(Kind kind, String tenant) {
        return new HashSet<>(store.owned(kind.key(), tenant));
    }
}
