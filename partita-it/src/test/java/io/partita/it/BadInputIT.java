package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.Message;
import io.partita.testing.ApiClient.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kind of bad input gets a clear error and leaves the store as it was. */
class BadInputIT {
    @TempDir
    Path dir;

    Grid grid;

    @BeforeEach
    void start() {
        grid = new Grid(
                dir,
                CoordinatorConfig.builder()
                        .auth(false)
                        .maxPartitions(1000)
                        .maxRequestBytes(4096)
                        .maxFrameBytes(64 * 1024)
                        .heartbeatInterval(Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() throws Exception {
        grid.close();
    }

    private long jobCount() {
        return grid.api.get("/api/jobs").json().get("total").asLong();
    }

    private void assertError(Response r, int status, String code, String field, String messagePart) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.json().get("error").asText()).isEqualTo(code);
        assertThat(r.json().get("message").asText()).contains(messagePart);
        if (field == null) {
            assertThat(r.json().get("field").isNull()).isTrue();
        } else {
            assertThat(r.json().get("field").asText()).isEqualTo(field);
        }
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void malformedJson_is400() {
        assertError(grid.api.post("/api/jobs", "{\"function\": "), 400, "malformed_json", null, "not valid JSON");
        assertError(grid.api.post("/api/jobs", ""), 400, "malformed_json", null, "empty");
        assertThat(jobCount()).isZero();
    }

    @Test
    void unknownFunction_is422() {
        assertError(
                grid.api.post("/api/jobs", "{\"function\":\"nope/nothing\",\"partitions\":10}"),
                422,
                "unknown_function",
                "function",
                "unknown function 'nope/nothing'");
        assertThat(jobCount()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-3", "1001", "10000001", "1.5", "\"ten\""})
    void partitionsOutOfRange_is422(String partitions) {
        assertError(
                grid.api.post("/api/jobs", "{\"function\":\"examples/noop\",\"partitions\":" + partitions + "}"),
                422,
                "invalid_field",
                "partitions",
                "partitions must be");
        assertThat(jobCount()).isZero();
    }

    @Test
    void badOptionsAndFields_are422NamingTheField() {
        assertError(
                grid.api.post("/api/jobs", "{\"partitions\":10}"),
                422,
                "invalid_field",
                "function",
                "function is required");
        assertError(grid.api.post("/api/jobs", "[1,2]"), 422, "invalid_field", "", "JSON object");
        assertError(
                grid.api.post("/api/jobs", "{\"function\":\"examples/noop\",\"partitons\":10}"),
                422,
                "invalid_field",
                "partitons",
                "unknown field");
        assertError(
                grid.api.post(
                        "/api/jobs",
                        "{\"function\":\"examples/noop\",\"partitions\":10,\"options\":{\"maxAttempts\":0}}"),
                422,
                "invalid_field",
                "options.maxAttempts",
                "between 1 and 100");
        assertError(
                grid.api.post(
                        "/api/jobs",
                        "{\"function\":\"examples/noop\",\"partitions\":10,\"options\":{\"taskTimeout\":\"soon\"}}"),
                422,
                "invalid_field",
                "options.taskTimeout",
                "ISO-8601");
        assertError(
                grid.api.post("/api/jobs", "{\"function\":\"examples/noop\",\"partitions\":10,\"params\":[1]}"),
                422,
                "invalid_field",
                "params",
                "JSON object");
        String noop = "{\"function\":\"examples/noop\",\"partitions\":10,\"requirements\":";
        assertError(
                grid.api.post("/api/jobs", noop + "{\"memory\":-1}}"),
                422,
                "invalid_field",
                "requirements.memory",
                "non-negative");
        assertError(
                grid.api.post("/api/jobs", noop + "{\"features\":\"webgpu\"}}"),
                422,
                "invalid_field",
                "requirements.features",
                "array");
        assertError(
                grid.api.post("/api/jobs", noop + "{\"gpus\":1}}"),
                422,
                "invalid_field",
                "requirements.gpus",
                "unknown field");
        assertError(
                grid.api.post("/api/jobs", noop + "{\"cores\":1.5}}"),
                422,
                "invalid_field",
                "requirements.cores",
                "integer");
        assertThat(jobCount()).isZero();
    }

    @Test
    void bodyOverLimit_is413() {
        String big =
                "{\"function\":\"examples/noop\",\"partitions\":10,\"params\":{\"x\":\"" + "a".repeat(10_000) + "\"}}";
        assertError(grid.api.post("/api/jobs", big), 413, "too_large", null, "over the limit of 4096 bytes");
        assertThat(jobCount()).isZero();
        // the server is still fine afterwards
        assertThat(grid.api.get("/api/health").status()).isEqualTo(200);
    }

    @Test
    void unknownJobId_is404() {
        assertError(grid.api.get("/api/jobs/nope"), 404, "not_found", null, "no job with id 'nope'");
        assertError(grid.api.get("/api/jobs/nope/result"), 404, "not_found", null, "nope");
        assertError(grid.api.delete("/api/jobs/nope"), 404, "not_found", null, "nope");
        assertError(grid.api.get("/api/jobs/nope/events"), 404, "not_found", null, "nope");
        assertError(grid.api.get("/api/nothing-here"), 404, "not_found", null, "no such endpoint");
    }

    @Test
    void resultBeforeDone_is409_andCancelTwice_is409() {
        String id = grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":100}");
        assertError(grid.api.get("/api/jobs/" + id + "/result"), 409, "not_done", null, "is running");
        Response cancelled = grid.api.delete("/api/jobs/" + id);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");
        assertError(grid.api.delete("/api/jobs/" + id), 409, "already_finished", null, "already cancelled");
        assertError(grid.api.get("/api/jobs/" + id + "/result"), 409, "not_done", null, "cancelled");
    }

    @Test
    void badPaging_is400() {
        assertError(grid.api.get("/api/jobs?limit=0"), 400, "invalid_query", "limit", "limit must be");
        assertError(grid.api.get("/api/jobs?offset=x"), 400, "invalid_query", "offset", "offset must be");
        String id = grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":1}");
        assertError(
                grid.api.get("/api/jobs/" + id + "/events?after=-1"), 400, "invalid_query", "after", "after must be");
        assertError(
                grid.api.get("/api/jobs/" + id + "/events?limit=x"), 400, "invalid_query", "limit", "limit must be");
    }

