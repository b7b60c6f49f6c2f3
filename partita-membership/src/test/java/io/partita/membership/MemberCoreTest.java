package io.partita.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.membership.Protocol.Intent;
import io.partita.membership.Protocol.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The member's fencing rules, on a fake monotonic clock. */
class MemberCoreTest {

    private static final long MS = 1_000_000L;

    private final MemberCore core = new MemberCore("m", "", 1000 * MS, 100 * MS);

    private static Reply granted(int rank, long epoch) {
        return new Reply(epoch, 2, rank, rank, true, List.of("a", "b"), 0);
    }

    @Test
    void lease_lastsUntilSendTimePlusLeaseMinusMargin() {
        long t0 = 5_000 * MS;
        core.prepare(t0, Intent.RENEW);
        core.onReply(granted(1, 3), t0 + 400 * MS); // a slow reply does not extend the deadline
        assertThat(core.lease(t0 + 899 * MS)).isPresent();
        assertThat(core.lease(t0 + 900 * MS)).isEmpty();
        assertThat(core.snapshot(t0 + 900 * MS).state()).isEqualTo(MemberState.FENCED);
    }

    @Test
    void pausedMember_wakingAfterDeadline_mustRenewBeforeActing() {
        core.prepare(0, Intent.RENEW);
        core.onReply(granted(0, 3), 10 * MS);
        // Paused for 5 s: no lease on waking, and the next request does not claim to be acting.
        assertThat(core.lease(5_000 * MS)).isEmpty();
        assertThat(core.prepare(5_000 * MS, Intent.RENEW).actingRank()).isEqualTo(Protocol.NONE);
        assertThat(core.snapshot(5_000 * MS).state()).isEqualTo(MemberState.FENCED);
    }

    @Test
    void aLapse_isCounted_evenAfterTheMemberRejoined() {
        core.prepare(0, Intent.RENEW);
        core.onReply(granted(0, 3), 10 * MS);
        assertThat(core.lapses()).isZero();
        // paused past the deadline, then renewed at once: FENCED is over before anyone looks
        core.prepare(5_000 * MS, Intent.RENEW);
        core.onReply(granted(1, 4), 5_010 * MS);
        assertThat(core.snapshot(5_010 * MS).state()).isEqualTo(MemberState.ACTIVE);
        assertThat(core.lapses()).isEqualTo(1);
    }

    @Test
    void replyArrivingAfterItsOwnDeadline_grantsNothing() {
        core.prepare(0, Intent.RENEW);
        core.onReply(granted(0, 3), 950 * MS);
        assertThat(core.lease(950 * MS)).isEmpty();
        assertThat(core.retickSoon()).isTrue();
    }

    @Test
    void movedMember_stopsActing_andReticksAtOnce() {
        core.prepare(0, Intent.RENEW);
        core.onReply(granted(3, 3), 1 * MS);
        core.prepare(100 * MS, Intent.RENEW);
        core.onReply(new Reply(4, 3, 1, 3, false, List.of("a", "b", "m"), 0), 101 * MS);
        assertThat(core.lease(101 * MS)).isEmpty();
        assertThat(core.retickImmediately()).isTrue();
        assertThat(core.snapshot(101 * MS).state()).isEqualTo(MemberState.TRANSITIONING);
    }

    @Test
    void failedRenewal_keepsTheLeaseOnlyUntilItsDeadline() {
        core.prepare(0, Intent.RENEW);
        core.onReply(granted(0, 3), 1 * MS);
        core.prepare(500 * MS, Intent.RENEW);
        core.onFailure();
        assertThat(core.lease(899 * MS)).isPresent();
        assertThat(core.lease(900 * MS)).isEmpty();
    }
}
