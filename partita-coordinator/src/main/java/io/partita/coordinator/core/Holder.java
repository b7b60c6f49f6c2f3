package io.partita.coordinator.core;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A connected worker as the core's ledger sees it: the credits it granted, the leases it holds, and
 * what it can run. A relay is a holder with many slots; the core does not know the difference.
 *
 * <p>The ledger's invariant, checked by the simulation after every step: {@code credits >= 0},
 * {@code debt >= 0}, and {@code credits + active + committing - debt == granted}, where {@code
 * active} counts leases that are not suspended (an expired attempt still occupies its worker until
 * the worker answers it, as workers always do, or is lost) and {@code committing} counts answers
 * accepted from this holder and not yet durable. Credits change only in {@link SchedulerCore}.
 * Guarded by the shell's lock.
 */
public final class Holder {
    /** The most credits a holder may have granted at once. */
    public static final int MAX_CREDITS = 1_000_000;

    /** Seconds of work, at a holder's observed rate, that it may hold at once. */
    public static final double HOLD_SECONDS = 2.0;

    /** The connection's id, e.g. {@code w12}. */
    public final String id;

    /** Who this is for quorum purposes: answers from one host never agree with each other. */
    public final String host;

    /** How many tasks it runs at once. */
    public final int slots;

    /** How far its answers are believed. */
    public final Trust trust;

    /** Its host's record of past answers (shared by the host's connections). */
    public final Reputation reputation;

    final Predicate<Work> canRun;
    final Map<Lease.Id, Lease> leases = new HashMap<>();
    final RateMeter rate = new RateMeter();

    int credits;
    int granted;
    int debt;
    int active;
    int suspended;
    int committing;
    boolean draining;
    boolean closed;
    long tasksDone;
    long tasksFailed;

    Holder(String id, String host, Trust trust, Reputation reputation, int slots, Predicate<Work> canRun) {
        this.id = id;
        this.host = host;
        this.trust = trust;
        this.reputation = reputation;
        this.slots = Math.max(1, slots);
        this.canRun = canRun;
    }

    /** Credits left: how many more tasks it asked for. */
    public int credits() {
        return credits;
    }

    /** Whether it takes no more work. */
    public boolean draining() {
        return draining;
    }

    /** Whether it was lost or closed. */
    public boolean closed() {
        return closed;
    }

    /** Answers of it that were made durable. */
    public long tasksDone() {
        return tasksDone;
    }

    /** Its attempts that failed. */
    public long tasksFailed() {
        return tasksFailed;
    }

    /** Its completions per second over the last ten seconds. */
    public double rate(long nowMillis) {
        return rate.perSecond(nowMillis);
    }

    /** The attempts it holds that occupy (or wait for) a slot: all but the suspended ones. */
    public int held() {
        return active;
    }

    /** A snapshot of its leases that are not expired, for views. */
    public java.util.List<Lease> liveLeases() {
        java.util.List<Lease> out = new java.util.ArrayList<>();
        for (Lease lease : leases.values()) {
            if (!lease.expired) {
                out.add(lease);
            }
        }
        return out;
    }

    /**
     * The most tasks it may hold at once, whatever credits it granted: two per slot, or {@value
     * #HOLD_SECONDS} seconds of work at its observed rate if that is more. A slow phone holds a task
     * or two per slot; a fast desktop's pipeline grows with its speed; nobody hoards what others
     * could run.
     */
    public int allowance(long nowMillis) {
        long byRate = (long) Math.ceil(rate.perSecond(nowMillis) * HOLD_SECONDS);
        return (int) Math.min(MAX_CREDITS, Math.max(2L * slots, byRate));
    }

    /** Takes one credit for a new or resumed lease (a resumed one may run into debt). */
    void take() {
        if (credits > 0) {
            credits--;
        } else {
            debt++;
        }
    }

    /** Gives one credit back: a lease ended, was suspended, or expired. */
    void giveBack() {
        if (debt > 0) {
            debt--;
        } else if (draining) {
            granted--;
        } else {
            credits++;
        }
    }

    /** Checks the ledger's invariant; returns a description of the breach, or null. */
    String ledgerBreach() {
        int countedActive = 0;
        int countedSuspended = 0;
        for (Lease lease : leases.values()) {
            if (lease.suspended) {
                countedSuspended++;
            } else {
                countedActive++;
            }
        }
        if (countedActive != active || countedSuspended != suspended) {
            return id + ": counts active " + active + "/" + countedActive + ", suspended " + suspended + "/"
                    + countedSuspended;
        }
        if (credits < 0 || debt < 0 || committing < 0) {
            return id + ": negative credits " + credits + ", debt " + debt + " or committing " + committing;
        }
        if (!closed && credits + active + committing - debt != granted) {
            return id + ": credits " + credits + " + active " + active + " + committing " + committing + " - debt "
                    + debt + " != granted " + granted;
        }
        return null;
    }

    @Override
    public String toString() {
        return id;
    }
}
