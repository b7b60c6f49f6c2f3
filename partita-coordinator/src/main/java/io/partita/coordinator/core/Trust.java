package io.partita.coordinator.core;

/**
 * How far the coordinator believes a connection's answers. The shell decides it when a worker
 * connects; the core only asks whether an answer needs checking.
 */
public enum Trust {
    /** The coordinator's own local worker: its answers are the coordinator's own. */
    LOCAL,
    /** A worker that presented a credential the operator gave out: its answers count as validated. */
    TRUSTED,
    /** Every browser, and every worker without a credential: its answers must be validated. */
    UNTRUSTED;

    /** Whether an answer from such a connection counts as validated on its own. */
    public boolean vouches() {
        return this != UNTRUSTED;
    }

    /** The name used in the API and the dashboard. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
