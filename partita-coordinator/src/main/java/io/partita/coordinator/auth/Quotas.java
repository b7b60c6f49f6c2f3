package io.partita.coordinator.auth;

import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import java.time.Duration;

/**
 * What a submitter may ask for (docs/security.md): a job's priority, task timeout and attempts
 * within a range narrower than an admin's, and a bound on its tenant's live jobs. A breach is a 422
 * {@code quota_exceeded} naming the quota, its limit and the current use or asked value, and the
 * field. Admins are not limited. Immutable; thread-safe.
 *
 * @param maxPriority highest priority a submitter may give; default {@value #DEFAULT_MAX_PRIORITY}
 * @param maxTaskTimeout longest task timeout a submitter may give; default 1 h
 * @param maxAttempts most attempts per task a submitter may give; default {@value
 *     #DEFAULT_MAX_ATTEMPTS}
 * @param maxLiveJobs most jobs preparing or running per tenant; default {@value
 *     #DEFAULT_MAX_LIVE_JOBS}
 */
public record Quotas(int maxPriority, Duration maxTaskTimeout, int maxAttempts, int maxLiveJobs) {
    /** Default highest priority of a submitter's job. */
    public static final int DEFAULT_MAX_PRIORITY = 100;

    /** Default most attempts per task of a submitter's job. */
    public static final int DEFAULT_MAX_ATTEMPTS = 10;

    /** Default most live jobs per tenant. */
    public static final int DEFAULT_MAX_LIVE_JOBS = 100;

    /** The defaults. */
    public static final Quotas DEFAULT =
            new Quotas(DEFAULT_MAX_PRIORITY, Duration.ofHours(1), DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_LIVE_JOBS);

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
            throw breach("options.maxAttempts", "max-attempts", maxAttempts, attempts);
        }
        if (liveJobs >= maxLiveJobs) {
            throw new PartitaException(
                    PartitaException.Kind.INVALID,
                    "quota_exceeded",
                    "quota live-jobs of tenant " + principal.tenant() + ": limit " + maxLiveJobs + ", in use "
                            + liveJobs + "; wait for a job to end or cancel one",
                    "");
        }
    }

    private PartitaException breach(String field, String quota, long limit, long asked) {
        return new PartitaException(
                PartitaException.Kind.INVALID,
                "quota_exceeded",
                "quota " + quota + " of a submitter: limit " + limit + ", asked " + asked,
                field);
    }
}
