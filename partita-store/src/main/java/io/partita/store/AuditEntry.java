package io.partita.store;

import java.util.Objects;

/**
 * One row of the append-only audit log.
 *
 * @param id unique id
 * @param at when, epoch milliseconds
 * @param actor who: {@code user@tenant (token id)}, or {@code anonymous}
 * @param action what, e.g. {@code token.create}, {@code auth.refused}
 * @param target what it acted on (a token id, a request line)
 * @param outcome {@code ok} or why it was refused
 * @param remote the peer's address
 */
public record AuditEntry(
        String id, long at, String actor, String action, String target, String outcome, String remote) {

    /** Checks that no field is null. */
    public AuditEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(remote, "remote");
    }
}
