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
    record TickRequest(String memberId, Intent intent, int actingRank, String label) {}

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
     */
    record Reply(
            long epoch,
            int size,
            int assignedRank,
            int heldRank,
            boolean stable,
            List<String> membersByRank,
            long expiresAtMs) {
        Reply {
            membersByRank = List.copyOf(membersByRank);
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
        List<MemberRow> live = new ArrayList<>();
        for (MemberRow r : state.members()) {
            boolean expired = r.expiresAtMs() <= nowMs;
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
            return new Decision(state, after, new Reply(epoch, n, NONE, NONE, isStable(after), byRank(next), nowMs));
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
                state, after, new Reply(epoch, n, assigned, held, isStable(after), byRank(next), expiresAt));
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