    @Test
    void frameOverLimit_closesSocketWith1009() throws Exception {
        try (RawWorker raw = new RawWorker(grid.coordinator.url())) {
            raw.send(RawWorker.hello(List.of("examples/noop")));
            raw.await(Message.Welcome.class);
            raw.sendText("{\"type\":\"heartbeat\",\"time\":1,\"pad\":\"" + "x".repeat(100_000) + "\"}");
            RawWorker.Closed closed = raw.awaitClosed();
            assertThat(closed.code()).isEqualTo(1009);
        }
        assertThat(grid.api.get("/api/health").status()).isEqualTo(200);
    }

    @Test
    void resultForTaskNotHeld_isRejectedAndStoreUnchanged() throws Exception {
        String id = grid.api.submit("{\"function\":\"test/record\",\"partitions\":5,\"params\":{\"log\":\""
                + dir.resolve("x.log") + "\"}}");
        try (RawWorker raw = new RawWorker(grid.coordinator.url())) {
            raw.send(RawWorker.hello(List.of("some/other")));
            raw.await(Message.Welcome.class);
            raw.send(new Message.Pull(10));
            raw.send(new Message.Results(
                    1,
                    List.of(new Message.Result(
                            id, 0, 2, 1, true, com.fasterxml.jackson.databind.node.LongNode.valueOf(3), null, 1))));
            Message.Error error = raw.await(Message.Error.class);
            assertThat(error.code()).isEqualTo("not_held");
            assertThat(error.message()).contains(id + "/0/2#1");
            JsonNode job = grid.api.job(id);
            assertThat(job.get("counts").get("done").asLong()).isZero();
            assertThat(job.get("status").asText()).isEqualTo("running");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "not json",
                "{\"type\":\"launch\"}",
                "{\"type\":\"results\",\"seq\":1}",
                "{\"type\":\"tasks\",\"jobs\":[],\"tasks\":[]}",
                "{\"type\":\"pull\",\"credits\":-5}"
            })
    void invalidFrame_closesWithReason_andRequeuesLeases(String frame) throws Exception {
        String id = grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":50}");
        try (RawWorker raw = new RawWorker(grid.coordinator.url())) {
            raw.send(RawWorker.hello(List.of("examples/noop")));
            raw.await(Message.Welcome.class);
            raw.send(new Message.Pull(10));
            Message.Tasks tasks = raw.await(Message.Tasks.class);
            assertThat(tasks.tasks()).hasSize(10);
            assertThat(grid.api.job(id).get("counts").get("running").asLong()).isEqualTo(10);
            raw.sendText(frame);
            RawWorker.Closed closed = raw.awaitClosed();
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).isNotBlank();
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> grid.api.job(id).get("counts").get("running").asLong() == 0);
        JsonNode job = grid.api.job(id);
        assertThat(job.get("counts").get("pending").asLong()).isEqualTo(50);
        assertThat(job.get("counts").get("done").asLong()).isZero();
    }

    @Test
    void firstMessageNotHello_closesWithReason() throws Exception {
        try (RawWorker raw = new RawWorker(grid.coordinator.url())) {
            raw.send(new Message.Pull(10));
            RawWorker.Closed closed = raw.awaitClosed();
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).contains("hello");
        }
    }
}
