package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.testing.ApiClient.Response;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JavaScript jobs end to end: code by hash, syntax errors at submit, the same answers as Java. */
class JavaScriptJobsIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Grid grid;
    static Worker worker;

    @BeforeAll
    static void start() {
        // code.url is read from this coordinator itself (loopback): allowed by the operator.
        grid = new Grid(
                dir,
                io.partita.coordinator.CoordinatorConfig.builder()
                        .auth(false)
                        .heartbeatInterval(java.time.Duration.ofMillis(500))
                        .allowFetch(java.util.List.of("127.0.0.1")));
        worker = Worker.start(WorkerConfig.defaults(grid.coordinator.url())
                .withSlots(2)
                .withToken(java.util.Optional.of(grid.coordinator.localWorkerToken())));
    }

    @AfterAll
    static void stop() throws Exception {
        worker.close();
        grid.close();
    }

    static String example(String name) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("examples/js"))) {
            root = root.getParent();
        }
        return Files.readString(root.resolve("examples/js/" + name));
    }

    JsonNode run(String spec) {
        String id = grid.api.submit(spec);
        grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        return grid.api.get("/api/jobs/" + id + "/result").json();
    }

    @Test
    void pi_javaScriptAndJava_giveTheSameAnswer() throws Exception {
        String params = "\"params\":{\"samples\":20000,\"seed\":99},\"partitions\":100";
        JsonNode js = run(Grid.jsSpec(example("pi.mjs"), params));
        JsonNode java = run("{\"function\":\"examples/pi\"," + params + "}");
        assertThat(js.get("inside").asLong()).isEqualTo(java.get("inside").asLong());
        assertThat(js.get("samples").asLong()).isEqualTo(2_000_000L);
        assertThat(js.get("estimate").asDouble()).isEqualTo(java.get("estimate").asDouble());
        assertThat(java.get("inside").asLong()).isEqualTo(Grid.piInsideReference(100, 20000, 99));
    }

    @Test
    void primes_withPrepare_javaScriptAndJava_giveTheSameExactCount() throws Exception {
        JsonNode js = run(Grid.jsSpec(example("primes.mjs"), "\"params\":{\"limit\":10000000}"));
        JsonNode java = run("{\"function\":\"examples/primes\",\"params\":{\"limit\":10000000}}");
        assertThat(js.asLong()).isEqualTo(664_579L);
        assertThat(java.asLong()).isEqualTo(664_579L);
    }

    @Test
    void workers_reportTheirJavaScriptEngine() {
        JsonNode caps = grid.api.get("/api/workers").json().get("items").get(0).get("capabilities");
        assertThat(caps.get("runtimes").toString()).contains("js");
        assertThat(caps.get("engines").get("js").asText()).matches(".+ \\((JIT|interpreted)\\)");
    }

    @Test
    void treeCombine_over100000Partitions_isExact() throws Exception {
        JsonNode sum = run(Grid.jsSpec(
                "export function compute(i) { return i + 1; }\nexport function combine(a, b) { return a + b; }",
                "\"partitions\":100000,\"options\":{\"fanIn\":16}"));
        assertThat(sum.asLong()).isEqualTo(100_000L * 100_001L / 2);
    }

    @Test
    void collatz_findsTheLongestChain() throws Exception {
        JsonNode best = run(Grid.jsSpec(example("collatz.mjs"), "\"params\":{\"limit\":100000},\"partitions\":20"));
        assertThat(best.get("start").asLong()).isEqualTo(77_031L);
        assertThat(best.get("steps").asLong()).isEqualTo(350L);
    }

    @Test
    void rerun_withChangedParams_givesTheNewResult_andLinksTheJobs() throws Exception {
        String first = grid.api.submit(
                Grid.jsSpec(example("pi.mjs"), "\"params\":{\"samples\":1000,\"seed\":5},\"partitions\":10"));
        grid.awaitStatus(first, "done", Duration.ofSeconds(60));
        Response rerun = grid.api.post("/api/jobs/" + first + "/rerun", "{\"params\":{\"seed\":6}}");
        assertThat(rerun.status()).as(rerun.body()).isEqualTo(201);
        assertThat(rerun.json().get("rerunOf").asText()).isEqualTo(first);
        String second = rerun.json().get("id").asText();
        grid.awaitStatus(second, "done", Duration.ofSeconds(60));
        JsonNode result = grid.api.get("/api/jobs/" + second + "/result").json();
        assertThat(result.get("inside").asLong()).isEqualTo(Grid.piInsideReference(10, 1000, 6));
        assertThat(grid.api.job(second).get("rerunOf").asText()).isEqualTo(first);
        assertThat(grid.api.post("/api/jobs/nope/rerun", "{}").status()).isEqualTo(404);
        Response bad = grid.api.post("/api/jobs/" + first + "/rerun", "{\"parms\":{}}");
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.json().get("field").asText()).isEqualTo("parms");
    }

    @Test
    void mandelbrot_resultIsServedAsPng() throws Exception {
        String id = grid.api.submit(Grid.jsSpec(
                example("mandelbrot.mjs"), "\"params\":{\"width\":64,\"height\":48,\"tile\":16,\"iterations\":200}"));
        JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        assertThat(job.get("partitions").asLong()).isEqualTo(12);
        var response = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        grid.coordinator.url().resolve("/api/jobs/" + id + "/result.png"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("image/png");
        var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(response.body()));
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(image.getHeight()).isEqualTo(48);
        // the view is centred on -0.6 + 0i, inside the set: black; the corner is far outside: not black
        assertThat(image.getRGB(32, 24) & 0xFFFFFF).isZero();
        assertThat(image.getRGB(0, 0) & 0xFFFFFF).isNotZero();
        // a result that is not an image
        String plain = grid.api.submit(Grid.jsSpec("export function compute(i) { return i; }", "\"partitions\":2"));
        grid.awaitStatus(plain, "done", Duration.ofSeconds(30));
        assertThat(grid.api.get("/api/jobs/" + plain + "/result.png").status()).isEqualTo(422);
    }

    @Test
    void logger_isCalledForJobEvents_andWhatItSaysIsKeptInTheEventLog() throws Exception {
        String module = """
                export function compute(i, ctx) {
                  if (i === 3 && ctx.attempt === 1) throw new Error("first try of 3 fails");
                  if (i === 1) ctx.log("one is odd");
                  return i * 10;
                }
                export function combine(a, b) { return a + b; }
                export function log(event, ctx) {
                  if (event.type === "partition") return event.partition === 2 ? "two gave " + event.output : undefined;
                  if (event.type === "failed") { console.log("saw " + event.error); return "retry " + event.partition; }
                  return event.type + (event.status ? " " + event.status : "") + " of " + ctx.partitions;
                }
                """;
        String id = grid.api.submit(Grid.jsSpec(module, "\"partitions\":5"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong()).isEqualTo(100);

        // the finished event gets the logger's answer shortly after the job is done
        JsonNode events = Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> grid.api.get("/api/jobs/" + id + "/events").json().get("events"),
                        e -> last(e).has("logged")
                                && byType(e, "started").size() == 1
                                && byType(e, "started").get(0).has("logged"));
        assertThat(events.get(0).get("type").asText()).isEqualTo("submitted");
        assertThat(events.get(0).get("seq").asLong()).isEqualTo(1);
        JsonNode started = byType(events, "started").get(0);
        assertThat(started.get("logged").get("returned").asText()).isEqualTo("started of 5");
        JsonNode partitions = byType(events, "partition");
        assertThat(partitions).hasSize(2); // partition 1 printed a line, partition 2's logger returned
        assertThat(partitions.toString())
                .contains("\"printed\":[\"one is odd\"]")
                .contains("\"returned\":\"two gave 20\"");
        JsonNode failed = byType(events, "failed").get(0);
        assertThat(failed.get("partition").asLong()).isEqualTo(3);
        assertThat(failed.get("error").asText()).contains("first try of 3 fails");
        assertThat(failed.get("logged").get("returned").asText()).isEqualTo("retry 3");
        assertThat(failed.get("logged").get("printed").get(0).asText())
                .startsWith("saw ")
                .contains("first try");
        JsonNode finished = last(events);
        assertThat(finished.get("type").asText()).isEqualTo("finished");
        assertThat(finished.get("status").asText()).isEqualTo("done");
        assertThat(finished.get("logged").get("returned").asText()).isEqualTo("finished done of 5");
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).get("seq").asLong())
                    .isGreaterThan(events.get(i - 1).get("seq").asLong());
        }

        // paging
        JsonNode page =
                grid.api.get("/api/jobs/" + id + "/events?after=1&limit=2").json();
        assertThat(page.get("events")).hasSize(2);
        assertThat(page.get("events").get(0).get("seq").asLong()).isEqualTo(2);
        assertThat(page.get("next").asLong()).isEqualTo(3);
    }

    @Test
    void jobWithoutLogger_stillHasItsJobEvents() throws Exception {
        String id = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { return i; }\nexport function combine(a, b) { return a + b; }",
                "\"partitions\":1000"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        JsonNode events = Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(
                        () -> grid.api.get("/api/jobs/" + id + "/events").json().get("events"),
                        e -> e.size() > 0 && last(e).get("type").asText().equals("finished"));
        assertThat(events).extracting(e -> e.get("type").asText()).containsExactly("submitted", "started", "finished");
        assertThat(last(events).has("logged")).isFalse();
    }

    @Test
    void eventPages_ofLargeEvents_areBoundedInBytes_andPagingReachesEveryEvent() throws Exception {
        // 30 partitions that each print 100 lines of 1000 characters: ~100 KB per partition event,
        // ~3 MB for a page of 100 events before pages were bounded in bytes
        String module = """
                export function compute(i, ctx) {
                  const line = "x".repeat(1000);
                  for (let k = 0; k < 100; k++) ctx.log(line);
                  return i;
                }
                """;
        String id = grid.api.submit(Grid.jsSpec(module, "\"partitions\":30"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        // the event log is complete once the finished event is written; read it page by page
        java.util.List<JsonNode> all = Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> allEvents(id),
                        events -> events.stream()
                                .anyMatch(e -> e.get("type").asText().equals("finished")));
        int partitionEvents = (int) all.stream()
                .filter(e -> e.get("type").asText().equals("partition"))
                .count();
        Response first = grid.api.get("/api/jobs/" + id + "/events?limit=100");
        assertThat(first.json().get("events").size())
                .as("events on the first page")
                .isLessThan(30);
        assertThat(partitionEvents).isEqualTo(30);
    }

    /** Every event of a job, read page by page; each page bounded in bytes, seqs increasing. */
    private static java.util.List<JsonNode> allEvents(String id) throws Exception {
        java.util.List<JsonNode> all = new java.util.ArrayList<>();
        long after = 0;
        while (true) {
            Response r = grid.api.get("/api/jobs/" + id + "/events?limit=100&after=" + after);
            assertThat(r.body().length()).as("page bytes").isLessThan((1 << 20) + (200 << 10));
            JsonNode page = r.json();
            if (page.get("events").isEmpty()) {
                return all;
            }
            for (JsonNode e : page.get("events")) {
                assertThat(e.get("seq").asLong()).isGreaterThan(after);
                all.add(e);
            }
            after = page.get("next").asLong();
        }
    }

    private static JsonNode last(JsonNode array) {
        return array.get(array.size() - 1);
    }

    private static JsonNode byType(JsonNode events, String type) {
        var out = JSON.createArrayNode();
        events.forEach(e -> {
            if (e.get("type").asText().equals(type)) {
                out.add(e);
            }
        });
        return out;
    }

    @Test
    void syntaxError_isRejectedAtSubmitWithItsPosition() throws Exception {
        long before = grid.api.get("/api/jobs").json().get("total").asLong();
        Response r = grid.api.post(
                "/api/jobs", Grid.jsSpec("export function compute(i) {\n  return i +;\n}", "\"partitions\":3"));
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.json().get("error").asText()).isEqualTo("syntax_error");
        assertThat(r.json().get("field").asText()).isEqualTo("code.source");
        assertThat(r.json().get("message").asText()).contains("line 2, column");
        assertThat(grid.api.get("/api/jobs").json().get("total").asLong()).isEqualTo(before);
    }

    @Test
    void moduleWithoutCompute_isRejected() throws Exception {
        Response r = grid.api.post(
                "/api/jobs", Grid.jsSpec("export function combine(a, b) { return a + b; }", "\"partitions\":3"));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().get("message").asText()).contains("compute");
    }

    @Test
    void uploadedCode_isServedByHash_andRunsByHashAndByUrl() throws Exception {
        String source =
                "export function compute(i) { return i * i; }\nexport function combine(a, b) { return a + b; }\n";
        ObjectNode upload = JSON.createObjectNode().put("language", "js").put("source", source);
        Response created = grid.api.post("/api/code", upload.toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String hash = created.json().get("hash").asText();
        assertThat(hash).hasSize(64);
        Response served = grid.api.get("/api/code/" + hash);
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(source);

        JsonNode byHash = run("{\"code\":{\"hash\":\"" + hash + "\"},\"partitions\":10}");
        assertThat(byHash.asLong()).isEqualTo(285);
        JsonNode byUrl =
                run("{\"code\":{\"url\":\"" + grid.coordinator.url() + "/api/code/" + hash + "\"},\"partitions\":4}");
        assertThat(byUrl.asLong()).isEqualTo(14);

        Response unknown =
                grid.api.post("/api/jobs", "{\"code\":{\"hash\":\"" + "0".repeat(64) + "\"},\"partitions\":4}");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.json().get("field").asText()).isEqualTo("code.hash");
        assertThat(grid.api.get("/api/code/" + "0".repeat(64)).status()).isEqualTo(404);
    }

    @Test
    void moduleWithoutCombine_collectsOutputsInOrder() throws Exception {
        JsonNode all =
                run(Grid.jsSpec("export async function compute(i) { await null; return i * 10; }", "\"partitions\":5"));
        assertThat(all.toString()).isEqualTo("[0,10,20,30,40]");
        JsonNode collected = run(Grid.jsSpec(
                "export function compute(i) { return i; }\n"
                        + "export function collect(outputs, params) { return outputs.join(params.sep); }",
                "\"partitions\":4,\"params\":{\"sep\":\"-\"}"));
        assertThat(collected.asText()).isEqualTo("0-1-2-3");
    }

    @Test
    void moduleWithoutCombine_overTheCollectBound_isA422NotAnInternalError() throws Exception {
        long before = grid.api.get("/api/jobs").json().get("total").asLong();
        Response r = grid.api.post(
                "/api/jobs", Grid.jsSpec("export function compute(i) { return i; }", "\"partitions\":5000"));
        assertThat(r.status()).as(r.body()).isEqualTo(422); // was a 500: one collect task takes at most 4,096 outputs
        assertThat(r.json().get("field").asText()).isEqualTo("partitions");
        assertThat(r.json().get("message").asText())
                .contains("at most 4096 partitions")
                .contains("combine");
        assertThat(grid.api.get("/api/jobs").json().get("total").asLong()).isEqualTo(before);
    }

    @Test
    void throwingOrLoopingTask_failsTheJobWithItsError_andTheWorkerCarriesOn() throws Exception {
        String throwing = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { if (i === 2) throw new Error('boom at ' + i); return 1; }",
                "\"partitions\":5,\"options\":{\"maxAttempts\":1}"));
        JsonNode failed = grid.awaitStatus(throwing, "failed", Duration.ofSeconds(60));
        assertThat(failed.get("error").asText()).contains("partition 2").contains("boom at 2");

        String looping = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { if (i === 1) { while (true) {} } return 1; }",
                "\"partitions\":3,\"options\":{\"maxAttempts\":1,\"taskTimeout\":\"PT1S\"}"));
        JsonNode timedOut = grid.awaitStatus(looping, "failed", Duration.ofSeconds(60));
        assertThat(timedOut.get("error").asText()).contains("partition 1").containsIgnoringCase("timed out");

        JsonNode after = run(Grid.jsSpec(
                "export function compute(i) { return 2; }\nexport function combine(a, b) { return a + b; }",
                "\"partitions\":50"));
        assertThat(after.asLong()).isEqualTo(100);
    }
}
