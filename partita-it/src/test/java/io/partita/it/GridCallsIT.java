package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.api.GridCallException;
import io.partita.client.PartitaClient;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grid calls on a real coordinator with real worker processes: recursion through the grid with
 * every slot waiting, the cache, merging of shared sub-calls, a worker killed while holding a parent
 * call, and bad input (issue 8).
 */
class GridCallsIT {

    @TempDir
    Path dir;

    private static JsonNode stats(Grid grid) {
        return grid.api.get("/api/cache/stats").json();
    }

    private static long executions(Grid grid, String function) {
        return stats(grid).path("functions").path(function).path("executions").asLong();
    }

    private static ApiClient.Response call(Grid grid, String function, String args) {
        return grid.api.post("/api/calls", "{\"function\": \"" + function + "\", \"args\": " + args + "}");
    }

    @Test
    void naiveRecursiveFib25_onTwoWorkersOfTwoSlots_completes_andIsThenAnsweredFromTheCache() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.worker("w2", 2);
            grid.awaitWorkers(2);
            try (PartitaClient client = PartitaClient.connect(grid.coordinator.url())) {
                long fib = client.call(Long.class, "examples/fib", 25).get(120, TimeUnit.SECONDS);
                assertThat(fib).isEqualTo(75025);
                // fib(0) .. fib(25): each computed once, however many times it was asked for
                assertThat(executions(grid, "examples/fib")).isEqualTo(26);
                JsonNode before = stats(grid);

                long again = client.call(Long.class, "examples/fib", 25).get(10, TimeUnit.SECONDS);
                ApiClient.Response http = call(grid, "examples/fib", "[25]");

                assertThat(again).isEqualTo(75025);
                assertThat(http.status()).isEqualTo(200);
                assertThat(http.json().get("result").asLong()).isEqualTo(75025);
                assertThat(http.json().get("cached").asBoolean()).isTrue();
                JsonNode after = stats(grid);
                assertThat(after.get("executions").asLong())
                        .as("no task ran for the cached calls")
                        .isEqualTo(before.get("executions").asLong());
                assertThat(after.get("hits").asLong())
                        .isEqualTo(before.get("hits").asLong() + 2);
            }
        }
    }

    @Test
    void aRecursionThousandCallsDeep_completes_andSharedSubCallsRunOnce() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.worker("w2", 2);
            grid.awaitWorkers(2);
            try (PartitaClient client = PartitaClient.connect(grid.coordinator.url())) {
                // 1000 tasks wait at once, each for the next, on 4 slots
                assertThat(client.call(Long.class, "tests/chain", 1000).get(180, TimeUnit.SECONDS))
                        .isEqualTo(1000);
                assertThat(executions(grid, "tests/chain")).isEqualTo(1001);

                // paths(8, 8) asks for paths(i, j) along every path: 12,870 paths, but only 80 distinct
                // calls (0 <= i, j <= 8, never (0, 0))
                assertThat(client.call(Long.class, "tests/paths", 8, 8).get(120, TimeUnit.SECONDS))
                        .isEqualTo(12870);
                JsonNode paths = stats(grid).path("functions").path("tests/paths");
                assertThat(paths.get("executions").asLong()).isEqualTo(80);
                assertThat(paths.get("merged").asLong() + paths.get("hits").asLong())
                        .as("repeated sub-calls joined one in flight or came from the cache")
                        .isGreaterThan(0);
            }
            JsonNode live = stats(grid).get("calls");
            assertThat(live.get("live").asInt()).isZero();
        }
    }

    @Test
    void aWorkerKilledHoldingAParent_theParentRunsAgain_reusingItsChildrensResults() throws Exception {
        try (Grid grid = new Grid(dir)) {
            // Parents run only on w-parent, children only on w-children, so the kill hits the parent.
            JavaProcess parentWorker = grid.worker("w-parent", 1, "--function", "tests/parent");
            grid.worker("w-children", 4, "--function", "tests/sleep");
            grid.awaitWorkers(2);
            // children finish after 0.3 s, 1.5 s, 6 s and 8 s
            ApiClient.Response submitted = grid.api.post(
                    "/api/calls",
                    "{\"function\": \"tests/parent\", \"args\": [300, 1500, 6000, 8000], \"async\": true}");
            assertThat(submitted.status()).isEqualTo(202);
            String id = submitted.json().get("id").asText();

            Awaitility.await("two children done")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> stats(grid)
                                    .path("functions")
                                    .path("tests/sleep")
                                    .path("entries")
                                    .asLong()
                            >= 2);
            assertThat(grid.api.get("/api/calls/" + id).json().get("status").asText())
                    .isEqualTo("running");
            parentWorker.kill();
            grid.worker("w-parent-2", 1, "--function", "tests/parent");

            Awaitility.await("parent done")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !grid.api
                            .get("/api/calls/" + id)
                            .json()
                            .get("status")
                            .asText()
                            .equals("running"));
            JsonNode done = grid.api.get("/api/calls/" + id).json();
            assertThat(done.get("status").asText()).isEqualTo("done");
            assertThat(done.get("result").asLong()).isEqualTo(0 + 1 + 2 + 3);
            JsonNode functions = stats(grid).get("functions");
            assertThat(functions.path("tests/parent").path("executions").asLong())
                    .as("the parent ran again")
                    .isEqualTo(2);
            assertThat(functions.path("tests/sleep").path("executions").asLong())
                    .as("each child ran once: done ones came from the cache, running ones were joined")
                    .isEqualTo(4);
            assertThat(functions.path("tests/sleep").path("hits").asLong()).isGreaterThanOrEqualTo(2);
            assertThat(functions.path("tests/sleep").path("merged").asLong()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void badInput_isRefusedWithTheFieldNamed_andFailuresReachTheCaller() throws Exception {
        try (Grid grid =
                new Grid(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)))) {
            grid.worker("w1", 2);
            grid.awaitWorkers(1);

            ApiClient.Response unknown = call(grid, "no/such", "[1]");
            assertThat(unknown.status()).isEqualTo(422);
            assertThat(unknown.json().get("field").asText()).isEqualTo("function");
            assertThat(unknown.json().get("message").asText()).contains("no/such");

            ApiClient.Response notJson = grid.api.post("/api/calls", "{\"function\": \"tests/echo\", \"args\": [1,");
            assertThat(notJson.status()).isEqualTo(400);
            assertThat(notJson.json().get("error").asText()).isEqualTo("malformed_json");

            ApiClient.Response notArray = call(grid, "tests/echo", "\"1, 2\"");
            assertThat(notArray.status()).isEqualTo(422);
            assertThat(notArray.json().get("field").asText()).isEqualTo("args");

            ApiClient.Response unknownField =
                    grid.api.post("/api/calls", "{\"function\": \"tests/echo\", \"args\": [], \"retries\": 3}");
            assertThat(unknownField.status()).isEqualTo(422);
            assertThat(unknownField.json().get("field").asText()).isEqualTo("retries");

            ApiClient.Response badTimeout =
                    grid.api.post("/api/calls", "{\"function\": \"tests/echo\", \"args\": [], \"timeout\": -5}");
            assertThat(badTimeout.status()).isEqualTo(422);
            assertThat(badTimeout.json().get("field").asText()).isEqualTo("timeout");

            ApiClient.Response thrown = call(grid, "tests/throw", "[\"the disk is full\"]");
            assertThat(thrown.status()).isEqualTo(500);
            assertThat(thrown.json().get("status").asText()).isEqualTo("failed");
            assertThat(thrown.json().get("error").asText()).contains("the disk is full");

            ApiClient.Response caught = call(grid, "tests/catch", "[\"no route to host\"]");
            assertThat(caught.status()).isEqualTo(200);
            assertThat(caught.json().get("result").asText())
                    .as("a task's ctx.call fails with the callee's message")
                    .contains("no route to host");

            ApiClient.Response cycle = call(grid, "tests/cycle", "[7]");
            assertThat(cycle.status()).isEqualTo(500);
            assertThat(cycle.json().get("error").asText()).contains("call cycle");

            ApiClient.Response slow = grid.api.post(
                    "/api/calls", "{\"function\": \"tests/sleep\", \"args\": [5, 1500], \"timeout\": 100}");
            assertThat(slow.status()).isEqualTo(504);
            assertThat(slow.json().get("error").asText()).contains("did not finish within 100 ms");
            String id = slow.json().get("id").asText();
            Awaitility.await("the slow call ends anyway")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> grid.api
                            .get("/api/calls/" + id)
                            .json()
                            .get("status")
                            .asText()
                            .equals("done"));
            assertThat(grid.api.get("/api/calls/" + id).json().get("result").asLong())
                    .isEqualTo(5);
            assertThat(grid.api.get("/api/calls/nope").status()).isEqualTo(404);

            // a call can be cancelled: its caller gets "cancelled", its running attempt is stopped
            ApiClient.Response long1 = grid.api.post(
                    "/api/calls", "{\"function\": \"tests/sleep\", \"args\": [6, 60000], \"async\": true}");
            assertThat(long1.status()).isEqualTo(202);
            String longId = long1.json().get("id").asText();
            Awaitility.await("the long call runs")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> stats(grid).path("calls").path("running").asInt() >= 1);
            ApiClient.Response cancelled = grid.api.delete("/api/calls/" + longId);
            assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
            assertThat(cancelled.json().get("status").asText()).isEqualTo("failed");
            assertThat(cancelled.json().get("error").asText()).contains("cancelled by");
            assertThat(grid.api.delete("/api/calls/" + longId).status()).isEqualTo(409);
            assertThat(grid.api.delete("/api/calls/nope").status()).isEqualTo(404);
            Awaitility.await("it is no longer live")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> stats(grid).path("calls").path("live").asInt() == 0);

            // failures are not cached: the same failing call runs again
            long throwsBefore = executions(grid, "tests/throw");
            call(grid, "tests/throw", "[\"the disk is full\"]");
            assertThat(executions(grid, "tests/throw")).isEqualTo(throwsBefore + 1);

            try (PartitaClient client = PartitaClient.connect(grid.coordinator.url())) {
                assertThatThrownBy(() -> client.call("no/such", 1).get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(GridCallException.class)
                        .hasMessageContaining("unknown function 'no/such'");
                assertThatThrownBy(
                                () -> client.call("tests/throw", "out of paper").get(10, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(GridCallException.class)
                        .hasMessageContaining("out of paper");
            }
            assertThat(grid.api.get("/api/cache/stats").json().path("functions").has("no/such"))
                    .isFalse();
        }
    }

    @Test
    void theClientPipelinesManyCallsOnOneConnection_andImpureCallsAreNeitherCachedNorMerged() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.awaitWorkers(1);
            try (PartitaClient client = PartitaClient.connect(grid.coordinator.url())) {
                List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    calls.add(client.call("tests/echo", i, "x" + i));
                }
                for (int i = 0; i < calls.size(); i++) {
                    JsonNode r = calls.get(i).get(60, TimeUnit.SECONDS);
                    assertThat(r.get(0).asInt()).isEqualTo(i);
                    assertThat(r.get(1).asText()).isEqualTo("x" + i);
                }
                assertThat(executions(grid, "tests/echo")).isEqualTo(2000);

                // nested JSON goes through unchanged, and equal arguments written in another order
                // (members swapped, 1.0 for 1) are the same call
                JsonNode nested = client.call(
                                "tests/echo", java.util.Map.of("x", 1, "y", List.of(2, java.util.Map.of())))
                        .get(10, TimeUnit.SECONDS);
                // Map.of iterates in a per-JVM random order: compare JSON values, not texts
                assertThat(nested)
                        .isEqualTo(
                                new com.fasterxml.jackson.databind.ObjectMapper().readTree("[{\"x\":1,\"y\":[2,{}]}]"));
                ApiClient.Response same = call(grid, "tests/echo", "[{\"y\": [2.0, {}], \"x\": 1}]");
                assertThat(same.json().get("cached").asBoolean()).isTrue();

                long a = client.call(Long.class, "tests/impure", 1).get(10, TimeUnit.SECONDS);
                long b = client.call(Long.class, "tests/impure", 1).get(10, TimeUnit.SECONDS);
                assertThat(a).isNotEqualTo(b);
                assertThat(executions(grid, "tests/impure")).isEqualTo(2);
                assertThat(stats(grid)
                                .path("functions")
                                .path("tests/impure")
                                .path("entries")
                                .asLong())
                        .isZero();
            }
        }
    }

    @Test
    void javascriptCallsAndJobs_callTheGridOnJavaWorkers_sharingTheCache() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.awaitWorkers(1);
            // the shipped JavaScript twin, registered by the coordinator at start
            ApiClient.Response fib = call(grid, "examples/fib-js", "[30]");
            assertThat(fib.status()).isEqualTo(200);
            assertThat(fib.json().get("result").asLong()).isEqualTo(832040);
            assertThat(executions(grid, "examples/fib-js")).isEqualTo(31);

            // a JavaScript job whose partitions call a Java function through the grid
            String module = """
                    export async function compute(i, ctx) {
                      const [n] = await ctx.call('tests/echo', i * 10);
                      return n + await ctx.call('tests/paths', i, 2);
                    }
                    export function combine(a, b) { return a + b; }
                    """;
            String id = grid.api.submit(Grid.jsSpec(module, "\"partitions\": 10"));
            grid.awaitStatus(id, "done", Duration.ofSeconds(60));
            long expected = 0;
            for (long i = 0; i < 10; i++) {
                expected += i * 10 + (i == 0 ? 1 : (i + 1) * (i + 2) / 2);
            }
            assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong())
                    .isEqualTo(expected);

            // the job's calls filled the cache that later calls use
            ApiClient.Response direct = call(grid, "tests/paths", "[9, 2]");
            assertThat(direct.json().get("result").asLong()).isEqualTo(55);
            assertThat(direct.json().get("cached").asBoolean()).isTrue();

            // a JavaScript function registered through the API, awaiting a Java one
            ApiClient.Response registered = grid.api.post(
                    "/api/functions",
                    "{\"name\": \"tests/js-twice\", \"code\": \"export async function call([x], ctx) {"
                            + " return 2 * (await ctx.call('tests/chain', x)); }\"}");
            assertThat(registered.status()).isEqualTo(201);
            assertThat(registered.json().get("runtime").asText()).isEqualTo("js");
            assertThat(call(grid, "tests/js-twice", "[50]").json().get("result").asLong())
                    .isEqualTo(100);
            ApiClient.Response noCall = grid.api.post(
                    "/api/functions", "{\"name\": \"tests/bad\", \"code\": \"export function compute() {}\"}");
            assertThat(noCall.status()).isEqualTo(422);
            assertThat(noCall.json().get("field").asText()).isEqualTo("code");
            assertThat(noCall.json().get("message").asText()).contains("call(args, ctx)");
            ApiClient.Response javaName = grid.api.post(
                    "/api/functions", "{\"name\": \"examples/fib\", \"code\": \"export function call() {}\"}");
            assertThat(javaName.status()).isEqualTo(409);
        }
    }

    @Test
    void theCacheSurvivesACoordinatorRestart_andIsClearedPerFunction() throws Exception {
        try (Grid grid = new Grid(dir)) {
            grid.worker("w1", 2);
            grid.awaitWorkers(1);
            assertThat(call(grid, "tests/paths", "[5, 5]").json().get("result").asLong())
                    .isEqualTo(252);
            Awaitility.await("cache written")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> stats(grid).get("entries").asLong() >= 35);
        }
        // a new coordinator on the same store, without any worker: only the cache can answer
        try (Grid grid = new Grid(dir)) {
            ApiClient.Response again = call(grid, "tests/paths", "[5, 5]");
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.json().get("result").asLong()).isEqualTo(252);
            assertThat(again.json().get("cached").asBoolean()).isTrue();
            assertThat(stats(grid).get("executions").asLong()).isZero();
            assertThat(stats(grid)
                            .path("functions")
                            .path("tests/paths")
                            .path("entries")
                            .asLong())
                    .isEqualTo(35);

            ApiClient.Response cleared = grid.api.delete("/api/cache?function=tests/paths");
            assertThat(cleared.json().get("removed").asLong()).isEqualTo(35);
            ApiClient.Response after =
                    grid.api.post("/api/calls", "{\"function\": \"tests/paths\", \"args\": [5, 5], \"timeout\": 300}");
            assertThat(after.status()).as("no worker, no cache: the call waits").isEqualTo(504);
        }
    }
}
