package io.partita.coordinator;

import java.time.Duration;
import java.util.Objects;

/**
 * The coordinator's bounds added by the second round of issue 18 (docs/limits.md), kept together so
 * that {@link CoordinatorConfig} grows by one field. Each is set through the {@link
 * CoordinatorConfig.Builder} method of the same name, and each is a {@code ./partita server} option
 * and a {@code --config} key. Immutable; validated once.
 *
 * @param maxCombineInputBytes largest total size of the inputs of one combine (or merge) task, in
 *     bytes; a job whose combine task would exceed it fails naming {@code max-combine-input};
 *     default {@value #DEFAULT_MAX_COMBINE_INPUT_BYTES}
 * @param maxTaskFailuresPerMinute most failed task attempts one worker connection may report in a
 *     minute; one more closes it with 1008 naming {@code max-task-failures-per-minute} (the
 *     coordinator's local worker is exempt); 0 means no limit; default {@value
 *     #DEFAULT_MAX_TASK_FAILURES_PER_MINUTE}
 * @param maxJobEventBytes most bytes (of JSON) of one job's task events kept in its event log; past
 *     it one {@code truncated} event names {@code max-job-event-bytes} and later task events are
 *     only counted; default {@value #DEFAULT_MAX_JOB_EVENT_BYTES}
 * @param eventRetention how long the event log of a finished job is kept; a sweep deletes the
 *     events of jobs that finished longer ago (the jobs and their results stay); zero keeps them
 *     forever; default 90 days
 * @param browserTaskCap the longest a task may run in a volunteer's browser, whatever its job's
 *     {@code taskTimeout} (its Web Worker is ended then); told to browsers by the sandbox page and
 *     the volunteer manifest; default 60 s
 * @param requestsPerSecond plain HTTP requests one IP address may make a second (bursts of twice
 *     as many); over it a 429 naming {@code requests-per-second}; a client on the server's own
 *     loopback address is exempt; 0 means no limit; default {@value #DEFAULT_REQUESTS_PER_SECOND}
 */
public record Limits(
        long maxCombineInputBytes,
        int maxTaskFailuresPerMinute,
        long maxJobEventBytes,
        Duration eventRetention,
        Duration browserTaskCap,
        int requestsPerSecond) {

    /** Default limit on a combine task's inputs: 256 MiB. */
    public static final long DEFAULT_MAX_COMBINE_INPUT_BYTES = 256L << 20;

    /** Default limit on a worker connection's failed tasks a minute. */
    public static final int DEFAULT_MAX_TASK_FAILURES_PER_MINUTE = 100;

    /** Default limit on a job's task event bytes: 16 MiB. */
    public static final long DEFAULT_MAX_JOB_EVENT_BYTES = 16L << 20;

    /** Default time a finished job's events are kept. */
    public static final Duration DEFAULT_EVENT_RETENTION = Duration.ofDays(90);

    /** Default longest task in a volunteer's browser. */
    public static final Duration DEFAULT_BROWSER_TASK_CAP = Duration.ofSeconds(60);

    /** Default limit on HTTP requests per address and second. */
    public static final int DEFAULT_REQUESTS_PER_SECOND = 50;

    /** Validates every field. */
    public Limits {
        require(
                maxCombineInputBytes >= 1024,
                "max-combine-input must be at least 1024 bytes, was " + maxCombineInputBytes);
        require(
                maxTaskFailuresPerMinute >= 0,
                "max-task-failures-per-minute must not be negative, was " + maxTaskFailuresPerMinute);
        require(maxJobEventBytes >= 1024, "max-job-event-bytes must be at least 1024 bytes, was " + maxJobEventBytes);
        Objects.requireNonNull(eventRetention, "eventRetention");
        require(
                eventRetention.isZero() || eventRetention.toMillis() >= 1000,
                "event-retention must be 0 (keep forever) or at least 1s, was " + eventRetention);
        Objects.requireNonNull(browserTaskCap, "browserTaskCap");
        require(browserTaskCap.toMillis() >= 1000, "browser-task-cap must be at least 1s, was " + browserTaskCap);
        require(requestsPerSecond >= 0, "requests-per-second must not be negative, was " + requestsPerSecond);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder of {@link Limits}; not thread-safe. Its setters are reached through {@link CoordinatorConfig.Builder}. */
    public static final class Builder {
        private long maxCombineInputBytes = DEFAULT_MAX_COMBINE_INPUT_BYTES;
        private int maxTaskFailuresPerMinute = DEFAULT_MAX_TASK_FAILURES_PER_MINUTE;
        private long maxJobEventBytes = DEFAULT_MAX_JOB_EVENT_BYTES;
        private Duration eventRetention = DEFAULT_EVENT_RETENTION;
        private Duration browserTaskCap = DEFAULT_BROWSER_TASK_CAP;
        private int requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND;

        private Builder() {}

        /** Sets {@link Limits#maxCombineInputBytes()}. */
        public Builder maxCombineInputBytes(long value) {
            this.maxCombineInputBytes = value;
            return this;
        }

        /** Sets {@link Limits#maxTaskFailuresPerMinute()}. */
        public Builder maxTaskFailuresPerMinute(int value) {
            this.maxTaskFailuresPerMinute = value;
            return this;
        }

        /** Sets {@link Limits#maxJobEventBytes()}. */
        public Builder maxJobEventBytes(long value) {
            this.maxJobEventBytes = value;
            return this;
        }

        /** Sets {@link Limits#eventRetention()}. */
        public Builder eventRetention(Duration value) {
            this.eventRetention = value;
            return this;
        }

        /** Sets {@link Limits#browserTaskCap()}. */
        public Builder browserTaskCap(Duration value) {
            this.browserTaskCap = value;
            return this;
        }

        /** Sets {@link Limits#requestsPerSecond()}. */
        public Builder requestsPerSecond(int value) {
            this.requestsPerSecond = value;
            return this;
        }

        /** Validates and builds the limits. */
        public Limits build() {
            return new Limits(
                    maxCombineInputBytes,
                    maxTaskFailuresPerMinute,
                    maxJobEventBytes,
                    eventRetention,
                    browserTaskCap,
                    requestsPerSecond);
        }
    }
}
