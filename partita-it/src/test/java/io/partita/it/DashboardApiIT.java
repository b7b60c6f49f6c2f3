package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's data without a browser: event streams, the partition map, the examples. */
class DashboardApiIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Grid grid;
    static Worker worker;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        grid = new Grid(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
        worker = Worker.start(WorkerConfig.defaults(grid.coordinator.url())
                .withSlots(2)
                .withToken(java.util.Optional.of(grid.coordinator.localWorkerToken())));
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
        grid.close();
    }

    record Event(String name, JsonNode data, long atMillis) {}

    /** Reads a stream's events for a while. */
    static List<Event> read(String path, Duration duration) throws Exception {
        HttpResponse<InputStream> res = http.send(
                HttpRequest.newBuilder(grid.coordinator.url().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type")).get().asString().startsWith("text/event-stream");
        List<Event> events = new ArrayList<>();
        long start = System.nanoTime();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String name = null;
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ") && name != null) {
                        synchronized (events) {
                            events.add(new Event(
                                    name, JSON.readTree(line.substring(6)), (System.nanoTime() - start) / 1_000_000));
                        }
                    }
                }
            } catch (Exception e) {
                // closed
            }
        });
        Thread.sleep(duration.toMillis());
        res.body().close();
        reader.interrupt();
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    @Test
    void jobStream_sendsAFullMapThenDeltas_atMost4PerSecond() throws Exception {
        ObjectNode spec = JSON.createObjectNode();
        spec.putObject("code")
                .put("language", "js")
                .put(
                        "source",
                        "export function compute(i) { const e = Date.now() + 5; while (Date.now() < e) {} return i; }\n"
                                + "export function combine(a, b) { return a + b; }");
        spec.put("partitions", 3000);
        String id = grid.api.submit(spec.toString());
        List<Event> events = read("/api/jobs/" + id + "/stream", Duration.ofSeconds(3));
        List<Event> maps = events.stream().filter(e -> e.name().equals("map")).toList();
        assertThat(maps).isNotEmpty();
        assertThat(maps.get(0).data().get("full").asBoolean()).isTrue();
        assertThat(maps.get(0).data().get("partitions").asInt()).isEqualTo(3000);
        long covered = 0;
        JsonNode runs = maps.get(0).data().get("runs");
        for (int r = 0; r < runs.size(); r += 3) {
            covered += runs.get(r + 1).asLong();
        }
        assertThat(covered).isEqualTo(3000);
        assertThat(maps.subList(1, maps.size())).isNotEmpty().allSatisfy(m -> {
            assertThat(m.data().get("full").asBoolean()).isFalse();
            // a delta names only cells that changed: far fewer than the whole map
            assertThat(m.data().get("runs").size() / 3).isLessThan(3000);
        });
        // at most 4 messages of a kind per second (first one at once)
        assertThat(maps.size()).isLessThanOrEqualTo(1 + 4 * 3 + 1);
        assertThat(events).extracting(Event::name).contains("job", "workers", "events", "history");
        JsonNode firstEvents = events.stream()
                .filter(e -> e.name().equals("events"))
                .findFirst()
                .orElseThrow()
                .data();
        assertThat(firstEvents.get(0).get("type").asText()).isEqualTo("submitted");

        // the REST map agrees with the stream's picture of it
        JsonNode map = grid.api.get("/api/jobs/" + id + "/map").json();
        assertThat(map.get("partitions").asInt()).isEqualTo(3000);
        grid.api.delete("/api/jobs/" + id);
        assertThat(grid.api.get("/api/jobs/nope/stream").status()).isEqualTo(404);
        assertThat(grid.api.get("/api/jobs/nope/map").status()).isEqualTo(404);
    }

    @Test
    void overviewStream_hasWorkersByKind_jobs_andNewHistoryOnly() throws Exception {
        String id = grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":1000}");
        grid.awaitStatus(id, "done", Duration.ofSeconds(30));
        List<Event> events = read("/api/stream", Duration.ofSeconds(3));
        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.name()).isEqualTo("overview"));
        JsonNode first = events.get(0).data();
        assertThat(first.get("workers").get("byKind").get("java").get("count").asInt())
                .isEqualTo(1);
        assertThat(first.get("workers").get("cores").asInt()).isPositive();
        assertThat(first.get("jobs").toString()).contains(id);
        assertThat(first.get("store").asText()).isEqualTo("ok");
        assertThat(first.get("history").size()).isGreaterThan(1);
        long lastSecond =
                first.get("history").get(first.get("history").size() - 1).get(0).asLong();
        for (Event later : events.subList(1, events.size())) {
            for (JsonNode point : later.data().get("history")) {
                assertThat(point.get(0).asLong()).isGreaterThan(lastSecond);
                lastSecond = point.get(0).asLong();
            }
        }
        assertThat(events.size()).isLessThanOrEqualTo(3 * 2 + 1);
    }

    @Test
    void examples_areTheShippedModules_andJobsCarryTheirParams() throws Exception {
        JsonNode examples = grid.api.get("/api/examples").json();
        assertThat(examples).extracting(e -> e.get("name").asText()).contains("pi", "primes", "collatz", "mandelbrot");
        JsonNode pi = examples.get(0);
        assertThat(pi.get("source").asText()).contains("export function compute");
        String id = grid.api.submit(JSON.createObjectNode()
                .setAll(java.util.Map.of(
                        "code",
                                JSON.createObjectNode()
                                        .put("language", "js")
                                        .put("source", pi.get("source").asText()),
                        "params", JSON.createObjectNode().put("samples", 1000).put("seed", 3),
                        "partitions", JSON.getNodeFactory().numberNode(10)))
                .toString());
        JsonNode job = grid.api.job(id);
        assertThat(job.get("params").get("samples").asInt()).isEqualTo(1000);
        assertThat(job.get("options").get("maxAttempts").asInt()).isEqualTo(3);
        assertThat(job.get("code").get("exports").toString()).contains("compute");
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        assertThat(grid.api
                        .get("/api/jobs/" + id + "/result")
                        .json()
                        .get("inside")
                        .asLong())
                .isEqualTo(Grid.piInsideReference(10, 1000, 3));
        JsonNode map = grid.api.get("/api/jobs/" + id + "/map").json();
        assertThat(map.get("runs").toString()).isEqualTo("[0,10,2]");
    }

    @Test
    void aSummarisedMap_hasAtMostBucketsRanges_withCountsPerState_andBadParametersAreNamed() throws Exception {
        // No worker has the feature: every partition stays pending.
        String id = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { return 1; }\nexport function combine(a, b) { return a + b; }",
                "\"partitions\":1000000,\"requirements\":{\"features\":[\"none-has-it\"]}"));
        try {
            JsonNode whole =
                    grid.api.get("/api/jobs/" + id + "/map?buckets=4096").json();
            assertThat(whole.get("partitions").asLong()).isEqualTo(1_000_000);
            assertThat(whole.get("bucketSize").asInt()).isEqualTo(245); // ceil(1,000,000 / 4096)
            assertThat(whole.get("counts").size()).isLessThanOrEqualTo(4096);
            assertThat(whole.get("counts").get(0).toString()).isEqualTo("[245,0,0,0,0]");
            long total = 0;
            for (JsonNode bucket : whole.get("counts")) {
                total += bucket.get(0).asLong();
            }
            assertThat(total).isEqualTo(1_000_000);

            JsonNode range = grid.api
                    .get("/api/jobs/" + id + "/map?from=5000&to=5010&buckets=4")
                    .json();
            assertThat(range.get("bucketSize").asInt()).isEqualTo(3);
            assertThat(range.get("counts").toString()).isEqualTo("[[3,0,0,0,0],[3,0,0,0,0],[3,0,0,0,0],[1,0,0,0,0]]");

            var bad = grid.api.get("/api/jobs/" + id + "/map?buckets=5000");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("buckets must be an integer between 1 and 4096");
            bad = grid.api.get("/api/jobs/" + id + "/map?from=10&to=5");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("to must be an integer between 10 and 1000000");
            // without the parameters, the full runs as before
            assertThat(grid.api
                            .get("/api/jobs/" + id + "/map")
                            .json()
                            .get("runs")
                            .toString())
                    .isEqualTo("[0,1000000,0]");
        } finally {
            grid.api.delete("/api/jobs/" + id);
        }
    }
}
