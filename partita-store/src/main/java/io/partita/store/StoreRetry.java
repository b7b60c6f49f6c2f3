package io.partita.store;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repeats a store operation that failed because the store was unavailable, with exponential backoff
 * and full jitter, for at most a bounded total time. A {@link StoreException.Kind#PERMANENT} failure
 * (and any exception that is not a {@link StoreException}) is thrown at once, unchanged. Each failed
 * attempt is logged once, at WARN, with the original message and SQL state.
 *
 * <pre>{@code
 * StoreRetry retry = StoreRetry.of(StoreRetry.Policy.DEFAULT);
 * Store store = retry.call("open the store", () -> Store.open(url));
 * }</pre>
 *
 * <p>Immutable and thread-safe; one instance may serve many callers.
 */
public final class StoreRetry {
    private static final Logger log = LoggerFactory.getLogger(StoreRetry.class);

    /**
     * How to retry.
     *
     * @param initialDelay the longest wait before the second attempt; each later wait may be twice as
     *     long, up to {@code maxDelay} (the actual wait is uniformly random in [0, that bound])
     * @param maxDelay the longest wait between two attempts
     * @param timeout the longest total time spent, waits and attempts included; no attempt starts after
     *     it has passed
     */
    public record Policy(Duration initialDelay, Duration maxDelay, Duration timeout) {
        /** Default initial delay: 100 ms. */
        public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofMillis(100);

        /** Default maximum delay between attempts: 5 s. */
        public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(5);

        /** Default total time: 60 s. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

        /** Initial delay 100 ms, maximum delay 5 s, total 60 s. */
        public static final Policy DEFAULT = new Policy(DEFAULT_INITIAL_DELAY, DEFAULT_MAX_DELAY, DEFAULT_TIMEOUT);

        /** Validates the components. */
        public Policy {
            requirePositive("initial-delay", initialDelay);
            requirePositive("max-delay", maxDelay);
            Objects.requireNonNull(timeout, "timeout must not be null");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
            }
            if (maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException(
                        "max-delay must be at least initial-delay (" + initialDelay + "), was " + maxDelay);
            }
        }

        /**
         * Returns a copy with another total time.
         *
         * @param value the new timeout, not negative (zero: one attempt only)
         * @return the new policy
         */
        public Policy withTimeout(Duration value) {
            return new Policy(initialDelay, maxDelay, value);
        }

        private static void requirePositive(String name, Duration value) {
            Objects.requireNonNull(value, name + " must not be null");
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
        }
    }

    /** Waits between attempts; injected so that tests need not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        /** The real sleeper: {@link Thread#sleep(Duration)}. */
        Sleeper SYSTEM = Thread::sleep;

        /**
         * Waits for {@code duration}.
         *
         * @param duration how long, not negative
         * @throws InterruptedException if interrupted while waiting
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Policy policy;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final DoubleSupplier random;

    private StoreRetry(Policy policy, LongSupplier nanoTime, Sleeper sleeper, DoubleSupplier random) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * A retry with the system clock, real sleeps and random jitter.
     *
     * @param policy how to retry
     * @return the retry
     */
    public static StoreRetry of(Policy policy) {
        return new StoreRetry(
                policy,
                System::nanoTime,
                Sleeper.SYSTEM,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * A retry with an injected monotonic clock, sleeper and jitter source (for tests).
     *
     * @param policy how to retry
     * @param nanoTime a monotonic clock in nanoseconds
     * @param sleeper waits between attempts
     * @param random values in [0, 1) that scale each wait's bound
     * @return the retry
     */
    public static StoreRetry of(Policy policy, LongSupplier nanoTime, Sleeper sleeper, DoubleSupplier random) {
        return new StoreRetry(policy, nanoTime, sleeper, random);
    }

    /**
     * The policy.
     *
     * @return the policy
     */
    public Policy policy() {
        return policy;
    }

    /**
     * Runs {@code action}, repeating it while it fails with a {@link StoreException.Kind#TRANSIENT}
     * failure and time remains. An {@link StoreException.Kind#AMBIGUOUS} failure is thrown at once
     * (repeating a write whose first run may have landed is only safe for idempotent writes: use
     * {@link #callIdempotent}).
     *
     * @param what the operation, for the log ("open the store")
     * @param action the operation
     * @param <T> its result type
     * @return the action's result
     * @throws StoreException the permanent or ambiguous failure, unchanged; or, once time ran out, a
     *     transient exception whose message counts the attempts and whose cause is the last failure
     *     (the first failure is suppressed into it); if interrupted while waiting, the last failure
     *     with the interrupt flag set
     */
    public <T> T call(String what, Supplier<T> action) {
        return run(what, action, false);
    }

    /**
     * Like {@link #call}, but also repeats after an {@link StoreException.Kind#AMBIGUOUS} failure:
     * for actions that are safe to run twice (reads, upserts, conditional writes).
     *
     * @param what the operation, for the log
     * @param action the idempotent operation
     * @param <T> its result type
     * @return the action's result
     * @throws StoreException as for {@link #call}
     */
    public <T> T callIdempotent(String what, Supplier<T> action) {
        return run(what, action, true);
    }

    private <T> T run(String what, Supplier<T> action, boolean idempotent) {
        long start = nanoTime.getAsLong();
        long timeoutNanos = policy.timeout().toNanos();
        StoreException first = null;
        for (int attempt = 1; ; attempt++) {
            StoreException failure;
            try {
                T value = action.get();
                if (attempt > 1) {
                    log.info("Store available again: {} succeeded at attempt {}", what, attempt);
                }
                return value;
            } catch (StoreException e) {
                failure = e;
            }
            boolean retryable = failure.isTransient() || (idempotent && failure.isAmbiguous());
            if (!retryable) {
                throw failure;
            }
            if (first == null) {
                first = failure;
            }
            long elapsed = nanoTime.getAsLong() - start;
            long bound =
                    Math.min(policy.maxDelay().toNanos(), policy.initialDelay().toNanos() << Math.min(attempt - 1, 30));
            long wait = (long) (bound * random.getAsDouble());
            if (elapsed + wait >= timeoutNanos) {
                String sql = failure.sqlState().map(s -> ", SQL state " + s).orElse("");
                log.warn(
                        "Cannot {} (attempt {}, {} ms spent; giving up after {}{}): {}",
                        what,
                        attempt,
                        elapsed / 1_000_000,
                        policy.timeout(),
                        sql,
                        failure.getMessage());
                StoreException out = new StoreException(
                        "cannot " + what + " after " + attempt + " attempts in " + elapsed / 1_000_000 + " ms: "
                                + failure.getMessage(),
                        failure,
                        failure.kind());
                if (first != failure) {
                    out.addSuppressed(first);
                }
                throw out;
            }
            String sql = failure.sqlState().map(s -> ", SQL state " + s).orElse("");
            log.warn(
                    "Cannot {} (attempt {}{}; retrying in {} ms): {}",
                    what,
                    attempt,
                    sql,
                    wait / 1_000_000,
                    failure.getMessage());
            try {
                sleeper.sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure;
            }
        }
    }
}
