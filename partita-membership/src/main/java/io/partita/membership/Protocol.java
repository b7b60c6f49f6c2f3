package io.partita.membership;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The database side of the membership protocol as a pure function: given the group's rows, the
 * database clock and one member's request, compute the group's next rows and the reply. Both the
 * JDBC store and the simulator call {@link #decide}; the caller guarantees that it runs under the
 * group's lock (PostgreSQL {@code SELECT ... FOR UPDATE} on the group row, SQLite {@code BEGIN
 * IMMEDIATE}).
 *
 * <p>Each member row has an <em>assigned</em> rank, which any member may change while compacting
 * the group, and a <em>held</em> rank, which only the member itself changes. A member acts only on
 * a rank it holds. The rules, applied by every tick of every member (there is no leader):
 *
 * <ol>
 *   <li>Rows whose expiry is not after the database's now are dead and deleted, and so is the
 *       requester's row if it is leaving.
 *   <li>A requester without a live row is inserted with no rank (a join, or a rejoin after its row
 *       expired).
 *   <li>Ranks are compacted to {@code 0..N-1} moving as few members as possible: a member keeps an
 *       assigned rank below N that no one else keeps; the others (joiners, and members whose rank
 *       is now at or above N) take the free ranks, highest old rank first, lowest free rank first.
 *       So a leaver's rank goes to the highest-ranked member, a joiner takes rank N.
 *   <li>If the set of members or any assigned rank changed, the epoch increases by one.
 *   <li>The requester renews its row until {@code now + leaseTimeout}. Its held rank becomes its
 *       assigned rank if it holds it already, or if it is not acting on any rank and no other live
 *       row holds the assigned rank. A member still acting on an old rank keeps holding it (it is
 *       told to stop, and releases it on its next tick); a rank held by another live row is never
 *       taken. The requester acknowledges the epoch when its held rank equals its assigned rank.
 * </ol>
 *
 * <p>Invariants after every decision: assigned ranks are exactly {@code 0..N-1}; held ranks are
 * unique; the epoch never decreases.
 */
final class Protocol {

    private Protocol() {}

    /** No rank held or assigned. */
    static final int NONE = -1;

    /** What a member asks for in a tick. */
    enum Intent {
        /** Join if absent, otherwise renew. */
        RENEW,
        /** Leave the group now. */
        LEAVE
    }

    /**
     * One member's row.
     *
     * @param memberId the member
     * @param assignedRank the rank the group assigned to it, or NONE
     * @param heldRank the rank the member holds and may act on, or NONE
     * @param ackedEpoch the last epoch at which the member held its assigned rank
     * @param expiresAtMs the lease expiry, database clock, ms since the Unix epoch
     * @param joinedAtMs when the row was inserted, database clock
     * @param label operator label
     */
    record MemberRow(
            String memberId,
            int assignedRank,
            int heldRank,
            long ackedEpoch,
            long expiresAtMs,
            long joinedAtMs,
            String label) {
        MemberRow {
            Objects.requireNonNull(memberId);
            Objects.requireNonNull(label);
        }

        MemberRow withAssigned(int rank) {
            return new MemberRow(memberId, rank, heldRank, ackedEpoch, expiresAtMs, joinedAtMs, label);
        }
    }

    /**
     * The group as stored: its epoch and its rows.
     *
     * @param epoch the group's epoch, 0 for a new group
     * @param members the rows, in any order
     */
    record GroupState(long epoch, List<MemberRow> members) {
        GroupState {
            members = List.copyOf(members);
        }

        static GroupState empty() {
            return new GroupState(0, List.of());
        }

        Optional<MemberRow> member(String id) {
            return members.stream().filter(r -> r.memberId().equals(id)).findFirst();
        }
    }

    /**
     * A member's request.
     *
     * @param memberId the requester
     * @param intent renew/join, or leave
     * @param actingRank the rank the member is acting on at the time it sent the request, or NONE;
     *     the member promises not to start acting on anything until it sees the reply
     * @param label operator label stored on insert
     */
    record TickRequest(String memberId, Intent intent, int actingRank, String label, ClockCheck clock) {
        TickRequest(String memberId, Intent intent, int actingRank, String label) {
            this(memberId, intent, actingRank, label, ClockCheck.OFF);
        }
    }

