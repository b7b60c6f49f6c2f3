package io.partita.membership;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable, validated configuration of a member. Build from {@link #defaults()} and the {@code
 * with*} methods; invalid values are rejected at construction with a message that names the option
 * and the value.
 *
 * @param leaseTimeout how long a renewal keeps a member alive on the database's clock (option
 *     {@code lease-timeout}, default {@link #DEFAULT_LEASE_TIMEOUT}); a crashed or cut-off member's
 *     rank is taken over after at most this long plus one heartbeat
 * @param heartbeatInterval how often a member renews its lease and reads the group (option {@code
 *     heartbeat}, default {@link #DEFAULT_HEARTBEAT_INTERVAL}); must be positive and, together with
 *     the safety margin, shorter than half the lease timeout
 * @param safetyMargin how much earlier than its lease's expiry a member stops acting, on its own
 *     monotonic clock, to absorb clock-rate differences and the time between a check and an action
 *     (option {@code safety-margin}, default {@link #DEFAULT_SAFETY_MARGIN})
 * @param keepConnection whether the member keeps one connection from the data source between
 *     heartbeats (default true, one connection per member) or borrows one per heartbeat (set false
 *     when many members share a small connection pool)
 * @param label a human-readable label stored with the member row for operators (default empty)
 */
public record MembershipOptions(
        Duration leaseTimeout,
        Duration heartbeatInterval,
        Duration safetyMargin,
        boolean keepConnection,
        String label) {

    /** Default lease timeout: 10 seconds. */
    public static final Duration DEFAULT_LEASE_TIMEOUT = Duration.ofSeconds(10);

    /** Default heartbeat interval: 1 second. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    /** Default safety margin: 1 second. */
    public static final Duration DEFAULT_SAFETY_MARGIN = Duration.ofSeconds(1);

    /** Longest accepted label, in characters. */
    public static final int MAX_LABEL_LENGTH = 200;

    /** Validates every component. */
    public MembershipOptions {
        requirePositive("lease-timeout", leaseTimeout);
        requirePositive("heartbeat", heartbeatInterval);
        Objects.requireNonNull(safetyMargin, "safety-margin must not be null");
        if (safetyMargin.isNegative()) {
            throw new IllegalArgumentException("safety-margin must not be negative, was " + safetyMargin);
        }
        if (leaseTimeout.toMillis() < 10) {
            throw new IllegalArgumentException("lease-timeout must be at least 10 ms, was " + leaseTimeout);
        }
        if (heartbeatInterval.plus(safetyMargin).multipliedBy(2).compareTo(leaseTimeout) > 0) {
            throw new IllegalArgumentException("heartbeat + safety-margin must be at most half of lease-timeout ("
                    + leaseTimeout
                    + "), was "
                    + heartbeatInterval
                    + " + "
                    + safetyMargin);
        }
        Objects.requireNonNull(label, "label must not be null");
        if (label.length() > MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException(
                    "label must be at most " + MAX_LABEL_LENGTH + " characters, was " + label.length());
        }
    }

    /**
     * The default options: lease timeout 10 s, heartbeat 1 s, safety margin 1 s, one kept connection
     * per member, no label.
     *
     * @return the defaults
     */
    public static MembershipOptions defaults() {
        return new MembershipOptions(
                DEFAULT_LEASE_TIMEOUT, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_SAFETY_MARGIN, true, "");
    }

    /**
     * Returns a copy with another lease timeout.
     *
     * @param value the new lease timeout
     * @return the new options
     * @throws IllegalArgumentException if the result is invalid
     */
    public MembershipOptions withLeaseTimeout(Duration value) {
        return new MembershipOptions(value, heartbeatInterval, safetyMargin, keepConnection, label);
    }

    /**
     * Returns a copy with another heartbeat interval.
     *
     * @param value the new heartbeat interval
     * @return the new options
     * @throws IllegalArgumentException if the result is invalid
     */
    public MembershipOptions withHeartbeatInterval(Duration value) {
        return new MembershipOptions(leaseTimeout, value, safetyMargin, keepConnection, label);
    }

    /**
     * Returns a copy with another safety margin.
     *
     * @param value the new safety margin
     * @return the new options
     * @throws IllegalArgumentException if the result is invalid
     */
    public MembershipOptions withSafetyMargin(Duration value) {
        return new MembershipOptions(leaseTimeout, heartbeatInterval, value, keepConnection, label);
    }

    /**
     * Returns a copy with another connection mode.
     *
     * @param value true to keep one connection per member, false to borrow one per heartbeat
     * @return the new options
     */
    public MembershipOptions withKeepConnection(boolean value) {
        return new MembershipOptions(leaseTimeout, heartbeatInterval, safetyMargin, value, label);
    }

    /**
     * Returns a copy with another label.
     *
     * @param value the new label, at most {@link #MAX_LABEL_LENGTH} characters
     * @return the new options
     * @throws IllegalArgumentException if the result is invalid
     */
    public MembershipOptions withLabel(String value) {
        return new MembershipOptions(leaseTimeout, heartbeatInterval, safetyMargin, keepConnection, value);
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
