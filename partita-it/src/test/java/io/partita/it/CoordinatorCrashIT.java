package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import io.partita.store.TreeShape;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the coordinator process mid-job, then a restart on the same data directory: the job
 * resumes, no partition whose result was durable at the kill runs again, and the result is the one
 * an uninterrupted run gives.
 */
class CoordinatorCrashIT {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    JavaProcess coordinator(String name, int port) {
        JavaProcess p = JavaProcess.start(
                name,
                dir,
                "io.partita.cli.Main",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--data",
                dir.resolve("data").toString(),
                "--local-workers",
                "0",
                // the test's worker processes are this machine's own: their answers count as validated
                "--trusted-workers",
                "127.0.0.1");
        p.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
        return p;
    }

    @Test
    void coordinatorKilledMidJob_resumesWithoutRecomputingAndSameResult() throws Exception {
        int n = 4000;
        Path log = dir.resolve("executions.log");
        int port = freePort();
        URI url = URI.create("http://127.0.0.1:" + port);
        JavaProcess first = coordinator("coordinator-1", port);
        // the server writes its admin token on first start; the restarted one reads the same file
        ApiClient api = new ApiClient(
                url,
                java.nio.file.Files.readString(dir.resolve("data").resolve("admin-token"))
                        .strip());
        try (JavaProcess w1 = Grid.workerProcess("worker-1", url.toString(), 2, dir);
                JavaProcess w2 = Grid.workerProcess("worker-2", url.toString(), 2, dir)) {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> api.get("/api/workers").json().get("total").asInt() == 2);
            String id = api.submit("{\"function\":\"test/record\",\"partitions\":" + n + ",\"params\":{\"log\":\"" + log
                    + "\",\"spinMicros\":1500},\"options\":{\"fanIn\":8}}");
            String firstInstance = api.get("/api/health").json().get("instance").asText();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> api.job(id).get("counts").get("done").asLong() >= n / 3);
            first.kill();

            // What was durable at the moment of the kill, read straight from the store.
            BitSet durable;
            try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("data/partita.db"))) {
                StoredJob job = store.job(id).orElseThrow();
                assertThat(job.status().wireName()).isEqualTo("running");
                TreeShape shape = new TreeShape(n, 8);
                durable = shape.complete(store.storedNodes(id, shape))[0];
            }
            assertThat(durable.cardinality()).isGreaterThanOrEqualTo(n / 3).isLessThan(n);

            JavaProcess second = coordinator("coordinator-2", port);
            try {
                String secondInstance =
                        api.get("/api/health").json().get("instance").asText();
                assertThat(secondInstance).isNotEqualTo(firstInstance);
                JsonNode resumed = api.job(id);
                assertThat(resumed.get("counts").get("done").asLong()).isGreaterThanOrEqualTo(durable.cardinality());
                Awaitility.await("job done after restart")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> api.job(id).get("status").asText().equals("done"));
                assertThat(api.get("/api/jobs/" + id + "/result").body())
                        .isEqualTo(String.valueOf(Executions.expectedSum(n)));

                List<Executions.Execution> executions = Executions.read(log).all();
                Set<Long> afterRestart = executions.stream()
                        .filter(e -> e.coordinator().equals(secondInstance))
                        .map(Executions.Execution::partition)
                        .collect(Collectors.toSet());
                assertThat(afterRestart).as("partitions run after the restart").isNotEmpty();
                for (long p : afterRestart) {
                    assertThat(durable.get((int) p))
                            .as("partition %d was durable before the kill but ran again", p)
                            .isFalse();
                }
                Set<Long> all =
                        executions.stream().map(Executions.Execution::partition).collect(Collectors.toSet());
                assertThat(all).hasSize(n);
                // the workers reconnected on their own
                assertThat(api.get("/api/workers").json().get("total").asInt()).isEqualTo(2);
            } finally {
                second.kill();
            }
        } finally {
            first.close();
        }
    }
}
