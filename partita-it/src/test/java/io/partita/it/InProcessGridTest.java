package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fast checks of the whole path with an in-process worker: jobs, prepare, tree combine. */
class InProcessGridTest {
    @TempDir
    Path dir;

    @Test
    void noopJob_resultIsPartitionCount() throws Exception {
        try (Grid grid = new Grid(dir);
                Worker worker = Worker.start(
                        WorkerConfig.defaults(grid.coordinator.url()).withSlots(2))) {
            String id =
                    grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":20000,\"options\":{\"fanIn\":16}}");
            JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(60));
            assertThat(job.get("counts").get("done").asLong()).isEqualTo(20000);
            assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo("20000");
        }
    }

    @Test
    void piJob_matchesSequentialReference() throws Exception {
        try (Grid grid = new Grid(dir);
                Worker worker = Worker.start(
                        WorkerConfig.defaults(grid.coordinator.url()).withSlots(2))) {
            String id = grid.api.submit(
                    "{\"function\":\"examples/pi\",\"partitions\":200,\"params\":{\"samples\":1000,\"seed\":7}}");
            grid.awaitStatus(id, "done", Duration.ofSeconds(60));
            JsonNode result = grid.api.get("/api/jobs/" + id + "/result").json();
            long inside = Grid.piInsideReference(200, 1000, 7);
            assertThat(result.get("inside").asLong()).isEqualTo(inside);
            assertThat(result.get("samples").asLong()).isEqualTo(200_000);
        }
    }

    @Test
    void primesWithPrepare_countsExactly() throws Exception {
        try (Grid grid = new Grid(dir);
                Worker worker = Worker.start(
                        WorkerConfig.defaults(grid.coordinator.url()).withSlots(2))) {
            String id = grid.api.submit("{\"function\":\"examples/primes\",\"params\":{\"limit\":10000000}}");
            JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(60));
            assertThat(job.get("partitions").asLong()).isEqualTo(10);
            assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo("664579");
        }
    }
}
