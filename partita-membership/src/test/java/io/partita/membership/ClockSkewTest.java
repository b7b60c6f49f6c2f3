package io.partita.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.membership.MemberCore.Lease;
import io.partita.membership.Protocol.Decision;
import io.partita.membership.Protocol.GroupState;
import io.partita.membership.Protocol.Intent;
import io.partita.membership.Protocol.MemberRow;
import io.partita.membership.Protocol.Reply;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Members whose wall clocks disagree, as with SQLite, where each process reads its own clock as the
 * database's: the real {@link Protocol#decide} as the database, real {@link MemberCore}s, one
 * global time in ms, instant transactions, deterministic. A member 30 s ahead (faketime) used to
 * delete the others' rows and take a rank they held.
 */
class ClockSkewTest {
    static final long LEASE_MS = 1000;
    static final long HEARTBEAT_MS = 100;
    static final long MARGIN_MS = 100;

    final class Member {
        final MemberCore core;
        final long skewMs;
        long nextTickMs;
        boolean everLeased;

        Member(String id, long skewMs, long startMs, boolean checkClocks) {
            this.core = new MemberCore(id, "", LEASE_MS * 1_000_000, MARGIN_MS * 1_000_000);
            this.core.checkClocks(checkClocks);
            this.skewMs = skewMs;
            this.nextTickMs = startMs;
        }

        /** The member's monotonic clock: its wall clock may be off, its rate is not. */
        long mono(long t) {
            return t * 1_000_000;
        }

        Lease lease(long t) {
            return core.lease(mono(t)).orElse(null);
        }
    }

    GroupState db = GroupState.empty();
    final List<Member> members = new ArrayList<>();
    final List<String> violations = new ArrayList<>();

    Member join(String id, long skewMs, long atMs) {
        return join(id, skewMs, atMs, true);
    }

    Member join(String id, long skewMs, long atMs, boolean checkClocks) {
        Member m = new Member(id, skewMs, atMs, checkClocks);
        members.add(m);
        return m;
    }

    /** Runs every member's ticks up to {@code untilMs}, checking that no rank is held twice. */
    void runUntil(long untilMs) {
        while (true) {
            Member next = null;
            for (Member m : members) {
                if (next == null || m.nextTickMs < next.nextTickMs) {
                    next = m;
                }
            }
            if (next == null || next.nextTickMs > untilMs) {
                return;
            }
            long t = next.nextTickMs;
            var request = next.core.prepare(next.mono(t), Intent.RENEW);
            Decision d = Protocol.decide(db, t + next.skewMs, request, LEASE_MS);
            db = d.after();
            Reply reply = d.reply();
            next.core.onReply(reply, next.mono(t));
            next.everLeased |= next.lease(t) != null;
            next.nextTickMs =
                    t + (next.core.retickImmediately() ? 1 : next.core.retickSoon() ? HEARTBEAT_MS / 4 : HEARTBEAT_MS);
            checkLeases(t);
        }
    }

    /** No two members may hold a live lease on the same rank at the same time. */
    void checkLeases(long t) {
        Set<Integer> ranks = new HashSet<>();
        for (Member m : members) {
            Lease l = m.lease(t);
            if (l != null && !ranks.add(l.rank())) {
                violations.add("t=" + t + " ms: rank " + l.rank() + " leased twice");
            }
        }
        Set<Integer> held = new HashSet<>();
        for (MemberRow r : db.members()) {
            if (r.heldRank() != Protocol.NONE && !held.add(r.heldRank())) {
                violations.add("t=" + t + " ms: rank " + r.heldRank() + " held twice in " + db);
            }
        }
    }

    void assertStableGroup(List<Member> good, long t) {
        Set<Integer> ranks = new HashSet<>();
        for (Member m : good) {
            Lease l = m.lease(t);
            assertThat(l).as("lease of %s", m.core.memberId()).isNotNull();
            assertThat(l.stable()).isTrue();
            assertThat(l.size()).isEqualTo(good.size());
            ranks.add(l.rank());
        }
        assertThat(ranks).hasSize(good.size());
    }

