package io.partita.coordinator.auth;

import io.partita.store.AuditEntry;
import io.partita.store.Store;
import io.partita.store.StoreException;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only audit log: admin actions (tokens made and revoked, jobs of others cancelled,
 * the cache cleared) and refused credentials, each with who, what, when and from where. Refusals
 * are bounded to {@link #MAX_REFUSALS_PER_MINUTE} rows a minute, so that a flood of bad tokens
 * cannot fill the store; the rest are counted in the log. Thread-safe.
 */
public final class Audit {
    private static final Logger log = LoggerFactory.getLogger(Audit.class);

    /** Most refusal rows written per minute. */
    static final int MAX_REFUSALS_PER_MINUTE = 120;

    private final Store store;
    private final LongSupplier clock;
    private long minute;
    private int refusals;
    private long dropped;

    /** An audit log in {@code store}, timed by {@code clock} (epoch milliseconds). */
    public Audit(Store store, LongSupplier clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Records an action that was carried out. */
    public void action(String actor, String action, String target, String remote) {
        append(actor, action, target, "ok", remote);
    }

    /** Records refused credentials (bounded per minute). */
    public void refused(String actor, String target, String why, String remote) {
        long now = clock.getAsLong();
        synchronized (this) {
            if (now / 60_000 != minute) {
                if (dropped > 0) {
                    log.warn("Audit: {} more refused requests in the last minute were not recorded", dropped);
                }
                minute = now / 60_000;
                refusals = 0;
                dropped = 0;
            }
            if (++refusals > MAX_REFUSALS_PER_MINUTE) {
                dropped++;
                return;
            }
        }
        append(actor, "auth.refused", target, why, remote);
    }

    private void append(String actor, String action, String target, String outcome, String remote) {
        try {
            store.audit(new AuditEntry(
                    UUID.randomUUID().toString(), clock.getAsLong(), actor, action, cut(target), cut(outcome), remote));
        } catch (StoreException e) {
            log.warn("Audit: cannot record {} {} by {}: {}", action, target, actor, e.getMessage());
        }
    }

    private static String cut(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** The newest {@code limit} entries, newest first. */
    public List<AuditEntry> recent(int limit) {
        return store.auditLog(limit);
    }
}