    /**
     * What a requester knows to check the database's clock against, where each process supplies
     * that clock (SQLite): its safety margin and what it saw at its previous successful tick.
     *
     * @param enabled whether to check at all (false: one database clock, as with PostgreSQL)
     * @param marginMs the largest disagreement tolerated, ms
     * @param observed whether the requester has seen the group before (in this incarnation)
     * @param seenNowMs the database clock at that earlier tick
     * @param seenExpiries the other members' expiries at that earlier tick, by member id
     */
    record ClockCheck(
            boolean enabled, long marginMs, boolean observed, long seenNowMs, Map<String, Long> seenExpiries) {
        static final ClockCheck OFF = new ClockCheck(false, 0, false, 0, Map.of());

        ClockCheck {
            seenExpiries = Map.copyOf(seenExpiries);
        }
    }

    /** What the clock check concluded. */
    enum Verdict {
        /** The clocks agree (or were not checked); the tick was decided as usual. */
        AGREED,
        /**
         * The requester saw the group for the first time and found rows it would delete as expired:
         * nothing was written; it must look again after a heartbeat, so that the clocks can be
         * compared on rows renewed in between, before it joins or deletes anything.
         */
        OBSERVING,
        /**
         * The requester's clock disagrees with the times most other members wrote by more than the
         * margin: nothing was written; it must not act.
         */
        CLOCK_SKEW
    }

    /**
     * What the requester learns.
     *
     * @param epoch the group's epoch after the tick
     * @param size the number of live members
     * @param assignedRank the requester's assigned rank, NONE if it left
     * @param heldRank the requester's held rank, NONE if none
     * @param stable whether every live member holds its assigned rank at this epoch
     * @param membersByRank member ids indexed by assigned rank
     * @param expiresAtMs the requester's new expiry on the database clock
     * @param verdict what the clock check concluded
     * @param skewMs with CLOCK_SKEW, how far the other members' times are from the requester's clock
     *     (positive: theirs are later), ms; otherwise 0
     * @param nowMs the database clock used for the tick
     * @param expiries the other members' expiries as read, by member id
     */
    record Reply(
            long epoch,
            int size,
            int assignedRank,
            int heldRank,
            boolean stable,
            List<String> membersByRank,
            long expiresAtMs,
            Verdict verdict,
            long skewMs,
            long nowMs,
            Map<String, Long> expiries) {
        Reply {
            membersByRank = List.copyOf(membersByRank);
            expiries = Map.copyOf(expiries);
        }

        Reply(
                long epoch,
                int size,
                int assignedRank,
                int heldRank,
                boolean stable,
                List<String> membersByRank,
                long expiresAtMs) {
            this(
                    epoch,
                    size,
                    assignedRank,
                    heldRank,
                    stable,
                    membersByRank,
                    expiresAtMs,
                    Verdict.AGREED,
                    0,
                    0,
                    Map.of());
        }
    }

    /**
     * The outcome of a tick.
     *
     * @param before the state read
     * @param after the state to write
     * @param reply what the requester learns
     */
    record Decision(GroupState before, GroupState after, Reply reply) {
        /** Whether the group row (epoch) must be written. */
        boolean epochChanged() {
            return after.epoch() != before.epoch();
        }

        /** Rows to delete: in before, not in after. */
        List<String> deleted() {
            Set<String> kept = new HashSet<>();
            after.members().forEach(r -> kept.add(r.memberId()));
            return before.members().stream()
                    .map(MemberRow::memberId)
                    .filter(id -> !kept.contains(id))
                    .toList();
        }

        /** Rows to insert: in after, not in before. */
        List<MemberRow> inserted() {
            Set<String> old = new HashSet<>();
            before.members().forEach(r -> old.add(r.memberId()));
            return after.members().stream()
                    .filter(r -> !old.contains(r.memberId()))
                    .toList();
        }

        /** Rows to update: in both, changed. */
        List<MemberRow> updated() {
            Map<String, MemberRow> old = new HashMap<>();
            before.members().forEach(r -> old.put(r.memberId(), r));
            return after.members().stream()
                    .filter(r -> old.containsKey(r.memberId())
                            && !old.get(r.memberId()).equals(r))
                    .toList();
        }
    }

