package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.testing.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitioned jobs use the call cache's rule: a job with unchanged code, params and partitioning
 * starts from an earlier identical job's stored outputs (issue 8).
 */
class JobReuseIT {
    /** Every partition prints a line, so the event log shows which partitions ran. */
    private static final String MODULE = """
            export function compute(i, ctx) {
              ctx.log('ran ' + i);
              const until = Date.now() + (ctx.params.millis || 0);
              while (Date.now() < until) {}
              return i * ctx.params.k;
            }
            export function combine(a, b) { return a + b; }
            """;

    private static final String PI =
            "{\"function\": \"examples/pi\", \"partitions\": 20, \"params\": {\"samples\": 1000, \"seed\": 5}}";

    @TempDir
    Path dir;

    private static long ran(Grid grid, String id) {
        long n = 0;
        long after = 0;
        while (true) {
            JsonNode page = grid.api
                    .get("/api/jobs/" + id + "/events?after=" + after + "&limit=500")
                    .json();
            for (JsonNode e : page.get("events")) {
                if (e.get("type").asText().equals("partition")) {
                    n++;
                }
            }
            if (page.get("events").isEmpty()) {
                return n;
            }
            after = page.get("next").asLong();
        }
    }

    private static JsonNode event(Grid grid, String id, String type) {
        for (JsonNode e :
                grid.api.get("/api/jobs/" + id + "/events?limit=500").json().get("events")) {
            if (e.get("type").asText().equals(type)) {
                return e;
            }
        }
        return null;
    }

    @Test
    void aRerunWithUnchangedCodeAndParams_reusesEveryPartition_andChangedParamsDoNot() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.awaitWorkers(1);
            String first = grid.api.submit(Grid.jsSpec(MODULE, "\"partitions\": 200, \"params\": {\"k\": 3}"));
            grid.awaitStatus(first, "done", Duration.ofSeconds(60));
            assertThat(ran(grid, first)).isEqualTo(200);
            long expected = 3L * 199 * 200 / 2;
            assertThat(grid.api.get("/api/jobs/" + first + "/result").json().asLong())
                    .isEqualTo(expected);

            ApiClient.Response rerun = grid.api.post("/api/jobs/" + first + "/rerun", "{\"params\": {}}");
            assertThat(rerun.status()).isEqualTo(201);
            String second = rerun.json().get("id").asText();
            grid.awaitStatus(second, "done", Duration.ofSeconds(30));
            assertThat(grid.api.get("/api/jobs/" + second + "/result").json().asLong())
                    .isEqualTo(expected);
            assertThat(ran(grid, second)).as("no partition ran again").isZero();
            JsonNode reused = event(grid, second, "reused");
            assertThat(reused.get("from").asText()).isEqualTo(first);
            assertThat(reused.get("partitions").asLong()).isEqualTo(200);
            assertThat(grid.api
                            .get("/api/cache/stats")
                            .json()
                            .get("reusedPartitions")
                            .asLong())
                    .isEqualTo(200);

            String changed = grid.api.submit(Grid.jsSpec(MODULE, "\"partitions\": 200, \"params\": {\"k\": 4}"));
            grid.awaitStatus(changed, "done", Duration.ofSeconds(60));
            assertThat(ran(grid, changed)).isEqualTo(200);
            assertThat(event(grid, changed, "reused")).isNull();

            String optedOut = grid.api.submit(Grid.jsSpec(
                    MODULE, "\"partitions\": 200, \"params\": {\"k\": 3}, \"options\": {\"reuse\": false}"));
            grid.awaitStatus(optedOut, "done", Duration.ofSeconds(60));
            assertThat(ran(grid, optedOut)).isEqualTo(200);
        }
    }

    @Test
    void aJobCancelledHalfway_isFinishedByItsTwin_fromWhereItStopped() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.awaitWorkers(1);
            String spec = Grid.jsSpec(MODULE, "\"partitions\": 60, \"params\": {\"k\": 1, \"millis\": 100}");
            String first = grid.api.submit(spec);
            Awaitility.await("some partitions done")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> grid.api.job(first).get("counts").get("done").asLong() >= 10);
            assertThat(grid.api.delete("/api/jobs/" + first).status()).isEqualTo(200);
            grid.awaitStatus(first, "cancelled", Duration.ofSeconds(10));
            long ranFirst = ran(grid, first);

            String second = grid.api.submit(spec);
            grid.awaitStatus(second, "done", Duration.ofSeconds(60));
            assertThat(grid.api.get("/api/jobs/" + second + "/result").json().asLong())
                    .isEqualTo(59L * 60 / 2);
            long reused = event(grid, second, "reused").get("partitions").asLong();
            assertThat(reused).isGreaterThanOrEqualTo(10).isLessThanOrEqualTo(ranFirst);
            assertThat(ran(grid, second)).isEqualTo(60 - reused);
        }
    }

    @Test
    void clearingAFunctionsCache_stopsReuse() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.awaitWorkers(1);
            String first = grid.api.submit(PI);
            grid.awaitStatus(first, "done", Duration.ofSeconds(60));
            String second = grid.api.submit(PI);
            grid.awaitStatus(second, "done", Duration.ofSeconds(60));
            assertThat(event(grid, second, "reused"))
                    .as("a Java job reuses too")
                    .isNotNull();

            assertThat(grid.api.delete("/api/cache?function=examples/pi").status())
                    .isEqualTo(200);
            String third = grid.api.submit(PI);
            grid.awaitStatus(third, "done", Duration.ofSeconds(60));
            assertThat(event(grid, third, "reused")).isNull();
            assertThat(grid.api.delete("/api/cache").status()).isEqualTo(400);
        }
    }
}
