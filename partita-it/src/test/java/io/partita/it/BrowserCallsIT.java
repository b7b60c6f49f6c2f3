package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Grid calls in real headless Chromium: one tab of another origin is the only worker (no Java
 * workers). Call tasks run a module's {@code call(args, ctx)}; compute and call tasks wait for
 * {@code ctx.call} without holding their Web Worker (suspend/resume), so recursion deeper than the
 * tab's slots completes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserCallsIT {
    static final ObjectMapper JSON = new ObjectMapper();

    Grid grid;
    Browsers browsers;
    ChromeDriver driver;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        grid = new Grid(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
        browsers = new Browsers(grid.coordinator.url(), dir);
        driver = browsers.open();
        // at most 2 Web Workers (min(data-workers, cores - 1): 1 on a 2-core machine)
        driver.get(browsers.embedUrl(Map.of("cpu", "1", "workers", "2")));
        await("the tab is a worker")
                .atMost(Duration.ofSeconds(60))
                .until(() -> grid.browserWorkers().size() == 1);
    }

    @AfterAll
    void stop() throws Exception {
        if (browsers != null) {
            browsers.close();
        }
        if (grid != null) {
            grid.close();
        }
    }

    void register(String name, String code) throws Exception {
        String body = JSON.createObjectNode()
                .put("name", name)
                .put("code", code)
                .put("pure", true)
                .toString();
        ApiClient.Response r = grid.api.post("/api/functions", body);
        assertThat(r.status()).as("registering %s: %s", name, r.body()).isEqualTo(201);
        assertThat(r.json().get("runtime").asText()).isEqualTo("js");
    }

    ApiClient.Response call(String function, String args) {
        return grid.api.post(
                "/api/calls", "{\"function\":\"" + function + "\",\"args\":" + args + ",\"timeout\":25000}");
    }

    JsonNode functionStats(String function) {
        return grid.api.get("/api/cache/stats").json().path("functions").path(function);
    }

    /** What the page printed that says something went wrong (an uncaught error, a warning of ours). */
    List<String> troubles() {
        List<String> out = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            String m = e.getMessage();
            if (m.contains("Uncaught") || m.contains("[partita]")) {
                out.add(m);
            }
        }
        return out;
    }

    @Test
    void recursiveFib_runsInOneTab_whoseEveryWebWorkerWaits_andIsCachedAfter() throws Exception {
        register("tests/fib-js", """
                export async function call([n], ctx) {
                  if (n < 2) return n;
                  const a = ctx.call('tests/fib-js', n - 1);
                  const b = ctx.call('tests/fib-js', n - 2);
                  return (await a) + (await b);
                }
                """);
        ApiClient.Response first = call("tests/fib-js", "[20]");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("status").asText()).isEqualTo("done");
        assertThat(first.json().get("result").asLong()).isEqualTo(6765);
        assertThat(first.json().get("cached").asBoolean()).isFalse();
        // fib(20) .. fib(0) once each: identical calls in flight merged, later ones from the cache.
        // Twenty of them waited at once for their sub-calls in a tab of one or two Web Workers.
        JsonNode stats = functionStats("tests/fib-js");
        assertThat(stats.get("executions").asLong()).isEqualTo(21);
        long executions =
                grid.api.get("/api/cache/stats").json().get("executions").asLong();

        ApiClient.Response again = call("tests/fib-js", "[20]");
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("result").asLong()).isEqualTo(6765);
        assertThat(again.json().get("cached").asBoolean()).isTrue();
        assertThat(grid.api.get("/api/cache/stats").json().get("executions").asLong())
                .isEqualTo(executions);

        // the browser did it all, on one connection, without a failure
        List<JsonNode> workers = grid.browserWorkers();
        assertThat(workers).hasSize(1);
        assertThat(workers.get(0).get("tasksDone").asLong()).isGreaterThanOrEqualTo(21);
        assertThat(workers.get(0).get("tasksFailed").asLong()).isZero();
        Map<?, ?> page = (Map<?, ?>) driver.executeScript("return window.Partita.stats();");
        assertThat(((Number) page.get("waiting")).intValue()).isZero();
        assertThat(troubles()).isEmpty();
    }

    @Test
    void computeTaskOfAJavaScriptJob_awaitsGridCalls() throws Exception {
        register("tests/square", "export function call([x]) { return x * x; }");
        String module = """
                export async function compute(i, ctx) { return (await ctx.call('tests/square', i)) + 1; }
                export function combine(a, b) { return a + b; }
                """;
        String id = grid.api.submit(Grid.jsSpec(module, "\"partitions\":10"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        // sum of i * i + 1 for i < 10
        assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong()).isEqualTo(295);
        assertThat(functionStats("tests/square").get("executions").asLong()).isEqualTo(10);
        assertThat(troubles()).isEmpty();
    }

    @Test
    void aCalleeThatThrows_rejectsTheCallersAwait_withItsMessage() throws Exception {
        register("tests/boom", "export function call([what]) { throw new Error('boom: ' + what); }");
        register("tests/catcher", """
                export async function call([what], ctx) {
                  let typeError = null;
                  try { ctx.call(42); } catch (e) { typeError = e.name; }
                  try {
                    await ctx.call('tests/boom', what);
                    return {message: 'no error', typeError};
                  } catch (e) {
                    return {message: e.message, typeError};
                  }
                }
                """);
        ApiClient.Response caught = call("tests/catcher", "[\"x\"]");
        assertThat(caught.status()).as(caught.body()).isEqualTo(200);
        assertThat(caught.json().get("result").get("message").asText()).contains("boom: x");
        assertThat(caught.json().get("result").get("typeError").asText()).isEqualTo("TypeError");

        ApiClient.Response failed = call("tests/boom", "[\"y\"]");
        assertThat(failed.status()).as(failed.body()).isEqualTo(500);
        assertThat(failed.json().get("status").asText()).isEqualTo("failed");
        assertThat(failed.json().get("error").asText()).contains("Error: boom: y");
        assertThat(troubles()).isEmpty();
    }
}