    /**
     * Decides one tick.
     *
     * @param state the group's rows, read under the group's lock
     * @param nowMs the database clock, read under the lock
     * @param request the requester's request
     * @param leaseMs the lease timeout in ms
     * @return the decision
     */
    static Decision decide(GroupState state, long nowMs, TickRequest request, long leaseMs) {
        String me = request.memberId();
        ClockCheck clock = request.clock();
        Map<String, Long> expiries = new HashMap<>();
        for (MemberRow r : state.members()) {
            if (!r.memberId().equals(me)) {
                expiries.put(r.memberId(), r.expiresAtMs());
            }
        }
        if (clock.enabled() && request.intent() == Intent.RENEW) {
            Optional<Decision> refused = checkClock(state, nowMs, request, leaseMs, expiries);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        List<MemberRow> live = new ArrayList<>();
        for (MemberRow r : state.members()) {
            boolean expired = r.expiresAtMs() <= nowMs && (r.memberId().equals(me) || deletable(r, clock));
            boolean leaving = r.memberId().equals(me) && request.intent() == Intent.LEAVE;
            if (!expired && !leaving) {
                live.add(r);
            }
        }
        boolean membershipChanged = live.size() != state.members().size();
        boolean fresh = false;
        if (request.intent() == Intent.RENEW
                && live.stream().noneMatch(r -> r.memberId().equals(me))) {
            live.add(new MemberRow(me, NONE, NONE, 0, nowMs + leaseMs, nowMs, request.label()));
            membershipChanged = true;
            fresh = true;
        }

        // Compact assigned ranks to 0..n-1, moving as few members as possible.
        int n = live.size();
        live.sort(Comparator.comparingLong(MemberRow::joinedAtMs).thenComparing(MemberRow::memberId));
        boolean[] taken = new boolean[n];
        List<MemberRow> needing = new ArrayList<>();
        Map<String, Integer> rank = new HashMap<>();
        for (MemberRow r : live) {
            int a = r.assignedRank();
            if (a >= 0 && a < n && !taken[a]) {
                taken[a] = true;
                rank.put(r.memberId(), a);
            } else {
                needing.add(r);
            }
        }
        needing.sort(Comparator.comparingInt((MemberRow r) -> -r.assignedRank())
                .thenComparingLong(MemberRow::joinedAtMs)
                .thenComparing(MemberRow::memberId));
        int free = 0;
        for (MemberRow r : needing) {
            while (taken[free]) {
                free++;
            }
            taken[free] = true;
            rank.put(r.memberId(), free);
        }
        boolean ranksChanged = false;
        List<MemberRow> next = new ArrayList<>(n);
        for (MemberRow r : live) {
            int a = rank.get(r.memberId());
            if (a != r.assignedRank()) {
                ranksChanged = true;
                r = r.withAssigned(a);
            }
            next.add(r);
        }
        long epoch = state.epoch() + (membershipChanged || ranksChanged ? 1 : 0);

        if (request.intent() == Intent.LEAVE) {
            GroupState after = new GroupState(epoch, next);
            return new Decision(
                    state,
                    after,
                    new Reply(
                            epoch,
                            n,
                            NONE,
                            NONE,
                            isStable(after),
                            byRank(next),
                            nowMs,
                            Verdict.AGREED,
                            0,
                            nowMs,
                            expiries));
        }

        // The requester's own row.
        int mine = indexOf(next, me);
        MemberRow row = next.get(mine);
        int held = row.heldRank();
        int assigned = row.assignedRank();
        if (held != assigned) {
            boolean acting = !fresh && request.actingRank() != NONE;
            if (!acting && !heldByOther(next, me, assigned)) {
                held = assigned;
            } else if (!acting) {
                held = NONE;
            }
            // else: still acting on its old held rank; keep holding it until the member has stopped.
        }
        long acked = held == assigned ? epoch : row.ackedEpoch();
        long expiresAt = nowMs + leaseMs;
        row = new MemberRow(me, assigned, held, acked, expiresAt, row.joinedAtMs(), row.label());
        next.set(mine, row);
        GroupState after = new GroupState(epoch, next);
        return new Decision(
                state,
                after,
                new Reply(
                        epoch,
                        n,
                        assigned,
                        held,
                        isStable(after),
                        byRank(next),
                        expiresAt,
                        Verdict.AGREED,
                        0,
                        nowMs,
                        expiries));
    }

    /**
     * Whether an expired row may be deleted. With the clock check on, only a row the requester saw
     * with the same expiry at its previous tick: a live member renews its row every heartbeat, so a
     * row that looks expired but changed since (or was never seen) says more about the requester's
     * clock than about the member, and is left for a later tick.
     */
    private static boolean deletable(MemberRow r, ClockCheck clock) {
        if (!clock.enabled()) {
            return true;
        }
        Long seen = clock.seenExpiries().get(r.memberId());
        return clock.observed() && seen != null && seen == r.expiresAtMs();
    }

    /**
     * Checks the requester's clock against the renewal times the other members wrote (their expiry
     * minus the lease; members of a group share the lease timeout). A renewal later than the
     * requester's now, or a renewal made since its previous tick but stamped before that tick's
     * now, disagrees by more than the margin. Returns a decision that changes nothing if the clock
     * disagrees with more than half of the rows that could be checked, or if the requester is new,
     * finds rows it would delete, and must first observe the group.
     */
    private static Optional<Decision> checkClock(
            GroupState state, long nowMs, TickRequest request, long leaseMs, Map<String, Long> expiries) {
        ClockCheck clock = request.clock();
        int checkable = 0;
        int disagreeing = 0;
        long skew = 0;
        boolean unseenExpired = false;
        for (MemberRow r : state.members()) {
            if (r.memberId().equals(request.memberId())) {
                continue;
            }
            long renewedAt = r.expiresAtMs() - leaseMs;
            Long seen = clock.seenExpiries().get(r.memberId());
            boolean changed = clock.observed() && (seen == null || seen != r.expiresAtMs());
            boolean future = renewedAt - nowMs > clock.marginMs();
            if (future || changed) {
                checkable++;
                if (future) {
                    disagreeing++;
                    skew = renewedAt - nowMs;
                } else if (clock.seenNowMs() - renewedAt > clock.marginMs()) {
                    disagreeing++;
                    skew = renewedAt - clock.seenNowMs();
                }
            }
            if (!clock.observed() && r.expiresAtMs() <= nowMs) {
                unseenExpired = true;
            }
        }
        Verdict verdict;
        if (disagreeing > 0 && disagreeing * 2 > checkable) {
            verdict = Verdict.CLOCK_SKEW;
        } else if (unseenExpired) {
            verdict = Verdict.OBSERVING;
        } else {
            return Optional.empty();
        }
        int n = state.members().size();
        List<String> members = n == 0 || !ranksCompact(state) ? List.of() : byRank(state.members());
        Reply reply = new Reply(
                state.epoch(),
                n,
                NONE,
                NONE,
                false,
                members,
                nowMs,
                verdict,
                verdict == Verdict.CLOCK_SKEW ? skew : 0,
                nowMs,
                expiries);
        return Optional.of(new Decision(state, state, reply));
    }

    private static boolean ranksCompact(GroupState s) {
        boolean[] seen = new boolean[s.members().size()];
        for (MemberRow r : s.members()) {
            int a = r.assignedRank();
            if (a < 0 || a >= seen.length || seen[a]) {
                return false;
            }
            seen[a] = true;
        }
        return true;
    }

    static boolean isStable(GroupState s) {
        for (MemberRow r : s.members()) {
            if (r.heldRank() != r.assignedRank() || r.ackedEpoch() != s.epoch()) {
                return false;
            }
        }
        return true;
    }

    private static boolean heldByOther(List<MemberRow> rows, String me, int rank) {
        for (MemberRow r : rows) {
            if (!r.memberId().equals(me) && r.heldRank() == rank) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(List<MemberRow> rows, String id) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).memberId().equals(id)) {
                return i;
            }
        }
        throw new IllegalStateException("member " + id + " missing");
    }

    private static List<String> byRank(List<MemberRow> rows) {
        String[] ids = new String[rows.size()];
        for (MemberRow r : rows) {
            ids[r.assignedRank()] = r.memberId();
        }
        return List.of(ids);
    }
}
