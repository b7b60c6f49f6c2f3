package io.partita.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.partita.store.StoreException.Kind;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StoreRetryTest {
    private static final StoreRetry.Policy POLICY =
            new StoreRetry.Policy(Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(60));

    /** A fake clock that advances only when the retry sleeps. */
    private long nanos;

    private final List<Duration> sleeps = new ArrayList<>();

    private StoreRetry retry(StoreRetry.Policy policy, double jitter) {
        return StoreRetry.of(
                policy,
                () -> nanos,
                d -> {
                    sleeps.add(d);
                    nanos += d.toNanos();
                },
                () -> jitter);
    }

    private static StoreException terminated() {
        return new StoreException(
                "cannot read the call cache: FATAL: terminating connection due to administrator command",
                new SQLException("FATAL: terminating connection due to administrator command", "57P01"));
    }

    @Test
    void call_transientFailures_retriesWithExponentialBackoffUntilSuccess() {
        AtomicInteger calls = new AtomicInteger();
        String value = retry(POLICY, 0.999_999).call("read the call cache", () -> {
            if (calls.incrementAndGet() <= 8) {
                throw terminated();
            }
            return "ok";
        });
        assertThat(value).isEqualTo("ok");
        assertThat(calls).hasValue(9);
        assertThat(sleeps)
                .extracting(d -> Math.round(d.toMillis() / 100.0) * 100)
                .containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L);
    }

    @Test
    void call_jitterScalesEachWait() {
        AtomicInteger calls = new AtomicInteger();
        retry(POLICY, 0.5).call("x", () -> {
            if (calls.incrementAndGet() <= 3) {
                throw terminated();
            }
            return 1;
        });
        assertThat(sleeps).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void call_permanentFailure_throwsAtOnceUnchanged() {
        StoreException permanent = new StoreException("cannot x: syntax error", new SQLException("syntax", "42601"));
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retry(POLICY, 0.5).call("x", () -> {
                    calls.incrementAndGet();
                    throw permanent;
                }))
                .isSameAs(permanent);
        assertThat(calls).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void call_otherExceptions_areNotRetried() {
        IllegalArgumentException bad = new IllegalArgumentException("store must be a jdbc URL");
        assertThatThrownBy(() -> retry(POLICY, 0.5).call("x", () -> {
                    throw bad;
                }))
                .isSameAs(bad);
    }

    @Test
    void call_ambiguousFailure_isRetriedOnlyWhenIdempotent() {
        StoreException ambiguous =
                new StoreException("cannot commit", new SQLException("gone", "08006"), Kind.AMBIGUOUS);
        assertThatThrownBy(() -> retry(POLICY, 0.5).call("x", () -> {
                    throw ambiguous;
                }))
                .isSameAs(ambiguous);

        AtomicInteger calls = new AtomicInteger();
        int v = retry(POLICY, 0.5).callIdempotent("x", () -> {
            if (calls.incrementAndGet() == 1) {
                throw ambiguous;
            }
            return 7;
        });
        assertThat(v).isEqualTo(7);
    }

    @Test
    void call_transientForever_givesUpWithinTheTimeoutNamingAttemptsAndCause() {
        AtomicInteger calls = new AtomicInteger();
        StoreException e = catchThrowableOfType(
                StoreException.class,
                () -> retry(POLICY, 0.999_999).call("open the store", () -> {
                    calls.incrementAndGet();
                    throw terminated();
                }));
        assertThat(nanos).isLessThanOrEqualTo(Duration.ofSeconds(60).toNanos());
        assertThat(e.getMessage())
                .startsWith("cannot open the store after " + calls.get() + " attempts in ")
                .contains("terminating connection due to administrator command");
        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(e.sqlState()).contains("57P01");
        assertThat(calls.get()).isBetween(14, 20);
    }

    @Test
    void call_zeroTimeout_triesOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retry(POLICY.withTimeout(Duration.ZERO), 0.5).call("x", () -> {
                    calls.incrementAndGet();
                    throw terminated();
                }))
                .isInstanceOf(StoreException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void call_interruptedWhileWaiting_throwsTheFailureAndKeepsTheFlag() {
        StoreException failure = terminated();
        StoreRetry interrupted = StoreRetry.of(
                POLICY,
                () -> 0,
                d -> {
                    throw new InterruptedException();
                },
                () -> 0.5);
        try {
            assertThatThrownBy(() -> interrupted.call("x", () -> {
                        throw failure;
                    }))
                    .isSameAs(failure);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void policy_invalidValues_areRejectedNamingTheField() {
        assertThatThrownBy(() -> new StoreRetry.Policy(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessage("initial-delay must be positive, was PT0S");
        assertThatThrownBy(() ->
                        new StoreRetry.Policy(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessage("max-delay must be at least initial-delay (PT2S), was PT1S");
        assertThatThrownBy(() -> POLICY.withTimeout(Duration.ofSeconds(-1)))
                .hasMessage("timeout must not be negative, was PT-1S");
    }
}
