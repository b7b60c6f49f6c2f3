package io.partita.coordinator.sched;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateHistoryTest {
    @Test
    void since_givesCompleteSecondsOnly_andForgetsAfterTenMinutes() {
        RateHistory h = new RateHistory();
        h.record(10_000, 3);
        h.record(10_500, 2);
        h.record(12_100, 7);
        assertThat(h.since(9, 12_500)).isDeepEqualTo(new long[][] {{10, 5}, {11, 0}});
        assertThat(h.since(10, 13_000)).isDeepEqualTo(new long[][] {{11, 0}, {12, 7}});
        assertThat(h.since(12, 13_000)).isEmpty();
        long[][] late = h.since(0, 2_000_000);
        assertThat(late).hasDimensions(RateHistory.SECONDS - 1, 2);
        for (long[] p : late) {
            assertThat(p[1]).isZero();
        }
    }

    @Test
    void anEndedHistory_keepsItsSecondsHoweverLateItIsRead() {
        // Regression: a finished job opened ten minutes later showed "no completions yet".
        RateHistory h = new RateHistory();
        h.record(10_000, 3);
        h.record(11_200, 4);
        h.end(11_500);
        h.record(12_100, 9); // a late answer after the end is not a completion of the job's chart
        long[][] late = h.since(9, 5_000_000);
        assertThat(late).isDeepEqualTo(new long[][] {{10, 3}, {11, 4}});
        assertThat(h.since(11, 5_000_000)).isEmpty();
    }
}
