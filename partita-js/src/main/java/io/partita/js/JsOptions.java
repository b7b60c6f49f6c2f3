package io.partita.js;

import java.time.Duration;

/**
 * Settings of a {@link JsRuntime}: immutable, validated once at construction.
 *
 * @param statementLimit the most JavaScript statements one call may execute before it fails with
 *     "statement limit exceeded"; {@code 0} turns the bound off (the default, {@link
 *     #DEFAULT_STATEMENT_LIMIT}): the per-call timeout is what stops runaway code, and counting
 *     statements costs speed even under the JIT
 * @param poolSizePerModule how many idle contexts are kept per module for reuse, at least 1
 *     (default: the number of available processors); more concurrent calls than this still run, on
 *     contexts created for them and closed afterwards
 * @param maxOutputChars the longest JSON text a call may return (default 16 MiB, the coordinator's
 *     default message limit); a longer one fails the call
 * @param defaultTimeout the time limit of calls made without an explicit one (default 60 s); must be
 *     positive
 */
public record JsOptions(long statementLimit, int poolSizePerModule, int maxOutputChars, Duration defaultTimeout) {

    /** The default statement bound: {@code 0}, off. */
    public static final long DEFAULT_STATEMENT_LIMIT = 0;

    /** The default output limit: 16 MiB of JSON text. */
    public static final int DEFAULT_MAX_OUTPUT_CHARS = 16 * 1024 * 1024;

    /** The default time limit of one call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Validates the settings. */
    public JsOptions {
        if (statementLimit < 0) {
            throw new IllegalArgumentException("statementLimit must be 0 (off) or positive, was " + statementLimit);
        }
        if (poolSizePerModule < 1 || poolSizePerModule > 1024) {
            throw new IllegalArgumentException(
                    "poolSizePerModule must be between 1 and 1024, was " + poolSizePerModule);
        }
        if (maxOutputChars < 16) {
            throw new IllegalArgumentException("maxOutputChars must be at least 16, was " + maxOutputChars);
        }
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            throw new IllegalArgumentException("defaultTimeout must be positive, was " + defaultTimeout);
        }
    }

    /** The defaults: no statement bound, one idle context per processor, 16 MiB output, 60 s. */
    public static JsOptions defaults() {
        return new JsOptions(
                DEFAULT_STATEMENT_LIMIT,
                Runtime.getRuntime().availableProcessors(),
                DEFAULT_MAX_OUTPUT_CHARS,
                DEFAULT_TIMEOUT);
    }

    /** A copy with the given statement bound ({@code 0} = off). */
    public JsOptions withStatementLimit(long limit) {
        return new JsOptions(limit, poolSizePerModule, maxOutputChars, defaultTimeout);
    }

    /** A copy with the given number of idle contexts kept per module. */
    public JsOptions withPoolSizePerModule(int size) {
        return new JsOptions(statementLimit, size, maxOutputChars, defaultTimeout);
    }

    /** A copy with the given output limit in characters of JSON text. */
    public JsOptions withMaxOutputChars(int chars) {
        return new JsOptions(statementLimit, poolSizePerModule, chars, defaultTimeout);
    }
}
