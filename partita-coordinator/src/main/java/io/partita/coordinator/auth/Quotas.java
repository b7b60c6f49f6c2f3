package io.partita.coordinator.auth;

import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import io.partita.protocol.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each tenant and role may use (docs/security.md): a submitter's job priority, task timeout and
 * attempts within a range narrower than an admin's; per tenant, live jobs, job tasks in flight, grid
 * calls in flight and the depth of nested calls; and the tenants' weights in fair share. A breach is
 * a {@code quota_exceeded} error naming the quota, its limit and the current use or asked value:
 * 422 for a value asked for, 429 for a use that will go down again. Admins are not limited by the
 * role quotas; the tenant quotas hold for every tenant. Immutable; thread-safe.
 *
 * @param maxPriority highest priority a submitter may give; default {@value #DEFAULT_MAX_PRIORITY}
 * @param maxTaskTimeout longest task timeout a submitter may give; default 1 h
 * @param maxAttempts most attempts per task a submitter may give; default {@value
 *     #DEFAULT_MAX_ATTEMPTS}
 * @param maxLiveJobs most jobs preparing or running per tenant; default {@value
 *     #DEFAULT_MAX_LIVE_JOBS}
 * @param maxInFlight most job tasks in flight per tenant, 0 for no bound; default 0 (fair share
 *     alone divides the workers)
 * @param maxCallsInFlight most grid calls queued or running per tenant; default {@value
 *     #DEFAULT_MAX_CALLS_IN_FLIGHT}
 * @param maxCallDepth most calls nested in one another (a call made by a call's task is one deeper);
 *     default {@value #DEFAULT_MAX_CALL_DEPTH}
 * @param maxStoredBytes most bytes a tenant may keep (datasets, job results, events) before it may
 *     create more; 0 for no bound (default)
 * @param maxEventBytes most bytes of task events all of a tenant's live jobs keep; past it, their
 *     further task events are only counted (one {@code truncated} event each); default 256 MiB
 * @param weights tenants' weights in fair share (default 1 for a tenant not named)
 */
public record Quotas(
        int maxPriority,
        Duration maxTaskTimeout,
        int maxAttempts,
        int maxLiveJobs,
        int maxInFlight,
        int maxCallsInFlight,
        int maxCallDepth,
        long maxStoredBytes,
        long maxEventBytes,
        Map<String, Double> weights) {
    /** Default highest priority of a submitter's job. */
    public static final int DEFAULT_MAX_PRIORITY = 100;

    /** Default most attempts per task of a submitter's job. */
    public static final int DEFAULT_MAX_ATTEMPTS = 10;

    /** Default most live jobs per tenant. */
    public static final int DEFAULT_MAX_LIVE_JOBS = 100;

    /** Default most grid calls in flight per tenant. */
    public static final int DEFAULT_MAX_CALLS_IN_FLIGHT = 10_000;

    /** Default deepest nesting of grid calls. */
    public static final int DEFAULT_MAX_CALL_DEPTH = 1024;

    /** The names {@link #with(String)} takes, as in {@code --quota live-jobs=20}. */
    public static final List<String> NAMES = List.of(
            "priority",
            "task-timeout",
            "attempts",
            "live-jobs",
            "in-flight",
            "calls-in-flight",
            "call-depth",
            "stored-bytes",
            "event-bytes");

    /** Default most bytes of task events of a tenant's live jobs: 256 MiB. */
    public static final long DEFAULT_MAX_EVENT_BYTES = 256L << 20;

    /** The defaults. */
    public static final Quotas DEFAULT = new Quotas(
            DEFAULT_MAX_PRIORITY,
            Duration.ofHours(1),
            DEFAULT_MAX_ATTEMPTS,
            DEFAULT_MAX_LIVE_JOBS,
            0,
            DEFAULT_MAX_CALLS_IN_FLIGHT,
            DEFAULT_MAX_CALL_DEPTH,
            0,
            DEFAULT_MAX_EVENT_BYTES,
            Map.of());

    public Quotas {
        positive("priority", maxPriority, 0);
        if (maxTaskTimeout.isNegative() || maxTaskTimeout.isZero()) {
            throw new IllegalArgumentException("quota task-timeout must be positive, was " + maxTaskTimeout);
        }
        positive("attempts", maxAttempts, 1);
        positive("live-jobs", maxLiveJobs, 1);
        positive("in-flight", maxInFlight, 0);
        positive("calls-in-flight", maxCallsInFlight, 1);
        positive("call-depth", maxCallDepth, 1);
        positive("stored-bytes", maxStoredBytes, 0);
        positive("event-bytes", maxEventBytes, 0);
        weights = Map.copyOf(weights);
        weights.forEach((tenant, w) -> {
            if (!(w > 0) || w.isInfinite()) {
                throw new IllegalArgumentException("weight of tenant " + tenant + " must be positive, was " + w);
            }
        });
    }

    private static void positive(String name, long value, long least) {
        if (value < least) {
            throw new IllegalArgumentException("quota " + name + " must be at least " + least + ", was " + value);
        }
    }

    /**
     * These quotas with one changed, from {@code name=value} as an operator writes it ({@code
     * live-jobs=20}, {@code task-timeout=30m}).
     *
     * @throws IllegalArgumentException naming the quota and what is wrong with it
     */
    public Quotas with(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(
                    "quota '" + assignment + "' must be NAME=VALUE, NAME one of " + String.join(", ", NAMES));
        }
        String name = assignment.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = assignment.substring(eq + 1).trim();
        int priority = maxPriority;
        Duration timeout = maxTaskTimeout;
        int attempts = maxAttempts;
        int liveJobs = maxLiveJobs;
        int inFlight = maxInFlight;
        int calls = maxCallsInFlight;
        int depth = maxCallDepth;
        long stored = maxStoredBytes;
        long events = maxEventBytes;
        try {
            switch (name) {
                case "priority" -> priority = Integer.parseInt(value);
                case "task-timeout" -> timeout = Durations.parse(value);
                case "attempts" -> attempts = Integer.parseInt(value);
                case "live-jobs" -> liveJobs = Integer.parseInt(value);
                case "in-flight" -> inFlight = Integer.parseInt(value);
                case "calls-in-flight" -> calls = Integer.parseInt(value);
                case "call-depth" -> depth = Integer.parseInt(value);
                case "stored-bytes" -> stored = io.partita.coordinator.common.Sizes.parse(value, "quota stored-bytes");
                case "event-bytes" -> events = io.partita.coordinator.common.Sizes.parse(value, "quota event-bytes");
                default ->
                    throw new IllegalArgumentException(
                            "unknown quota '" + name + "'; quotas are " + String.join(", ", NAMES));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("quota " + name + " must be a whole number, was '" + value + "'");
        }
        return new Quotas(priority, timeout, attempts, liveJobs, inFlight, calls, depth, stored, events, weights);
    }

    /**
     * These quotas with a tenant's fair-share weight, from {@code tenant=weight} ({@code lab=2}).
     *
     * @throws IllegalArgumentException naming the tenant and what is wrong
     */
    public Quotas withWeight(String assignment) {
        int eq = assignment.lastIndexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("tenant weight '" + assignment + "' must be TENANT=WEIGHT, e.g. lab=2");
        }
        String tenant = assignment.substring(0, eq).trim();
        double weight;
        try {
            weight = Double.parseDouble(assignment.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("weight of tenant " + tenant + " must be a number, was '"
                    + assignment.substring(eq + 1).trim() + "'");
        }
        Map<String, Double> w = new LinkedHashMap<>(weights);
        w.put(tenant, weight);
        return new Quotas(
                maxPriority,
                maxTaskTimeout,
                maxAttempts,
                maxLiveJobs,
                maxInFlight,
                maxCallsInFlight,
                maxCallDepth,
                maxStoredBytes,
                maxEventBytes,
                w);
    }

    /**
     * Checks a new job of {@code principal}'s; {@code liveJobs} is its tenant's current count.
     *
     * @throws PartitaException 422 {@code quota_exceeded} naming the quota, limit and use
     */
    public void checkJob(Principal principal, int priority, Duration taskTimeout, int attempts, long liveJobs) {
        if (principal.isAdmin()) {
            return;
        }
        if (priority > maxPriority) {
            throw breach("options.priority", "priority", maxPriority, priority);
        }
        if (taskTimeout.compareTo(maxTaskTimeout) > 0) {
            throw new PartitaException(
                    PartitaException.Kind.INVALID,
                    "quota_exceeded",
                    "quota task-timeout of role " + principal.role().wireName() + ": limit " + maxTaskTimeout
                            + ", asked " + taskTimeout,
                    "options.taskTimeout");
        }
        if (attempts > maxAttempts) {
            throw breach("options.maxAttempts", "attempts", maxAttempts, attempts);
        }
        if (liveJobs >= maxLiveJobs) {
            throw new PartitaException(
                    PartitaException.Kind.TOO_MANY,
                    "quota_exceeded",
                    "quota live-jobs of tenant " + principal.tenant() + ": limit " + maxLiveJobs + ", in use "
                            + liveJobs + "; wait for a job to end or cancel one",
                    "");
        }
    }

    /**
     * Checks that {@code principal}'s tenant, keeping {@code stored} bytes, may store {@code adding}
     * more (0 when the size is not known yet). Admins are not limited.
     *
     * @throws PartitaException 429 {@code quota_exceeded} naming the quota, its limit and the use
     */
    public void checkStored(Principal principal, long stored, long adding) {
        if (maxStoredBytes == 0
                || principal.isAdmin()
                || stored + adding <= maxStoredBytes && stored < maxStoredBytes) {
            return;
        }
        throw new PartitaException(
                PartitaException.Kind.TOO_MANY,
                "quota_exceeded",
                "quota stored-bytes of tenant " + principal.tenant() + ": limit " + maxStoredBytes + ", in use "
                        + stored
                        + (adding > 0 ? ", adding " + adding : "")
                        + "; delete datasets or jobs (DELETE /api/datasets/{id}, DELETE /api/jobs/{id}?purge=true)",
                "");
    }

    /** The message of a call refused for the calls its tenant has in flight. */
    public String callsInFlightBreach(String tenant, int inUse) {
        return "quota calls-in-flight of tenant " + (tenant.isEmpty() ? "(none)" : tenant) + ": limit "
                + maxCallsInFlight + ", in use " + inUse + "; wait for calls to finish";
    }

    /** The message of a call refused for its depth. */
    public String callDepthBreach(int depth) {
        return "quota call-depth: limit " + maxCallDepth + ", this call would be at depth " + depth
                + " (a call made by a call's task is one deeper)";
    }

    private PartitaException breach(String field, String quota, long limit, long asked) {
        return new PartitaException(
                PartitaException.Kind.INVALID,
                "quota_exceeded",
                "quota " + quota + " of a submitter: limit " + limit + ", asked " + asked,
                field);
    }
}
