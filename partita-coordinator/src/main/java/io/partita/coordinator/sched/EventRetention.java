package io.partita.coordinator.sched;

import io.partita.store.Store;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the event logs of jobs that finished more than {@code event-retention} ago (issue 18:
 * nothing was ever deleted). Run periodically by the coordinator's sweeper; the jobs, results and
 * failures stay. Several coordinators sharing a store may all run it: the delete is idempotent.
 * Thread-safe (stateless beyond its settings).
 */
public final class EventRetention {
    private static final Logger log = LoggerFactory.getLogger(EventRetention.class);

    private final Store store;
    private final Duration retention;
    private final LongSupplier millis;
    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();

    /** Keeps the events of finished jobs for {@code retention} (positive) by {@code millis}'s clock. */
    public EventRetention(Store store, Duration retention, LongSupplier millis) {
        if (retention.isZero() || retention.isNegative()) {
            throw new IllegalArgumentException("event-retention must be positive here, was " + retention);
        }
        this.store = store;
        this.retention = retention;
        this.millis = millis;
    }

    /** How often to sweep: a quarter of the retention, between 1 s and 1 h. */
    public Duration period() {
        long ms = Math.max(1000, Math.min(3_600_000, retention.toMillis() / 4));
        return Duration.ofMillis(ms);
    }

    /**
     * Starts a {@link #sweep()} on a virtual thread, unless one still runs: a long delete must not
     * hold up the sweeper thread that also expires leases.
     */
    public void sweepInBackground() {
        if (running.compareAndSet(false, true)) {
            Thread.ofVirtual().name("partita-event-retention").start(() -> {
                try {
                    sweep();
                } finally {
                    running.set(false);
                }
            });
        }
    }

    /** Deletes what is due; a store failure is logged and retried at the next sweep. */
    public void sweep() {
        try {
            long deleted = store.deleteEventsFinishedBefore(millis.getAsLong() - retention.toMillis());
            if (deleted > 0) {
                log.info("Deleted {} events of jobs finished more than {} ago (event-retention)", deleted, retention);
            }
        } catch (RuntimeException e) {
            log.warn("Cannot delete old events now: {}", e.getMessage());
        }
    }
}
