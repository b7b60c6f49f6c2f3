package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void bar_matchesDocumentedFormat() {
        assertThat(Progress.bar(5123, 10_000, 1234.4, 4.0, 10))
                .isEqualTo("[#####.....] 5123/10000 51% 1234 tasks/s ETA 4s");
    }

    @Test
    void bar_emptyAndFull() {
        assertThat(Progress.bar(0, 100, 0, -1, 4)).isEqualTo("[....] 0/100 0% 0 tasks/s ETA --");
        assertThat(Progress.bar(100, 100, 50, 0, 4)).isEqualTo("[####] 100/100 100% 50 tasks/s ETA 0s");
    }

    @Test
    void bar_zeroPartitions_doesNotDivideByZero() {
        assertThat(Progress.bar(0, 0, 0, -1, 3)).isEqualTo("[...] 0/0 0% 0 tasks/s ETA --");
    }

    @Test
    void bar_longEta_usesMinutesAndHours() {
        assertThat(Progress.bar(1, 1000, 1, 125.2, 2)).endsWith("ETA 2m05s");
        assertThat(Progress.bar(1, 1000, 1, 7384, 2)).endsWith("ETA 2h03m");
    }

    @Test
    void bar_fromJobJson() throws Exception {
        JsonNode job = CoordinatorClient.JSON.readTree("""
            {"id":"j1","status":"running","partitions":200,
             "counts":{"pending":100,"running":0,"done":100,"failed":0,"retried":0},
             "rate":99.6,"etaSeconds":null}
            """);
        assertThat(Progress.bar(job, 10)).isEqualTo("[#####.....] 100/200 50% 100 tasks/s ETA --");
        assertThat(Progress.line(job)).isEqualTo("job j1 running: 100/200 (50%) 100 tasks/s ETA --");
    }

    @Test
    void aJobNoWorkerCanRun_saysWhyInTheBarAndTheLine() throws Exception {
        JsonNode job = CoordinatorClient.JSON.readTree("""
            {"id":"j2","status":"running","partitions":10,
             "counts":{"pending":10,"running":0,"done":0,"failed":0,"retried":0},
             "rate":0,"etaSeconds":null,"waiting":"no connected worker offers runtime js"}
            """);
        assertThat(Progress.bar(job, 4))
                .isEqualTo("[....] 0/10 0% 0 tasks/s ETA -- · waiting: no connected worker offers runtime js");
        assertThat(Progress.line(job))
                .isEqualTo(
                        "job j2 running: 0/10 (0%) 0 tasks/s ETA -- · waiting: no connected worker offers runtime js");
    }
}
