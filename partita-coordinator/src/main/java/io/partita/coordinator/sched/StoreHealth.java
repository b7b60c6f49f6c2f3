package io.partita.coordinator.sched;

import io.partita.store.StoreException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store is usable, as the coordinator last found it: a store failure (connection lost,
 * database restarting, disk full; see {@link StoreException#isStoreFailure()}) marks the store
 * degraded for the path that met it, and the next success on that path clears it. While degraded the
 * scheduler leases nothing new, the health endpoint says {@code degraded} with the reason, and a line
 * is logged when the condition starts and ends. Thread-safe.
 */
public final class StoreHealth {
    private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

    /** The paths on which the coordinator meets the store. */
    public enum Path {
        /** Commits of results, events and final states (the result writer). */
        WRITES,
        /** Reads of task inputs when tasks are sent. */
        READS,
        /** The blob store of datasets and data jobs' intermediate files (a full disk, an I/O error). */
        BLOBS
    }

    private final Map<Path, String> problems = new EnumMap<>(Path.class);
    /** Whether any path fails: read without a lock on the per-task path, written under this. */
    private volatile boolean degraded;

    private volatile Consumer<Boolean> listener = available -> {};
    private final ReentrantLock notifying = new ReentrantLock();
    private boolean told = true;

    /**
     * Hears whether the store became available (true) or not, one change at a time, under a lock of
     * its own (the listener must not call back into this class).
     */
    public void onChange(Consumer<Boolean> listener) {
        this.listener = listener;
    }

    /** The path met a store failure. */
    public void failed(Path path, StoreException e) {
        log.debug("Store failure on {}", path, e);
        failed(path, e.publicMessage());
    }

    /** The path met a failure of the given reason. */
    public void failed(Path path, String reason) {
        synchronized (this) {
            degraded = true;
            if (problems.put(path, reason) == null) {
                log.warn("The store is unavailable for {}: {}; new tasks wait until it is back", path, reason);
            } else {
                log.debug("The store is still unavailable for {}: {}", path, reason);
            }
        }
        tell();
    }

    /** The path works again. */
    public void recovered(Path path) {
        synchronized (this) {
            if (problems.remove(path) == null) {
                return;
            }
            degraded = !problems.isEmpty();
            log.info("The store is available again for {}", path);
        }
        tell();
    }

    /**
     * Tells the listener the current state if it changed since it was last told. Transitions on
     * different threads are told one at a time, and always the latest state, so the listener never
     * ends up paused while the store is available (or the reverse).
     */
    private void tell() {
        notifying.lock();
        try {
            boolean available;
            synchronized (this) {
                available = problems.isEmpty();
            }
            if (available != told) {
                told = available;
                listener.accept(available);
            }
        } finally {
            notifying.unlock();
        }
    }

    /** Whether the path met a failure it has not recovered from. */
    public boolean failing(Path path) {
        if (!degraded) {
            return false; // the common case, on every task sent: no lock
        }
        synchronized (this) {
            return problems.containsKey(path);
        }
    }

    /** Why the store is degraded, or empty when it is usable. */
    public synchronized Optional<String> problem() {
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems.values()));
    }
}
