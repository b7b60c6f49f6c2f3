package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data task's upload through its capability URL is bounded (issue 18: a 200 MiB PUT was
 * accepted): a task whose output is over {@code max-task-output} gets a 413 naming the limit, the
 * job fails with that message, and no output of it is published.
 */
@Timeout(120)
class TaskOutputLimitIT {
    @TempDir
    Path dir;

    @Test
    void taskOutputOverTheLimit_is413_jobFailsNamingTheLimit() throws Exception {
        try (Grid grid = new Grid(
                        dir,
                        CoordinatorConfig.builder()
                                .auth(false)
                                .heartbeatInterval(Duration.ofMillis(500))
                                .maxTaskOutputBytes(4096));
                Worker worker = Worker.start(
                        WorkerConfig.defaults(grid.coordinator.url()).withSlots(1))) {
            ApiClient api = grid.api;
            byte[] text = "a line of text that the query copies to its output\n"
                    .repeat(400)
                    .getBytes(StandardCharsets.UTF_8);
            ApiClient.Response ds = api.upload("/api/datasets?name=lines&format=text", text);
            assertThat(ds.status()).as(ds.body()).isEqualTo(201);
            ApiClient.Response q = api.post(
                    "/api/queries",
                    "{\"dataset\":\"" + ds.json().get("id").asText()
                            + "\",\"select\":[\"line\"],\"options\":{\"maxAttempts\":1}}");
            assertThat(q.status()).as(q.body()).isEqualTo(201);
            String id = q.json().get("id").asText();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !api.get("/api/queries/" + id)
                            .json()
                            .get("status")
                            .asText()
                            .equals("running"));
            JsonNode job = api.get("/api/queries/" + id).json();
            assertThat(job.get("status").asText()).isEqualTo("failed");
            assertThat(job.get("error").asText())
                    .contains("413")
                    .contains("max-task-output")
                    .contains("4096");
            Path published = dir.resolve("data/blobs/data/" + id);
            if (Files.isDirectory(published)) {
                try (Stream<Path> files = Files.walk(published)) {
                    assertThat(files.filter(Files::isRegularFile)).isEmpty();
                }
            }
        }
    }
}
