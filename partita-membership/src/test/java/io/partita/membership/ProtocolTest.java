package io.partita.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.membership.Protocol.Decision;
import io.partita.membership.Protocol.GroupState;
import io.partita.membership.Protocol.Intent;
import io.partita.membership.Protocol.MemberRow;
import io.partita.membership.Protocol.TickRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolTest {

    private static final long LEASE = 1000;

    private static GroupState stableGroup(int n, long now) {
        List<MemberRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new MemberRow("m" + i, i, i, 7, now + LEASE, i, ""));
        }
        return new GroupState(7, rows);
    }

    private static TickRequest renew(String id, int acting) {
        return new TickRequest(id, Intent.RENEW, acting, "");
    }

    @Test
    void join_takesRankN_andBumpsEpoch_withoutMovingAnyone() {
        Decision d = Protocol.decide(stableGroup(4, 100), 100, renew("new", -1), LEASE);
        assertThat(d.reply().assignedRank()).isEqualTo(4);
        assertThat(d.reply().heldRank()).isEqualTo(4);
        assertThat(d.reply().size()).isEqualTo(5);
        assertThat(d.after().epoch()).isEqualTo(8);
        assertThat(d.updated()).isEmpty();
        assertThat(d.inserted()).extracting(MemberRow::memberId).containsExactly("new");
    }

    @Test
    void leave_movesOnlyTheHighestRank_intoTheHole() {
        Decision d = Protocol.decide(stableGroup(5, 100), 100, new TickRequest("m1", Intent.LEAVE, -1, ""), LEASE);
        assertThat(d.deleted()).containsExactly("m1");
        assertThat(d.updated()).singleElement().satisfies(r -> {
            assertThat(r.memberId()).isEqualTo("m4");
            assertThat(r.assignedRank()).isEqualTo(1);
            assertThat(r.heldRank()).as("moved member still holds its old rank").isEqualTo(4);
        });
        assertThat(d.reply().stable()).isFalse();
    }

    @Test
    void renew_doesNotReleaseAnOldRank_whileTheMemberActsOnIt() {
        GroupState moved = Protocol.decide(stableGroup(5, 100), 100, new TickRequest("m1", Intent.LEAVE, -1, ""), LEASE)
                .after();
        Decision acting = Protocol.decide(moved, 150, renew("m4", 4), LEASE);
        assertThat(acting.reply().heldRank()).isEqualTo(4);
        assertThat(acting.reply().assignedRank()).isEqualTo(1);
        Decision released = Protocol.decide(acting.after(), 160, renew("m4", -1), LEASE);
        assertThat(released.reply().heldRank()).isEqualTo(1);
    }

    @Test
    void assignedRank_heldByAnotherLiveMember_isNotTaken() {
        GroupState moved = Protocol.decide(stableGroup(5, 100), 100, new TickRequest("m1", Intent.LEAVE, -1, ""), LEASE)
                .after();
        // m4 still holds 4 (acting); a joiner is assigned 4 but must wait.
        Decision join = Protocol.decide(moved, 120, renew("j", -1), LEASE);
        assertThat(join.reply().assignedRank()).isEqualTo(4);
        assertThat(join.reply().heldRank()).isEqualTo(Protocol.NONE);
    }

    @Test
    void expiredRows_areRemoved_onlyAfterTheirExpiryOnTheDatabaseClock() {
        GroupState g = stableGroup(3, 100); // rows expire at 1100
        assertThat(Protocol.decide(g, 1099, renew("m0", 0), LEASE).after().members())
                .hasSize(3);
        Decision d = Protocol.decide(g, 1100, renew("m0", 0), LEASE);
        assertThat(d.after().members()).extracting(MemberRow::memberId).containsExactly("m0");
    }

    @Test
    void expiredRequester_rejoinsAsFreshMember_andIgnoresItsStaleActingRank() {
        GroupState g = stableGroup(3, 100);
        // m2's lease expired; m0 renews and removes it; m5 joins and takes rank 2.
        GroupState after = Protocol.decide(g, 1100, renew("m0", 0), LEASE).after();
        after = Protocol.decide(after, 1101, renew("m1", 1), LEASE).after();
        after = Protocol.decide(after, 1102, renew("m5", -1), LEASE).after();
        Decision stale = Protocol.decide(after, 1103, renew("m2", 2), LEASE);
        assertThat(stale.reply().assignedRank()).isEqualTo(3);
        assertThat(stale.reply().heldRank()).isEqualTo(3);
    }
}
