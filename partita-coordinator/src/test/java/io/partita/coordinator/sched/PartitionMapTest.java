package io.partita.coordinator.sched;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartitionMapTest {
    @Test
    void codes_followTaskStateAndFailures() {
        byte[] states = {JobRun.PENDING, JobRun.LEASED, JobRun.COMMITTING, JobRun.DONE, JobRun.PENDING, JobRun.DONE};
        byte[] failures = {0, 0, 0, 0, 1, 2};
        assertThat(PartitionMap.codes(states, failures))
                .containsExactly(
                        PartitionMap.PENDING,
                        PartitionMap.RUNNING,
                        PartitionMap.DONE,
                        PartitionMap.DONE,
                        PartitionMap.FAILED,
                        PartitionMap.RETRIED);
    }

    @Test
    void runs_coverEverything_andDiffHasOnlyWhatChanged() {
        byte[] before = {0, 0, 0, 0, 0, 0, 0, 0};
        byte[] now = {2, 2, 1, 0, 0, 3, 3, 0};
        assertThat(PartitionMap.runs(before)).containsExactly(0, 8, 0);
        assertThat(PartitionMap.diff(before, now)).containsExactly(0, 2, 2, 2, 1, 1, 5, 2, 3);
        assertThat(PartitionMap.diff(now, now)).isEmpty();
        assertThat(PartitionMap.expand(PartitionMap.runs(now), now.length)).containsExactly(now);
        // another length: a full map
        assertThat(PartitionMap.diff(new byte[3], now)).containsExactly(PartitionMap.runs(now));
    }

    @Test
    void aMillionPartitionDelta_isProportionalToTheChange() {
        byte[] before = new byte[1_000_000];
        byte[] now = before.clone();
        for (int i = 0; i < 1000; i++) {
            now[i * 997] = PartitionMap.RUNNING;
        }
        long[] runs = PartitionMap.diff(before, now);
        assertThat(runs).hasSize(3000);
    }

    @Test
    void summary_countsStatesPerRange_boundedByBuckets() {
        byte[] codes = {2, 2, 1, 0, 0, 3, 4, 0, 2, 2};
        long[][] s = PartitionMap.summary(codes, 1, 10, 4); // 9 partitions in ranges of 3
        assertThat(PartitionMap.bucketSize(1, 10, 4)).isEqualTo(3);
        assertThat(s).isDeepEqualTo(new long[][] {{1, 1, 1, 0, 0}, {1, 0, 0, 1, 1}, {1, 0, 2, 0, 0}});
        byte[] big = new byte[10_000_000];
        assertThat(PartitionMap.summary(big, 0, big.length, 4096).length).isLessThanOrEqualTo(4096);
        assertThat(PartitionMap.summary(big, 0, big.length, 4096)[0][PartitionMap.PENDING])
                .isEqualTo(PartitionMap.bucketSize(0, big.length, 4096));
    }
}
