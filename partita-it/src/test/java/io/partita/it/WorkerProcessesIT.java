package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.testing.JavaProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real coordinator with real worker processes (separate JVMs). */
class WorkerProcessesIT {
    @TempDir
    Path dir;

    @Test
    void piJob_10000Partitions_twoWorkerProcesses_rightResult() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("worker-a", 1);
            grid.worker("worker-b", 1);
            grid.awaitWorkers(2);
            String id = grid.api.submit(
                    "{\"function\":\"examples/pi\",\"partitions\":10000,\"params\":{\"samples\":2000,\"seed\":1234}}");
            grid.awaitStatus(id, "done", Duration.ofSeconds(120));
            JsonNode result = grid.api.get("/api/jobs/" + id + "/result").json();
            long inside = Grid.piInsideReference(10_000, 2000, 1234);
            assertThat(result.get("samples").asLong()).isEqualTo(20_000_000L);
            assertThat(result.get("inside").asLong()).isEqualTo(inside);
            assertThat(result.get("estimate").asDouble()).isCloseTo(Math.PI, org.assertj.core.data.Offset.offset(0.01));
            // Both processes shared the job: every connection that was there when the job started did
            // tasks. (On a starved machine a worker may miss heartbeats and reconnect; its new
            // connection's count starts at zero, so only connections older than the job count.)
            java.time.Instant createdAt =
                    java.time.Instant.parse(grid.api.job(id).get("createdAt").asText());
            JsonNode workers = grid.api.get("/api/workers").json();
            assertThat(workers.get("items"))
                    .anySatisfy(w -> assertThat(w.get("tasksDone").asLong()).isPositive());
            assertThat(workers.get("items"))
                    .filteredOn(
                            w -> java.time.Instant.parse(w.get("connectedAt").asText())
                                    .isBefore(createdAt))
                    .allSatisfy(w -> assertThat(w.get("tasksDone").asLong()).isPositive());
        }
    }

    @Test
    void workerKilledMidJob_tasksRerun_resultStillRight() throws Exception {
        Path log = dir.resolve("executions.log");
        int n = 3000;
        try (Grid grid = new Grid(dir)) {
            JavaProcess victim = grid.worker("victim", 2);
            grid.worker("survivor", 2);
            grid.awaitWorkers(2);
            String id = grid.api.submit("{\"function\":\"test/record\",\"partitions\":" + n + ",\"params\":{\"log\":\""
                    + log + "\",\"spinMicros\":2000}}");
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> grid.api.job(id).get("counts").get("done").asLong() >= n / 4);
            long victimPid = victim.pid();
            victim.kill();
            // a closed socket loses its leases at once, long before three missed heartbeats (1.5 s)
            Awaitility.await("killed worker dropped")
                    .atMost(Duration.ofMillis(1000))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() ->
                            grid.api.get("/api/workers").json().get("total").asInt() == 1);
            JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(120));
            assertThat(grid.api.get("/api/jobs/" + id + "/result").body())
                    .isEqualTo(String.valueOf(Executions.expectedSum(n)));
            assertThat(job.get("counts").get("retried").asLong())
                    .as("tasks leased again after the kill")
                    .isPositive();
            Executions executions = Executions.read(log);
            Set<Long> byVictim = executions.all().stream()
                    .filter(e -> e.pid() == victimPid)
                    .map(Executions.Execution::partition)
                    .collect(Collectors.toSet());
            Set<Long> all = executions.all().stream()
                    .map(Executions.Execution::partition)
                    .collect(Collectors.toSet());
            assertThat(byVictim).isNotEmpty();
            assertThat(all).hasSize(n);
            assertThat(grid.api.get("/api/workers").json().get("total").asInt()).isEqualTo(1);
        }
    }

    @Test
    void workerSigterm_drainsAndExitsCleanly_jobCompletesElsewhere() throws Exception {
        Path log = dir.resolve("executions.log");
        int n = 2000;
        try (Grid grid = new Grid(dir)) {
            JavaProcess leaving = grid.worker("leaving", 2);
            grid.awaitWorkers(1);
            String id = grid.api.submit("{\"function\":\"test/record\",\"partitions\":" + n + ",\"params\":{\"log\":\""
                    + log + "\",\"spinMicros\":3000}}");
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> grid.api.job(id).get("counts").get("done").asLong() >= 100);
            leaving.terminate();
            assertThat(leaving.waitFor(Duration.ofSeconds(30))).isZero();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() ->
                            grid.api.get("/api/workers").json().get("total").asInt() == 0);
            JsonNode mid = grid.api.job(id);
            assertThat(mid.get("counts").get("running").asLong()).isZero();
            grid.worker("replacement", 2);
            grid.awaitStatus(id, "done", Duration.ofSeconds(120));
            assertThat(grid.api.get("/api/jobs/" + id + "/result").body())
                    .isEqualTo(String.valueOf(Executions.expectedSum(n)));
            // A graceful leaver finishes what it started: nothing it ran had to run again.
            Executions executions = Executions.read(log);
            long distinct = executions.all().stream()
                    .map(Executions.Execution::partition)
                    .distinct()
                    .count();
            assertThat(distinct).isEqualTo(n);
            assertThat(executions.all()).hasSize(n);
        }
    }
}
