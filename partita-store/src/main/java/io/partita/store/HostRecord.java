package io.partita.store;

/**
 * What the coordinator knows of one volunteer host or worker: the record adaptive replication
 * trusts, and the credit granted for its validated answers.
 *
 * @param key the host's key (a hash of a volunteer's secret, or a worker's name and address)
 * @param displayName the name the volunteer chose, or null
 * @param validated answers another host or a trusted worker confirmed
 * @param invalid answers that disagreed with the accepted answer
 * @param unchecked answers accepted on the host's record alone
 * @param consecutive validated answers since the last invalid one
 * @param errors attempts that failed
 * @param cpuMillis computing time its answers claimed
 * @param credit credit granted (validated answers only, by their measured cost)
 * @param updatedAt when the record last changed (epoch milliseconds)
 */
public record HostRecord(
        String key,
        String displayName,
        long validated,
        long invalid,
        long unchecked,
        long consecutive,
        long errors,
        long cpuMillis,
        double credit,
        long updatedAt) {
    public HostRecord {
        if (key == null || key.isEmpty() || key.length() > 200) {
            throw new IllegalArgumentException("a host key must have 1 to 200 characters");
        }
        if (validated < 0
                || invalid < 0
                || unchecked < 0
                || consecutive < 0
                || errors < 0
                || cpuMillis < 0
                || credit < 0) {
            throw new IllegalArgumentException("host record counts must not be negative: " + key);
        }
    }
}
