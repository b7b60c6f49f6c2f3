package io.partita.store;

import java.util.Locale;

/** The life of a job. {@code DONE}, {@code FAILED} and {@code CANCELLED} are final. */
public enum JobStatus {
    /** Accepted; its partitions are being decided by a prepare task. */
    PREPARING,
    /** Accepted; tasks are running or waiting. */
    RUNNING,
    /** Every task finished; the result is stored. */
    DONE,
    /** A task failed on every attempt; the error is stored. */
    FAILED,
    /** Cancelled by a user. */
    CANCELLED;

    /** Whether no further change can happen. */
    public boolean isFinal() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }

    /** The lower-case name used in the store and the API. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #wireName()}. */
    public static JobStatus fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
