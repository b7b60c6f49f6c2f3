package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job's event log is bounded in bytes and kept only for {@code event-retention} after the job
 * finished (issue 18: a 2,000-partition logging job grew the store from 4 to 200 MiB, and nothing
 * was ever deleted). Sizes are measured in the store's own table.
 */
@Timeout(120)
class EventLogBoundsIT {
    /** Each partition prints 20 lines of 900 characters: an event of about 18 KB. */
    private static final String LOGGING = """
            export function compute(i) {
              for (let k = 0; k < 20; k++) console.log("x".repeat(900));
              return i;
            }
            export function combine(a, b) { return a + b; }
            """;

    @TempDir
    Path dir;

    @Test
    void loggingJobOverTheByteQuota_keepsTheStoreSmall_oneTruncatedEvent() throws Exception {
        try (Grid grid = new Grid(dir, config().maxJobEventBytes(64 << 10));
                Worker worker = Worker.start(
                        WorkerConfig.defaults(grid.coordinator.url()).withSlots(2))) {
            String id = grid.api.submit(Grid.jsSpec(LOGGING, "\"partitions\": 40"));
            grid.awaitStatus(id, "done", Duration.ofSeconds(90));
            assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo("780");
            long[] stored = events(id);
            // 40 events of ~18 KB would be ~740 KB; the quota keeps 64 KiB and a truncated event.
            assertThat(stored[1]).as("bytes of the job's events").isLessThan((64 << 10) + 4096);
            assertThat(stored[0]).as("events").isLessThan(10);
            JsonNode page =
                    grid.api.get("/api/jobs/" + id + "/events?limit=500").json();
            String all = page.toString();
            assertThat(all).contains("\"truncated\"").contains("max-job-event-bytes");
        }
    }

    @Test
    void finishedJobsEvents_areDeletedAfterTheRetention_jobAndResultStay() throws Exception {
        try (Grid grid = new Grid(dir, config().eventRetention(Duration.ofSeconds(2)));
                Worker worker = Worker.start(
                        WorkerConfig.defaults(grid.coordinator.url()).withSlots(2))) {
            String id = grid.api.submit(Grid.jsSpec(LOGGING, "\"partitions\": 4"));
            grid.awaitStatus(id, "done", Duration.ofSeconds(60));
            assertThat(events(id)[0]).as("events right after the job").isGreaterThan(4);
            Awaitility.await("the events are deleted")
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> events(id)[0] == 0);
            assertThat(grid.api.job(id).get("status").asText()).isEqualTo("done");
            assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo("6");
        }
    }

    private static CoordinatorConfig.Builder config() {
        return CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500));
    }

    /** The count and total size of a job's rows in the store's event table. */
    private long[] events(String job) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/partita.db"));
                PreparedStatement ps = c.prepareStatement(
                        "select count(*), coalesce(sum(length(event)), 0) from job_events where job_id = ?")) {
            ps.setString(1, job);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }
}
