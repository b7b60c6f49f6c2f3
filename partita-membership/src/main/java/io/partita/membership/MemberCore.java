package io.partita.membership;

import io.partita.membership.Protocol.ClockCheck;
import io.partita.membership.Protocol.Intent;
import io.partita.membership.Protocol.Reply;
import io.partita.membership.Protocol.TickRequest;
import io.partita.membership.Protocol.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The member side of the protocol as a pure state machine over an injected monotonic time; not
 * thread-safe (the caller holds a lock). Used by {@link JdbcMembership} and by the simulator.
 *
 * <p>Fencing: before sending each tick the member records its local time {@code t0}. The database
 * stamps the row's expiry as {@code dbNow + lease}, where {@code dbNow} is read after the request
 * arrived, so later than {@code t0}. On a successful reply the member may act until {@code t0 +
 * lease - margin} on its own clock, which passes before the row's expiry passes on the database's
 * clock; no one else can take the rank before that expiry. Every use of the lease ({@link
 * #lease(long)}) compares the current time with the deadline, so a member that was paused past its
 * deadline finds no lease when it wakes and must complete a new tick first.
 *
 * <p>States: not acting (no lease) and acting (a lease on one rank at one epoch, with a deadline).
 * A reply that confirms the held rank equals the assigned rank starts or extends the lease; any
 * other reply ends it and asks for an immediate retick, in which the member, now not acting, lets
 * the database move it. Failures leave the lease to run out at its deadline.
 */
final class MemberCore {

    /**
     * A lease on a rank.
     *
     * @param rank the rank held
     * @param size the group's size
     * @param epoch the epoch
     * @param deadlineNanos local monotonic time until which the member may act (exclusive)
     * @param stable whether the view was stable
     * @param members member ids by rank
     */
    record Lease(int rank, int size, long epoch, long deadlineNanos, boolean stable, List<String> members) {}

    /** Summary of what the member knows, for building views. */
    record Snapshot(MemberState state, int rank, int size, long epoch, boolean stable, List<String> members) {}

    private final String memberId;
    private final String label;
    private final long leaseNanos;
    private final long marginNanos;

    private Lease lease;
    private Reply lastReply;
    private boolean everActed;
    private boolean inFlight;
    private long t0;
    private boolean retickSoon;
    private boolean closed;
    private boolean fenced;
    private long lapses;
    private boolean retickImmediately;
    private boolean checkClocks;
    private boolean observed;
    private long seenNowMs;
    private Map<String, Long> seenExpiries = Map.of();
    private boolean skewed;
    private long clockSkewMs;

    MemberCore(String memberId, String label, long leaseNanos, long marginNanos) {
        this.memberId = memberId;
        this.label = label;
        this.leaseNanos = leaseNanos;
        this.marginNanos = marginNanos;
    }

    /**
     * Turns the clock check on or off (default off). On where each process supplies the database's
     * clock (SQLite): each tick then carries what the member saw at its previous tick, so that the
     * database side can compare the member's clock with the times the others wrote (see {@link
     * Protocol.ClockCheck}).
     */
    void checkClocks(boolean on) {
        checkClocks = on;
    }

    /**
     * How far the other members' clocks were from this member's at the tick that found them to
     * disagree (positive: theirs are later), in ms; 0 unless the member is refusing to act.
     */
    long clockSkewMs() {
        return clockSkewMs;
    }

    /** Whether the last reply said this member's clock disagrees with the group's. */
    boolean clockSkewed() {
        return skewed;
    }

    static String newMemberId() {
        return UUID.randomUUID().toString();
    }

    String memberId() {
        return memberId;
    }

    /** Prepares a tick sent at local time {@code nowNanos}, with no work in progress. */
    TickRequest prepare(long nowNanos, Intent intent) {
        return prepare(nowNanos, intent, Protocol.NONE);
    }

    /**
     * Prepares a tick sent at local time {@code nowNanos}. {@code busyRank} is a rank on which work
     * started under an earlier lease is still running (or NONE): the member is still acting on it, so
     * the database must not let it go yet.
     */
    TickRequest prepare(long nowNanos, Intent intent, int busyRank) {
        if (inFlight) {
            throw new IllegalStateException("a tick is already in flight for " + memberId);
        }
        if (intent == Intent.LEAVE) {
            stopActing();
        }
        Optional<Lease> acting = lease(nowNanos);
        if (acting.isEmpty()) {
            if (lease != null) {
                fenced = true; // the lease lapsed before this renewal: it was not renewed in time
                lapses++;
            }
            lease = null;
        }
        inFlight = true;
        t0 = nowNanos;
        retickSoon = false;
        int actingRank = acting.map(Lease::rank).orElse(busyRank);
        ClockCheck check = checkClocks
                ? new ClockCheck(true, marginNanos / 1_000_000, observed, seenNowMs, seenExpiries)
                : ClockCheck.OFF;
        return new TickRequest(memberId, intent, actingRank, label, check);
    }

    /** Applies the reply to the tick in flight, received at local time {@code nowNanos}. */
    void onReply(Reply reply, long nowNanos) {
        requireInFlight();
        inFlight = false;
        if (checkClocks) {
            observed = true;
            seenNowMs = reply.nowMs();
            seenExpiries = reply.expiries();
        }
        if (reply.verdict() != Verdict.AGREED) {
            // Nothing was written; stop acting at once and look again after a heartbeat.
            if (lease != null) {
                lapses++;
            }
            lease = null;
            fenced = false;
            retickSoon = false;
            retickImmediately = false;
            skewed = reply.verdict() == Verdict.CLOCK_SKEW;
            clockSkewMs = skewed ? reply.skewMs() : 0;
            return;
        }
        skewed = false;
        clockSkewMs = 0;
        lastReply = reply;
        long deadline = t0 + leaseNanos - marginNanos;
        boolean holdsAssigned = reply.heldRank() != Protocol.NONE && reply.heldRank() == reply.assignedRank();
        fenced = false;
        Optional<Lease> current = lease(nowNanos);
        retickImmediately = current.isPresent();
        boolean sameRank = current.isEmpty() || current.get().rank() == reply.heldRank();
        if (closed || !holdsAssigned || !sameRank || nowNanos - deadline >= 0) {
            if (lease != null && lease(nowNanos).isEmpty()) {
                fenced = true;
                lapses++;
            }
            lease = null;
            retickSoon = !closed && reply.assignedRank() != Protocol.NONE;
            return;
        }
        lease = new Lease(
                reply.heldRank(), reply.size(), reply.epoch(), deadline, reply.stable(), reply.membersByRank());
        everActed = true;
    }

    /** Records that the tick in flight failed or its outcome is unknown. */
    void onFailure() {
        requireInFlight();
        inFlight = false;
    }

    /** Stops acting now (before leaving, or when aborted). */
    void stopActing() {
        lease = null;
        fenced = false;
    }

    /** Marks the member closed: it never acts again. */
    void close() {
        closed = true;
        lease = null;
    }

    boolean inFlight() {
        return inFlight;
    }

    /**
     * Whether the last reply left the member without the rank it is assigned, so it should tick again
     * soon rather than after a full heartbeat.
     */
    boolean retickSoon() {
        return retickSoon;
    }

    /**
     * Whether the member should tick again at once: it just stopped acting on an old rank, which it
     * releases in the next tick.
     */
    boolean retickImmediately() {
        return retickSoon && retickImmediately;
    }

    /**
     * How many times a lease this member held lapsed without a renewal. A fence can be over before
     * anyone looks (the member already rejoined); this count lets work that ran under an old lease
     * learn that it was fenced in between.
     */
    long lapses() {
        return lapses;
    }

    /** The lease valid at local time {@code nowNanos}, if any. */
    Optional<Lease> lease(long nowNanos) {
        Lease l = lease;
        if (l == null || closed || !isValid(l, nowNanos)) {
            return Optional.empty();
        }
        return Optional.of(l);
    }

    /** Whether a lease still allows acting at local time {@code nowNanos}: the fencing rule. */
    static boolean isValid(Lease l, long nowNanos) {
        return nowNanos - l.deadlineNanos() < 0;
    }

    /** The deadline of the current lease object even if lapsed, for the watchdog. */
    Optional<Lease> rawLease() {
        return Optional.ofNullable(lease);
    }

    /** What the member knows at local time {@code nowNanos}. */
    Snapshot snapshot(long nowNanos) {
        if (closed) {
            return new Snapshot(MemberState.CLOSED, View.NO_RANK, size(), epoch(), false, members());
        }
        Optional<Lease> l = lease(nowNanos);
        if (l.isPresent()) {
            Lease x = l.get();
            return new Snapshot(MemberState.ACTIVE, x.rank(), x.size(), x.epoch(), x.stable(), x.members());
        }
        MemberState state;
        if (skewed) {
            state = MemberState.CLOCK_SKEW;
        } else if (lease != null || fenced) {
            state = MemberState.FENCED; // lease lapsed without a successful renewal
        } else if (lastReply == null) {
            state = MemberState.JOINING;
        } else {
            state = MemberState.TRANSITIONING;
        }
        return new Snapshot(state, View.NO_RANK, size(), epoch(), false, members());
    }

    boolean everActed() {
        return everActed;
    }

    private int size() {
        return lastReply == null ? 0 : lastReply.size();
    }

    private long epoch() {
        return lastReply == null ? 0 : lastReply.epoch();
    }

    private List<String> members() {
        return lastReply == null ? List.of() : lastReply.membersByRank();
    }

    private void requireInFlight() {
        if (!inFlight) {
            throw new IllegalStateException("no tick in flight for " + memberId);
        }
    }
}
