package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attempts that throw or time out are retried up to maxAttempts; then the job fails visibly. */
class FailuresIT {
    @TempDir
    Path dir;

    Grid grid;
    Worker worker;

    @BeforeEach
    void start() {
        grid = new Grid(dir);
        worker = Worker.start(WorkerConfig.defaults(grid.coordinator.url())
                .withSlots(2)
                .withToken(java.util.Optional.of(grid.coordinator.localWorkerToken())));
    }

    @AfterEach
    void stop() throws Exception {
        worker.close();
        grid.close();
    }

    @Test
    void taskFailingEveryAttempt_failsJobWithItsError() {
        String id = grid.api.submit(
                "{\"function\":\"test/fail\",\"partitions\":50,\"params\":{\"partition\":7,\"message\":\"bad input 7\"},\"options\":{\"maxAttempts\":3}}");
        JsonNode job = grid.awaitStatus(id, "failed", Duration.ofSeconds(60));
        assertThat(job.get("error").asText())
                .contains("partition 7")
                .contains("bad input 7")
                .contains("3 of 3 attempts");
        assertThat(job.get("counts").get("failed").asLong()).isEqualTo(3);
        assertThat(grid.api.get("/api/jobs/" + id + "/result").status()).isEqualTo(409);
        assertThat(worker.tasksDone()).isPositive(); // the worker kept working after the failures
    }

    @Test
    void taskFailingOnce_isRetriedAndJobSucceeds() {
        String id = grid.api.submit(
                "{\"function\":\"test/fail\",\"partitions\":50,\"params\":{\"partition\":7,\"failures\":2},\"options\":{\"maxAttempts\":3}}");
        JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        assertThat(job.get("counts").get("failed").asLong()).isEqualTo(2);
        assertThat(job.get("counts").get("retried").asLong()).isEqualTo(1);
        assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo("50");
    }

    @Test
    void taskOverItsTimeout_isRetried() {
        String id = grid.api.submit(
                "{\"function\":\"test/fail\",\"partitions\":20,\"params\":{\"sleepPartition\":3,\"sleepMillis\":30000},\"options\":{\"taskTimeout\":\"PT0.5S\",\"maxAttempts\":2}}");
        JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(30));
        assertThat(job.get("counts").get("retried").asLong()).isEqualTo(1);
        assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo("20");
    }

    @Test
    void cancelledJob_stopsAndKeepsItsStatus() {
        String id = grid.api.submit("{\"function\":\"test/record\",\"partitions\":100000,\"params\":{\"log\":\""
                + dir.resolve("x.log") + "\",\"spinMicros\":100}}");
        assertThat(grid.api.delete("/api/jobs/" + id).json().get("status").asText())
                .isEqualTo("cancelled");
        JsonNode job = grid.api.job(id);
        assertThat(job.get("status").asText()).isEqualTo("cancelled");
        assertThat(job.get("counts").get("running").asLong()).isZero();
        // the worker is free for the next job
        String next = grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":100}");
        grid.awaitStatus(next, "done", Duration.ofSeconds(30));
    }

    @Test
    void prepareThatMaterialisesInputs_feedsEachPartitionItsInput() {
        String id = grid.api.submit(
                "{\"function\":\"test/words\",\"params\":{\"text\":\"the quick brown fox jumps over the lazy dog\"}}");
        JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(30));
        assertThat(job.get("partitions").asLong()).isEqualTo(9);
        assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo("35");
    }

    @Test
    void prepareThatThrows_failsTheJobWithItsMessage() {
        String id = grid.api.submit("{\"function\":\"examples/noop\"}");
        JsonNode job = grid.awaitStatus(id, "failed", Duration.ofSeconds(30));
        assertThat(job.get("error").asText()).contains("prepare").contains("give \"partitions\" in the job spec");
    }

    @Test
    void higherPriority_runsFirst() {
        String low =
                grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":5000,\"options\":{\"priority\":-1}}");
        String high =
                grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":5000,\"options\":{\"priority\":5}}");
        grid.awaitStatus(high, "done", Duration.ofSeconds(60));
        grid.awaitStatus(low, "done", Duration.ofSeconds(60));
        JsonNode lowJob = grid.api.job(low);
        JsonNode highJob = grid.api.job(high);
        assertThat(highJob.get("finishedAt").asText())
                .isLessThanOrEqualTo(lowJob.get("finishedAt").asText());
    }
}