    @Test
    void memberThirtySecondsAhead_refusesToAct_andTheOthersKeepTheirRanks() {
        List<Member> good = List.of(join("a", 0, 0), join("b", 0, 7), join("c", 0, 13));
        runUntil(2_000);
        assertStableGroup(good, 2_000);
        List<Integer> ranksBefore =
                good.stream().map(m -> m.lease(2_000).rank()).toList();

        Member ahead = join("fast", 30_000, 2_003);
        runUntil(8_000);

        assertThat(violations).isEmpty();
        assertThat(ahead.everLeased).as("the member with the fast clock acted").isFalse();
        assertThat(ahead.core.snapshot(ahead.mono(8_000)).state()).isEqualTo(MemberState.CLOCK_SKEW);
        assertThat(ahead.core.clockSkewMs()).isLessThan(-29_000);
        assertThat(db.members()).extracting(MemberRow::memberId).containsExactlyInAnyOrder("a", "b", "c");
        assertStableGroup(good, 8_000);
        assertThat(good.stream().map(m -> m.lease(8_000).rank()).toList()).isEqualTo(ranksBefore);
    }

    @Test
    void memberThirtySecondsBehind_refusesAtItsFirstTick() {
        List<Member> good = List.of(join("a", 0, 0), join("b", 0, 7), join("c", 0, 13));
        runUntil(2_000);

        Member behind = join("slow", -30_000, 2_003);
        runUntil(2_003);
        assertThat(behind.core.snapshot(behind.mono(2_003)).state()).isEqualTo(MemberState.CLOCK_SKEW);
        assertThat(behind.core.clockSkewMs()).isGreaterThan(29_000);
        runUntil(8_000);

        assertThat(violations).isEmpty();
        assertThat(behind.everLeased).isFalse();
        assertThat(db.members()).extracting(MemberRow::memberId).containsExactlyInAnyOrder("a", "b", "c");
        assertStableGroup(good, 8_000);
    }

    @Test
    void aheadMemberJoiningAlonePeer_refuses_andThePeerKeepsRankZero() {
        Member peer = join("a", 0, 0);
        runUntil(1_000);
        Member ahead = join("fast", 30_000, 1_001);
        runUntil(6_000);

        assertThat(violations).isEmpty();
        assertThat(ahead.everLeased).isFalse();
        assertThat(ahead.core.snapshot(ahead.mono(6_000)).state()).isEqualTo(MemberState.CLOCK_SKEW);
        assertStableGroup(List.of(peer), 6_000);
    }

    @Test
    void clockJumpingAheadInAMember_makesItStepDown_withoutTakingOthersRanks() {
        List<Member> good = List.of(join("a", 0, 0), join("b", 0, 7), join("c", 0, 13));
        Member jumper = join("d", 0, 21);
        runUntil(2_000);
        assertStableGroup(List.of(good.get(0), good.get(1), good.get(2), jumper), 2_000);

        Member jumped = new Member("d", 30_000, 0, true); // same core, clock now 30 s ahead
        members.set(members.indexOf(jumper), jumped);
        setCore(jumped, jumper);
        runUntil(40_000);

        assertThat(violations).isEmpty();
        assertThat(jumped.core.snapshot(jumped.mono(40_000)).state()).isEqualTo(MemberState.CLOCK_SKEW);
        assertThat(db.members()).extracting(MemberRow::memberId).containsExactlyInAnyOrder("a", "b", "c");
        assertStableGroup(good, 40_000);
    }

    /** Moves a member's core (and schedule) to a replacement with another clock. */
    private static void setCore(Member to, Member from) {
        try {
            var field = Member.class.getDeclaredField("core");
            field.setAccessible(true);
            field.set(to, from.core);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        to.nextTickMs = from.nextTickMs;
    }

    @Test
    void withoutTheClockCheck_theAheadMemberDeletesTheOthersAndTakesARankTheyHold() {
        // The failure this test class pins down, reproduced with the check off (as before the fix).
        join("a", 0, 0, false);
        join("b", 0, 7, false);
        join("c", 0, 13, false);
        runUntil(2_000);
        Member ahead = join("fast", 30_000, 2_003, false);
        runUntil(2_003);

        assertThat(db.members()).extracting(MemberRow::memberId).containsExactly("fast");
        assertThat(ahead.lease(2_003)).isNotNull();
        assertThat(violations).isNotEmpty();
    }
}
