package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.CoordinatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Browser volunteers in real headless Chromium: pages of another origin embed volunteer.js; the
 * coordinator is the real one on a random port and the browsers are the only workers.
 */
class BrowserIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SUM_MODULE = """
            export function compute(i) { let x = 0; for (let k = 0; k < 2000; k++) x = (x + i * k) % 1000003; return x; }
            export function combine(a, b) { return a + b; }
            """;

    @TempDir
    Path dir;

    Grid grid;
    Browsers browsers;

    @BeforeEach
    void start() throws Exception {
        grid = new Grid(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
        browsers = new Browsers(grid.coordinator.url(), dir);
    }

    @AfterEach
    void stop() throws Exception {
        browsers.close();
        grid.close();
    }

    /** What SUM_MODULE gives for partitions [0, n), computed here. */
    static long sumReference(long n) {
        long total = 0;
        for (long i = 0; i < n; i++) {
            long x = 0;
            for (long k = 0; k < 2000; k++) {
                x = (x + i * k) % 1000003;
            }
            total += x;
        }
        return total;
    }

    void awaitBrowserWorkers(int n) {
        await("browser workers connected")
                .atMost(Duration.ofSeconds(60))
                .until(() -> grid.browserWorkers().size() >= n);
    }

    static Map<?, ?> stats(ChromeDriver driver) {
        return (Map<?, ?>) driver.executeScript("return window.Partita ? window.Partita.stats() : null;");
    }

    @Test
    void threeCrossOriginTabs_completeA10000PartitionJob() throws Exception {
        ChromeDriver driver = browsers.open();
        String page = browsers.embedUrl(Map.of("cpu", "1", "workers", "2"));
        driver.get(page);
        for (int i = 0; i < 2; i++) {
            driver.switchTo().newWindow(WindowType.WINDOW);
            driver.get(page);
        }
        awaitBrowserWorkers(3);
        assertThat(driver.getCurrentUrl()).doesNotContain(":" + grid.coordinator.port() + "/");

        String id = grid.api.submit(Grid.jsSpec(SUM_MODULE, "\"partitions\":10000"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(180));
        assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong()).isEqualTo(sumReference(10_000));
        List<JsonNode> workers = grid.browserWorkers();
        assertThat(workers).hasSize(3);
        int cores = ((Number) driver.executeScript("return navigator.hardwareConcurrency;")).intValue();
        assertThat(workers).allSatisfy(w -> {
            // Web Workers: min(data-workers, cores - 1), at least 1
            assertThat(w.get("capabilities").get("slots").asInt()).isEqualTo(Math.max(1, Math.min(2, cores - 1)));
            assertThat(w.get("capabilities").get("cores").asInt()).isEqualTo(cores);
            assertThat(w.get("capabilities").get("features").toString()).contains("wasm");
            assertThat(w.get("tasksDone").asLong())
                    .as("tasks done by %s", w.get("name"))
                    .isPositive();
            assertThat(w.get("capabilities").get("runtimes").toString()).contains("js");
            assertThat(w.get("capabilities").get("userAgent").asText()).contains("Chrome");
        });
    }

    @Test
    void aVolunteerKeepsItsKeyAcrossVisits_andSeesItsCredit() throws Exception {
        ChromeDriver driver = browsers.open();
        String page = browsers.embedUrl(Map.of("cpu", "1", "workers", "1"));
        driver.get(page);
        awaitBrowserWorkers(1);
        String id = grid.api.submit(Grid.jsSpec(SUM_MODULE, "\"partitions\":200"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        String volunteer = grid.browserWorkers().get(0).get("volunteer").asText();
        await("the page knows its volunteer id and its credit")
                .atMost(Duration.ofSeconds(40))
                .until(() -> {
                    Map<?, ?> st = stats(driver);
                    return st != null && volunteer.equals(st.get("volunteer")) && st.get("credit") instanceof Number;
                });
        assertThat(grid.api.get("/api/volunteers/" + volunteer).status()).isEqualTo(200);

        // a later visit: the same key, so the same record
        driver.navigate().refresh();
        await("the second visit reconnects under the same record")
                .atMost(Duration.ofSeconds(40))
                .until(() -> {
                    Map<?, ?> st = stats(driver);
                    return st != null && volunteer.equals(st.get("volunteer"));
                });
    }

    @Test
    void pauseResumeAndStop_fromThePagesScript() throws Exception {
        ChromeDriver driver = browsers.open();
        driver.get(browsers.embedUrl(Map.of("cpu", "1", "workers", "1")));
        awaitBrowserWorkers(1);
        driver.executeScript("window.Partita.pause();");
        await("paused: the browser leaves")
                .atMost(Duration.ofSeconds(20))
                .until(() -> grid.browserWorkers().isEmpty());
        assertThat((Boolean) stats(driver).get("paused")).isTrue();
        driver.executeScript("window.Partita.resume();");
        awaitBrowserWorkers(1);
        String id = grid.api.submit(Grid.jsSpec(SUM_MODULE, "\"partitions\":200"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong()).isEqualTo(sumReference(200));
        driver.executeScript("window.Partita.stop();");
        await("stopped: the browser leaves")
                .atMost(Duration.ofSeconds(20))
                .until(() -> grid.browserWorkers().isEmpty());
        // stopped for good: it does not come back, even with work waiting
        String waiting = grid.api.submit(Grid.jsSpec(SUM_MODULE, "\"partitions\":10"));
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> grid.browserWorkers().isEmpty());
        assertThat(grid.api.job(waiting).get("counts").get("done").asLong()).isZero();
    }

    @Test
    void closedTab_itsLeasedTasksRunElsewhere_andTheResultIsRight() throws Exception {
        ChromeDriver staying = browsers.open();
        ChromeDriver leaving = browsers.open();
        String page = browsers.embedUrl(Map.of("cpu", "1", "workers", "2"));
        staying.get(page);
        awaitBrowserWorkers(1);
        String stayingId = grid.browserWorkers().get(0).get("id").asText();
        leaving.get(page);
        awaitBrowserWorkers(2);
        String leavingId = grid.browserWorkers().stream()
                .map(w -> w.get("id").asText())
                .filter(w -> !w.equals(stayingId))
                .findFirst()
                .orElseThrow();

        // ~10 ms per partition: long enough that the leaving tab holds tasks when it goes
        String module = """
                export function compute(i) { const end = Date.now() + 10; let x = i; while (Date.now() < end) x = (x * 31 + 7) % 1000003; return i; }
                export function combine(a, b) { return a + b; }
                """;
        String id = grid.api.submit(Grid.jsSpec(module, "\"partitions\":3000"));
        await("the leaving tab holds tasks")
                .atMost(Duration.ofSeconds(60))
                .until(() -> grid.browserWorkers().stream()
                        .anyMatch(w -> w.get("id").asText().equals(leavingId)
                                && w.get("running").path(id).asInt() > 0
                                && w.get("tasksDone").asLong() > 20));
        leaving.quit();
        await("the leaving tab's worker is gone")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.browserWorkers().stream()
                        .noneMatch(w -> w.get("id").asText().equals(leavingId)));
        grid.awaitStatus(id, "done", Duration.ofSeconds(180));
        assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong()).isEqualTo(3000L * 2999 / 2);
        assertThat(grid.api.job(id).get("counts").get("failed").asLong()).isZero();
    }

    @Test
    void cpuCap_holds_andAHiddenPageStopsTakingTasks() throws Exception {
        ChromeDriver driver = browsers.open();
        driver.get(browsers.embedUrl(Map.of("cpu", "0.25", "workers", "1")));
        awaitBrowserWorkers(1);
        String module = """
                export function compute(i) { const end = Date.now() + 20; let x = i; while (Date.now() < end) x = (x * 31 + 7) % 1000003; return 1; }
                export function combine(a, b) { return a + b; }
                """;
        String id = grid.api.submit(Grid.jsSpec(module, "\"partitions\":100000"));
        await("the tab works")
                .atMost(Duration.ofSeconds(30))
                .until(() -> ((Number) stats(driver).get("tasks")).longValue() > 20);
        Thread.sleep(6000); // the busy fraction is measured over the last 5 s
        double busy = ((Number) stats(driver).get("busyFraction")).doubleValue();
        assertThat(busy)
                .as("busy fraction under data-cpu=0.25")
                .isLessThanOrEqualTo(0.35)
                .isGreaterThan(0.05);

        // hide the page: a new tab in the same window puts it in the background (switching to a
        // window brings it to the front, so from here on the coordinator is the witness)
        driver.switchTo().newWindow(WindowType.TAB);
        driver.get("about:blank");
        await("a hidden page stops working")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.browserWorkers().stream()
                        .allMatch(w -> w.get("running").path(id).asInt() == 0));
        long doneWhenHidden = grid.api.job(id).get("counts").get("done").asLong();
        await("nothing more is done while hidden")
                .during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(4))
                .until(() -> grid.api.job(id).get("counts").get("done").asLong() == doneWhenHidden);

        // visible again: it takes tasks again
        driver.close();
        driver.switchTo().window(driver.getWindowHandles().iterator().next());
        await("a visible page works again")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.api.job(id).get("counts").get("done").asLong() > doneWhenHidden);
    }

    @Test
    void joinPage_showsAQrCodeOfItsOwnUrl_andWorksOnItsJob() throws Exception {
        String other = grid.api.submit(Grid.jsSpec(SUM_MODULE, "\"partitions\":1000000"));
        String id = grid.api.submit(Grid.jsSpec(SUM_MODULE, "\"partitions\":2000"));
        ChromeDriver driver = browsers.open();
        String url = grid.coordinator.url().resolve("/join/" + id).toString();
        driver.get(url);
        WebElement qr = driver.findElement(By.id("qr"));
        assertThat(Browsers.readQr(driver, qr)).isEqualTo(driver.getCurrentUrl());

        grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong()).isEqualTo(sumReference(2000));
        // it worked on its job only, not on the older, bigger one
        assertThat(grid.api.job(other).get("counts").get("done").asLong()).isZero();
        await("the page shows this browser's tasks")
                .atMost(Duration.ofSeconds(10))
                .until(() -> !driver.findElement(By.id("tasks")).getText().matches("\\D*0\\D*"));
    }

    @Test
    void throwingAndLoopingTasks_failTheirJobs_andTheBrowserKeepsWorking() throws Exception {
        ChromeDriver driver = browsers.open();
        driver.get(browsers.embedUrl(Map.of("cpu", "1", "workers", "2")));
        awaitBrowserWorkers(1);
        Set<String> ids = new HashSet<>();
        grid.browserWorkers().forEach(w -> ids.add(w.get("id").asText()));

        String throwing = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { if (i === 3) throw new Error('no luck at ' + i); return i; }",
                "\"partitions\":10,\"options\":{\"maxAttempts\":1}"));
        JsonNode failed = grid.awaitStatus(throwing, "failed", Duration.ofSeconds(60));
        assertThat(failed.get("error").asText()).contains("partition 3").contains("no luck at 3");

        String looping = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { if (i === 2) { while (true) {} } return i; }",
                "\"partitions\":10,\"options\":{\"maxAttempts\":1,\"taskTimeout\":\"PT1S\"}"));
        JsonNode timedOut = grid.awaitStatus(looping, "failed", Duration.ofSeconds(60));
        // partition 2 loops; a task queued behind it in the same Web Worker may time out first (a
        // lease's deadline runs from when it was sent)
        assertThat(timedOut.get("error").asText()).contains("timed out");

        String fine = grid.api.submit(Grid.jsSpec(SUM_MODULE, "\"partitions\":500"));
        grid.awaitStatus(fine, "done", Duration.ofSeconds(60));
        assertThat(grid.api.get("/api/jobs/" + fine + "/result").json().asLong())
                .isEqualTo(sumReference(500));
        // the same connection did it all: the browser was never dropped
        Set<String> now = new HashSet<>();
        grid.browserWorkers().forEach(w -> now.add(w.get("id").asText()));
        assertThat(now).isEqualTo(ids);
        assertThat(StreamSupport.stream(
                                grid.api.get("/api/workers").json().get("items").spliterator(), false)
                        .mapToLong(w -> w.get("tasksFailed").asLong())
                        .sum())
                .isPositive();
    }
}
