package io.partita.coordinator.core;

/**
 * What the coordinator knows of one host's past answers, the record adaptive replication decides on
 * (BOINC's "consecutive valid results"). One object per reputation key (a volunteer's key, or a
 * worker's name and address), shared by that host's connections; the shell loads it from the store
 * when the host connects and saves it when the core judged an answer of it. The core changes it,
 * under the shell's lock.
 */
public final class Reputation {
    /** The key it is stored under. */
    public final String key;

    long validated;
    long invalid;
    long unchecked;
    long consecutive;

    /** A host with no record yet. */
    public Reputation(String key) {
        this.key = key;
    }

    /** A host's stored record. */
    public Reputation(String key, long validated, long invalid, long unchecked, long consecutive) {
        this(key);
        this.validated = validated;
        this.invalid = invalid;
        this.unchecked = unchecked;
        this.consecutive = consecutive;
    }

    /** Answers of it that another host's or a trusted answer confirmed. */
    public long validated() {
        return validated;
    }

    /** Answers of it that disagreed with the accepted answer. */
    public long invalid() {
        return invalid;
    }

    /** Answers of it accepted on its record alone, without a second replica. */
    public long unchecked() {
        return unchecked;
    }

    /** Validated answers since its last invalid one: what adaptive replication trusts. */
    public long consecutive() {
        return consecutive;
    }

    void recordValid() {
        validated++;
        consecutive++;
    }

    void recordInvalid() {
        invalid++;
        consecutive = 0;
    }

    @Override
    public String toString() {
        return key + "(valid " + validated + ", invalid " + invalid + ", run " + consecutive + ")";
    }
}
