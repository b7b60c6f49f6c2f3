package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The dashboard in real headless Chromium against the real coordinator, with an in-process Java
 * worker. Screenshots go to {@code target/screenshots}.
 */
class DashboardIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path SHOTS = Path.of("target", "screenshots");
    /** Colours of the partition map by state code (see PartitionMap). */
    static final int[] COLOURS = {0xd9d9d9, 0xf5a623, 0x2e9d4f, 0xd0021b, 0x7b61ff};

    @TempDir
    static Path dir;

    static Grid grid;
    static Worker worker;
    static Browsers browsers;
    ChromeDriver driver;

    @BeforeAll
    static void start() throws Exception {
        grid = new Grid(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
        worker = Worker.start(WorkerConfig.defaults(grid.coordinator.url())
                .withSlots(2)
                .withToken(java.util.Optional.of(grid.coordinator.localWorkerToken())));
        browsers = new Browsers(grid.coordinator.url(), dir);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        browsers.close();
        worker.close();
        grid.close();
    }

    @AfterEach
    void noConsoleErrors() {
        if (driver == null) {
            return;
        }
        List<String> errors = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            // Chrome logs every 4xx answer to fetch as an error; the tests cause some on purpose
            boolean expectedHttpError = e.getMessage().contains("Failed to load resource")
                    && e.getMessage().matches(".*status of (400|404|409|422) .*");
            if (e.getLevel().intValue() >= Level.SEVERE.intValue() && !expectedHttpError) {
                errors.add(e.getMessage());
            }
        }
        driver.quit();
        driver = null;
        assertThat(errors).as("console errors").isEmpty();
    }

    String url(String hash) {
        return grid.coordinator.url().resolve("/").toString() + hash;
    }

    static void shot(ChromeDriver driver, String name) throws Exception {
        Files.write(SHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }

    /** The API's map of a job, expanded to one code per partition. */
    byte[] apiCodes(String id) {
        JsonNode map = grid.api.get("/api/jobs/" + id + "/map").json();
        byte[] codes = new byte[map.get("partitions").asInt()];
        JsonNode runs = map.get("runs");
        for (int r = 0; r < runs.size(); r += 3) {
            for (long i = runs.get(r).asLong();
                    i < runs.get(r).asLong() + runs.get(r + 1).asLong();
                    i++) {
                codes[(int) i] = (byte) runs.get(r + 2).asInt();
            }
        }
        return codes;
    }

    @Test
    void screenshots_andThePartitionMapsPixelsMatchTheApi() throws Exception {
        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(1280, 1600));

        // a finished job with every kind of cell: done, retried (failed once), failed, pending
        String mixed = grid.api.submit(Grid.jsSpec("""
                export function compute(i, ctx) {
                  if (i === 150) throw new Error('150 always fails');
                  if (i % 7 === 0 && ctx.attempt === 1) throw new Error('first try of ' + i);
                  return i;
                }
                export function combine(a, b) { return a + b; }
                """, "\"partitions\":400,\"options\":{\"maxAttempts\":2}"));
        grid.awaitStatus(mixed, "failed", Duration.ofSeconds(60));
        driver.get(url("#/jobs/" + mixed));
        byte[] expected = apiCodes(mixed);
        await("the map is drawn").atMost(Duration.ofSeconds(20)).until(() -> {
            Object n = driver.executeScript(
                    "return window.partitaMap && window.partitaMap.codes ? window.partitaMap.codes.length : 0;");
            return ((Number) n).intValue() == expected.length;
        });
        String apiCodes = java.util.Arrays.toString(expected);
        await("the page's map equals the API's")
                .atMost(Duration.ofSeconds(20))
                .until(() -> apiCodes.equals(
                        driver.executeScript("return '[' + Array.from(window.partitaMap.codes).join(', ') + ']';")));
        shot(driver, "job-finished");
        assertThat(expected).contains(PartitionMap.DONE, PartitionMap.RETRIED, PartitionMap.FAILED);
        checkMapPixels(driver, expected);

        // a running job, and the overview while it runs
        String running = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { const e = Date.now() + 20; while (Date.now() < e) {} return i; }\n"
                        + "export function combine(a, b) { return a + b; }",
                "\"partitions\":2000"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> grid.api.job(running).get("counts").get("done").asLong() > 20);
        driver.get(url("#/jobs/" + running));
        await("the running job's map shows done and running cells")
                .atMost(Duration.ofSeconds(20))
                .until(() -> {
                    Object has = driver.executeScript("const m = window.partitaMap; if (!m || !m.codes) return false;"
                            + "return m.codes.includes(1) && m.codes.includes(2);");
                    return Boolean.TRUE.equals(has);
                });
        shot(driver, "job-running");
        // The page re-renders while the job runs: take the map once it is laid out (not 0 px wide).
        await("the map is laid out")
                .atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> driver.findElement(By.id("map")).getSize().getWidth() > 0);
        BufferedImage map = await("the map's image")
                .atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> elementImage(driver.findElement(By.id("map"))), java.util.Objects::nonNull);
        assertThat(coloursIn(map)).contains(COLOURS[PartitionMap.RUNNING], COLOURS[PartitionMap.DONE]);

        driver.get(url("#/"));
        await("the overview lists the running job")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.getPageSource().contains(running));
        shot(driver, "overview");
        assertThat(driver.findElement(By.id("rate-chart")).isDisplayed()).isTrue();
        grid.api.delete("/api/jobs/" + running);
    }

    @Test
    void jobPage_showsImageResults_eventsAndJoinQr_andTheWorkersPageListsWorkers() throws Exception {
        JsonNode mandelbrot = null;
        for (JsonNode e : grid.api.get("/api/examples").json()) {
            if (e.get("name").asText().equals("mandelbrot")) {
                mandelbrot = e;
            }
        }
        assertThat(mandelbrot).isNotNull();
        String id = grid.api.submit(Grid.jsSpec(
                mandelbrot.get("source").asText(),
                "\"params\":{\"width\":64,\"height\":48,\"tile\":16,\"iterations\":100}"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(1280, 1600));
        driver.get(url("#/jobs/" + id));
        await("the result is shown as an image")
                .atMost(Duration.ofSeconds(20))
                .until(() -> ((Number) driver.executeScript("const i = document.getElementById('result-image');"
                                        + " return i && i.complete ? i.naturalWidth : 0;"))
                                .intValue()
                        == 64);
        await("the event log shows the job's end")
                .atMost(Duration.ofSeconds(20))
                .until(() -> !driver.findElements(By.cssSelector("#event-log .ev[data-type='finished']"))
                        .isEmpty());
        WebElement qr = driver.findElement(By.id("join-qr"));
        assertThat(driver.findElement(By.id("join-link")).getAttribute("href")).endsWith("/join/" + id);
        assertThat(Browsers.readQr(driver, qr)).endsWith("/join/" + id);

        String workerId = grid.api
                .get("/api/workers")
                .json()
                .get("items")
                .get(0)
                .get("id")
                .asText();
        driver.get(url("#/workers"));
        await("the workers page lists the worker")
                .atMost(Duration.ofSeconds(20))
                .until(() -> !driver.findElements(By.cssSelector("#workers-table tr[data-worker='" + workerId + "']"))
                        .isEmpty());
        assertThat(driver.findElement(By.cssSelector("#workers-table tr[data-worker='" + workerId + "']"))
                        .getText())
                .contains("java")
                .contains("local"); // its trust class: the test's worker presents the local token
        shot(driver, "workers");

        String volunteer = grid.api
                .get("/api/workers")
                .json()
                .get("items")
                .get(0)
                .get("volunteer")
                .asText();
        driver.get(url("#/volunteers"));
        await("the volunteers page lists the worker's host")
                .atMost(Duration.ofSeconds(20))
                .until(() -> !driver.findElements(
                                By.cssSelector("#volunteers-table tr[data-volunteer='" + volunteer + "']"))
                        .isEmpty());
        assertThat(driver.findElement(By.cssSelector("#volunteers-table tr[data-volunteer='" + volunteer + "']"))
                        .getText())
                .contains("anonymous");
        shot(driver, "volunteers");
    }

    @Test
    void workersPage_namesTheJobsAWorkerIsLimitedTo_andFitsItsCard() throws Exception {
        // Regressions: "only for ,http://…" (a nested array appended as text) and a clipped last column.
        String job = grid.api.submit(Grid.jsSpec("export function compute(i) { return i; }", "\"partitions\":1"));
        grid.awaitStatus(job, "done", Duration.ofSeconds(60));
        java.util.concurrent.ScheduledExecutorService beat =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (RawWorker raw = new RawWorker(grid.coordinator.url())) {
            raw.send(new io.partita.protocol.Message.Hello(
                    io.partita.protocol.Message.VERSION,
                    "java",
                    "limited-" + "x".repeat(40),
                    List.of("js"),
                    2,
                    1 << 30,
                    List.of(),
                    2,
                    Map.of("js", "GraalJS 25.0.4.1 (interpreted) with a rather long engine description"),
                    List.of("data"),
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                            + "HeadlessChrome/142.0.0.0 Safari/537.36 ".repeat(3),
                    null,
                    List.of(job)));
            raw.await(io.partita.protocol.Message.Welcome.class);
            beat.scheduleAtFixedRate(
                    () -> raw.send(new io.partita.protocol.Message.Heartbeat(System.currentTimeMillis())),
                    0,
                    200,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            driver = browsers.open();
            driver.manage().window().setSize(new Dimension(1280, 1000));
            driver.get(url("#/workers"));
            By only = By.cssSelector("#workers-table [data-only-for]");
            await("the limited worker's row")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> !driver.findElements(only).isEmpty());
            assertThat(driver.findElement(only).getText()).isEqualTo("only for " + job);
            assertThat(driver.findElement(only).findElement(By.tagName("a")).getAttribute("href"))
                    .endsWith("#/jobs/" + job);
            Map<?, ?> fit =
                    (Map<?, ?>) driver.executeScript("const w = document.querySelector('#workers-table').parentElement;"
                            + "return {scroll: w.scrollWidth, client: w.clientWidth};");
            shot(driver, "workers-limited");
            assertThat(((Number) fit.get("scroll")).intValue())
                    .as("the workers table fits its card (no clipped last column): " + fit)
                    .isLessThanOrEqualTo(((Number) fit.get("client")).intValue());
        } finally {
            beat.shutdownNow();
        }
    }

    @Test
    void aReusedJob_saysWhichJobItReused_andAFinishedJobKeepsItsChart() throws Exception {
        String first = grid.api.submit(Grid.jsSpec(
                "export function compute(i, ctx) { return i * ctx.params.k; }\n"
                        + "export function combine(a, b) { return a + b; }",
                "\"partitions\":30,\"params\":{\"k\":" + System.nanoTime() + "}"));
        grid.awaitStatus(first, "done", Duration.ofSeconds(60));
        String second = grid.api
                .post("/api/jobs/" + first + "/rerun", "{\"params\": {}}")
                .json()
                .get("id")
                .asText();
        grid.awaitStatus(second, "done", Duration.ofSeconds(60));
        assertThat(grid.api.job(second).get("reused").get("from").asText()).isEqualTo(first);
        assertThat(grid.api.job(second).get("reused").get("partitions").asLong())
                .isEqualTo(30);
        assertThat(grid.api.job(first).has("reused")).isFalse();

        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(1280, 1000));
        driver.get(url("#/jobs/" + second));
        await("the reuse is shown")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.findElement(By.id("job-reused")).isDisplayed());
        assertThat(driver.findElement(By.id("job-reused")).getText())
                .startsWith("reused 30 partitions of job " + first);
        driver.findElement(By.cssSelector("#job-reused a")).click();
        await("the reused job's page")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.getCurrentUrl().endsWith("#/jobs/" + first));
        // the finished job, opened after it ended, draws the completions it had
        await("the finished job's chart has its completions")
                .atMost(Duration.ofSeconds(20))
                .until(() -> "false"
                        .equals(driver.findElement(By.id("job-rate-chart")).getAttribute("data-empty")));
        assertThat(driver.findElement(By.id("job-reused")).isDisplayed()).isFalse();
    }

    @Test
    void aTenMillionPartitionMap_fitsItsCard_zooms_andHoverGivesARange_andTheJobSaysWhyItWaits() throws Exception {
        // No worker has the feature "gpu": the job waits, and says so, with every partition pending.
        String id = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { return 1; }\nexport function combine(a, b) { return a + b; }",
                "\"partitions\":10000000,\"requirements\":{\"features\":[\"gpu\"]}"));
        try {
            assertThat(grid.api.job(id).get("waiting").asText())
                    .isEqualTo("no connected worker meets its requirements (features gpu)");
            driver = browsers.open();
            driver.manage().window().setSize(new Dimension(1280, 1000));
            driver.get(url("#/jobs/" + id));
            await("the map is drawn")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> ((Number)
                                            driver.executeScript(
                                                    "return window.partitaMap && window.partitaMap.codes ? window.partitaMap.codes.length : 0;"))
                                    .intValue()
                            == 10_000_000);
            await("the waiting reason is shown")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> driver.findElement(By.id("job-waiting")).isDisplayed());
            assertThat(driver.findElement(By.id("job-waiting")).getText())
                    .isEqualTo("waiting: no connected worker meets its requirements (features gpu)");
            WebElement canvas = driver.findElement(By.id("map"));
            await("the map is laid out")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> canvas.getSize().getWidth() > 0);
            Map<?, ?> box =
                    (Map<?, ?>) driver.executeScript("const c = document.getElementById('map').getBoundingClientRect();"
                            + "const card = document.getElementById('map-card');"
                            + "const cs = getComputedStyle(card);"
                            + "return {w: c.width, h: c.height, card: card.clientWidth - parseFloat(cs.paddingLeft)"
                            + " - parseFloat(cs.paddingRight), per: window.partitaMap.per,"
                            + " pageW: document.documentElement.scrollWidth};");
            shot(driver, "job-ten-million");
            assertThat(((Number) box.get("w")).doubleValue())
                    .as("map width within its card " + box)
                    .isLessThanOrEqualTo(((Number) box.get("card")).doubleValue());
            assertThat(((Number) box.get("h")).doubleValue())
                    .as("map height " + box)
                    .isLessThanOrEqualTo(600);
            assertThat(((Number) box.get("pageW")).intValue())
                    .as("no sideways scrolling")
                    .isLessThanOrEqualTo(1280);
            int per = ((Number) box.get("per")).intValue();
            assertThat(per).as("partitions per pixel").isGreaterThan(1);

            // hover: the range under the pointer and its partitions per state
            driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", canvas);
            new org.openqa.selenium.interactions.Actions(driver)
                    .moveToElement(
                            canvas,
                            -canvas.getSize().getWidth() / 2 + 1,
                            -canvas.getSize().getHeight() / 2 + 1)
                    .perform();
            await("hover details")
                    .atMost(Duration.ofSeconds(10))
                    .until(() ->
                            driver.findElement(By.id("map-hover")).getText().startsWith("partitions "));
            String perText = String.format(java.util.Locale.ROOT, "%,d", per);
            assertThat(driver.findElement(By.id("map-hover")).getText())
                    .matches("partitions [0-9,]+–[0-9,]+ \\(" + perText + "\\): " + perText + " pending");

            // zoom: the middle quarter, then a click zooms four times closer, then back to the whole job
            driver.findElement(By.id("map-zoom-in")).click();
            await("zoomed in")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> ((Number) driver.executeScript("return window.partitaMap.hi - window.partitaMap.lo;"))
                                    .intValue()
                            == 2_500_000);
            assertThat(driver.findElement(By.id("map-info")).getText())
                    .startsWith("partitions 3,750,000–6,249,999 of 10,000,000");
            new org.openqa.selenium.interactions.Actions(driver)
                    .moveToElement(canvas)
                    .click()
                    .perform();
            await("a click zooms in")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> ((Number) driver.executeScript("return window.partitaMap.hi - window.partitaMap.lo;"))
                                    .intValue()
                            == 625_000);
            driver.findElement(By.id("map-zoom-all")).click();
            await("the whole job again")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> ((Number) driver.executeScript("return window.partitaMap.hi - window.partitaMap.lo;"))
                                    .intValue()
                            == 10_000_000);
        } finally {
            grid.api.delete("/api/jobs/" + id);
        }
    }

    @Test
    void dataPages_uploadADataset_showItsColumns_andAQueryWithPhasesCountersAndOutput() throws Exception {
        String name = "sales <img src=x onerror=window.pwned=1>";
        Path csv = dir.resolve("sales.csv");
        StringBuilder rows = new StringBuilder("region,qty,amount\n");
        for (int i = 0; i < 300; i++) {
            rows.append(i % 3 == 0 ? "north" : "south")
                    .append(',')
                    .append(i % 5)
                    .append(',')
                    .append(i)
                    .append('\n');
        }
        Files.writeString(csv, rows);
        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(1280, 1000));
        driver.get(url("#/data"));
        driver.findElement(By.id("upload-file")).sendKeys(csv.toAbsolutePath().toString());
        fill(driver, "upload-format", "csv");
        fill(driver, "upload-name", name);
        driver.findElement(By.id("upload")).click();
        await("the dataset's page")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.getCurrentUrl().contains("#/data/"));
        String ds = driver.getCurrentUrl().substring(driver.getCurrentUrl().lastIndexOf('/') + 1);
        await("its columns")
                .atMost(Duration.ofSeconds(20))
                .until(() ->
                        driver.findElement(By.id("dataset-columns")).getText().equals("region · qty · amount"));
        assertThat(driver.findElement(By.id("dataset-title")).getText()).isEqualTo(name);
        assertThat(driver.findElement(By.id("dataset-details")).getText())
                .contains("301")
                .contains("csv"); // lines, the header too

        String query = grid.api
                .post("/api/queries", """
                        {"dataset": "%s", "where": [{"column": "qty", "op": ">", "value": 0}],
                         "groupBy": ["region"], "aggregates": [{"fn": "count"}]}
                        """.formatted(ds))
                .json()
                .get("id")
                .asText();
        await("the query is done")
                .atMost(Duration.ofSeconds(60))
                .until(() -> grid.api
                        .get("/api/queries/" + query)
                        .json()
                        .get("status")
                        .asText()
                        .equals("done"));

        driver.get(url("#/data"));
        await("the data page lists the dataset and the query")
                .atMost(Duration.ofSeconds(20))
                .until(() -> !driver.findElements(By.cssSelector("#datasets-table tr[data-id='" + ds + "']"))
                                .isEmpty()
                        && !driver.findElements(By.cssSelector("#data-jobs-table tr[data-id='" + query + "']"))
                                .isEmpty());
        assertThat(driver.findElement(By.cssSelector("#datasets-table tr[data-id='" + ds + "']"))
                        .getText())
                .contains(name)
                .contains("region, qty, amount");
        assertThat(driver.findElements(By.cssSelector("#datasets-table img")))
                .as("the name stays text")
                .isEmpty();
        shot(driver, "data");
        driver.findElement(By.cssSelector("#data-jobs-table tr[data-id='" + query + "'] a.job-name"))
                .click();
        await("the query's output preview")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.findElement(By.id("data-job-output")).isDisplayed());
        assertThat(driver.findElement(By.id("data-job-output")).getText())
                .contains("north")
                .contains("south");
        assertThat(driver.findElement(By.id("data-job-phase")).getText()).isEqualTo("done");
        assertThat(driver.findElements(By.cssSelector("#data-job-phases [data-phase] a")))
                .isNotEmpty();
        assertThat(driver.findElement(By.cssSelector("#data-job-counters-table [data-counter='map.recordsIn']"))
                        .getText())
                .endsWith("300");
        assertThat(driver.findElement(By.id("data-job-download")).getAttribute("href"))
                .contains("/api/queries/" + query + "/output");
        shot(driver, "data-job");
        // a phase job's page leads back to its query
        String phase = driver.findElement(By.cssSelector("#data-job-phases [data-phase] a"))
                .getText();
        driver.get(url("#/jobs/" + phase));
        await("the phase names its query")
                .atMost(Duration.ofSeconds(20))
                .until(() -> !driver.findElements(By.id("job-data-job")).isEmpty());
        assertThat(driver.findElement(By.id("job-data-job")).getAttribute("href"))
                .endsWith("#/data-jobs/" + query);
        assertThat(driver.executeScript("return window.pwned === undefined;")).isEqualTo(true);
    }

    @Test
    void callsPage_showsLiveCalls_hitRatePerFunction_andRegisteredFunctions() throws Exception {
        String fn = "tests/square-" + System.nanoTime();
        assertThat(grid.api
                        .post(
                                "/api/functions",
                                JSON.createObjectNode()
                                        .put("name", fn)
                                        .put("code", "export function call([x]) { return x * x; }")
                                        .put("pure", true)
                                        .toString())
                        .status())
                .isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            assertThat(grid.api
                            .post("/api/calls", "{\"function\": \"" + fn + "\", \"args\": [7]}")
                            .json()
                            .get("result")
                            .asLong())
                    .isEqualTo(49);
        }
        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(1280, 1000));
        driver.get(url("#/calls"));
        By row = By.cssSelector("#cache-functions tr[data-id='" + fn + "']");
        await("the function's cache row")
                .atMost(Duration.ofSeconds(20))
                .until(() -> !driver.findElements(row).isEmpty());
        // one execution, then two answers from the cache: 2 hits of 3
        assertThat(driver.findElement(row).getText()).startsWith(fn + " 66.7% 2 1");
        assertThat(driver.findElement(By.id("calls-live")).getText()).isEqualTo("0");
        assertThat(driver.findElement(By.cssSelector("#functions-table tr[data-id^='" + fn + "@']"))
                        .getText())
                .contains("js")
                .contains("yes");
        shot(driver, "calls");
    }

    /** Each cell's centre pixel in a screenshot of the canvas has its state's colour. */
    static void checkMapPixels(ChromeDriver driver, byte[] expected) throws Exception {
        Map<?, ?> geometry = (Map<?, ?>)
                driver.executeScript("return {side: window.partitaMap.side, cell: window.partitaMap.cell};");
        int side = ((Number) geometry.get("side")).intValue();
        int cell = ((Number) geometry.get("cell")).intValue();
        assertThat(side).isEqualTo((int) Math.ceil(Math.sqrt(expected.length)));
        assertThat(cell).as("cells large enough to check by pixel").isGreaterThanOrEqualTo(3);
        WebElement canvas = driver.findElement(By.id("map"));
        driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", canvas);
        BufferedImage image = elementImage(canvas);
        assertThat(image.getWidth()).as("screenshot width").isGreaterThanOrEqualTo(side * cell);
        assertThat(image.getHeight())
                .as("screenshot height")
                .isGreaterThanOrEqualTo(((expected.length + side - 1) / side) * cell);
        int mismatches = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            int x = (i % side) * cell + cell / 2;
            int y = (i / side) * cell + cell / 2;
            int rgb = image.getRGB(x, y) & 0xFFFFFF;
            if (!close(rgb, COLOURS[expected[i]])) {
                if (mismatches++ < 5) {
                    first.append(
                            String.format(" #%d at (%d,%d): %06x, expected %06x;", i, x, y, rgb, COLOURS[expected[i]]));
                }
            }
        }
        assertThat(mismatches)
                .as("cells whose colour differs from the API's state:" + first)
                .isZero();
    }

    static BufferedImage elementImage(WebElement element) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(element.getScreenshotAs(OutputType.BYTES)));
    }

    static boolean close(int a, int b) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) > 6) {
                return false;
            }
        }
        return true;
    }

    static java.util.Set<Integer> coloursIn(BufferedImage image) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                for (int c : COLOURS) {
                    if (close(rgb, c)) {
                        out.add(c);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void submitThroughTheForm_cancel_andRerunWithAChangedParameter() throws Exception {
        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(1280, 1000));
        String module = "export function compute(i, ctx) { return i * ctx.params.k; }\n"
                + "export function combine(a, b) { return a + b; }";

        // a slow job, cancelled from its page
        driver.get(url("#/submit"));
        fill(
                driver,
                "code-source",
                "export function compute(i) { const e = Date.now() + 50; while (Date.now() < e) {} return i; }\n"
                        + "export function combine(a, b) { return a + b; }");
        fill(driver, "params", "{}");
        fill(driver, "partitions", "5000");
        driver.findElement(By.cssSelector("#submit-form [type=submit]")).click();
        String slow = awaitJobPage(driver);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> driver.findElement(By.id("cancel")).isDisplayed());
        driver.findElement(By.id("cancel")).click();
        acceptConfirm(driver);
        grid.awaitStatus(slow, "cancelled", Duration.ofSeconds(20));

        // a job with a parameter, then re-run with another value
        driver.get(url("#/submit"));
        fill(driver, "code-source", module);
        fill(driver, "params", "{\"k\": 2}");
        fill(driver, "partitions", "100");
        driver.findElement(By.cssSelector("#submit-form [type=submit]")).click();
        String first = awaitJobPage(driver);
        assertThat(first).isNotEqualTo(slow);
        grid.awaitStatus(first, "done", Duration.ofSeconds(60));
        assertThat(grid.api.get("/api/jobs/" + first + "/result").json().asLong())
                .isEqualTo(2 * 4950);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> driver.findElement(By.id("rerun-params")).isDisplayed());
        fill(driver, "rerun-params", "{\"k\": 3}");
        driver.findElement(By.id("rerun")).click();
        await("the re-run's page")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.getCurrentUrl().contains("#/jobs/")
                        && !driver.getCurrentUrl().endsWith(first));
        String second = driver.getCurrentUrl().substring(driver.getCurrentUrl().lastIndexOf('/') + 1);
        grid.awaitStatus(second, "done", Duration.ofSeconds(60));
        assertThat(grid.api.get("/api/jobs/" + second + "/result").json().asLong())
                .isEqualTo(3 * 4950);
        assertThat(grid.api.job(second).get("rerunOf").asText()).isEqualTo(first);
    }

    @Test
    void brokenSubmissions_showTheErrorNextToTheField() throws Exception {
        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(390, 844)); // a phone
        long before = grid.api.get("/api/jobs").json().get("total").asLong();
        driver.get(url("#/submit"));

        fill(driver, "code-source", "export function compute(i) { return i +; }");
        fill(driver, "params", "{}");
        fill(driver, "partitions", "10");
        driver.findElement(By.cssSelector("#submit-form [type=submit]")).click();
        assertThat(fieldError(driver, "code.source")).containsIgnoringCase("line");

        fill(driver, "code-source", "");
        driver.findElement(By.cssSelector("#submit-form [type=submit]")).click();
        assertThat(fieldError(driver, "code.source")).isNotBlank();

        fill(driver, "code-source", "export function compute(i) { return i; }");
        fill(driver, "partitions", "0");
        driver.findElement(By.cssSelector("#submit-form [type=submit]")).click();
        assertThat(fieldError(driver, "partitions")).contains("between 1");

        fill(driver, "partitions", "10");
        fill(driver, "params", "[1, 2");
        driver.findElement(By.cssSelector("#submit-form [type=submit]")).click();
        assertThat(fieldError(driver, "params")).isNotBlank();

        assertThat(grid.api.get("/api/jobs").json().get("total").asLong()).isEqualTo(before);
        Object width = driver.executeScript("return document.documentElement.scrollWidth;");
        assertThat(((Number) width).intValue())
                .as("no sideways scrolling on a phone")
                .isLessThanOrEqualTo(400);
        shot(driver, "submit-errors-phone");
    }

    @Test
    void aMillionPartitionJobPage_keepsFramesUnder50ms() throws Exception {
        String id = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { return 1; }\nexport function combine(a, b) { return a + b; }",
                "\"partitions\":1000000"));
        driver = browsers.open();
        driver.manage().window().setSize(new Dimension(1280, 1000));
        driver.get(url("#/jobs/" + id));
        await("the map is drawn")
                .atMost(Duration.ofSeconds(30))
                .until(() -> ((Number)
                                        driver.executeScript(
                                                "return window.partitaMap && window.partitaMap.codes ? window.partitaMap.codes.length : 0;"))
                                .intValue()
                        == 1_000_000);
        long doneBefore = grid.api.job(id).get("counts").get("done").asLong();
        @SuppressWarnings("unchecked")
        Map<String, Object> frames = (Map<String, Object>) driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const times = [];
                let last = performance.now();
                const doneBefore = window.partitaMap.codes.reduce((n, c) => n + (c === 2 || c === 4 ? 1 : 0), 0);
                function frame(t) {
                  times.push(t - last); last = t;
                  if (times.length < 150) requestAnimationFrame(frame);
                  else {
                    const sorted = times.slice(1).sort((a, b) => a - b);
                    const doneAfter = window.partitaMap.codes.reduce((n, c) => n + (c === 2 || c === 4 ? 1 : 0), 0);
                    done({median: sorted[sorted.length >> 1], p90: sorted[Math.floor(sorted.length * 0.9)],
                          frames: times.length, mapChanged: doneAfter - doneBefore});
                  }
                }
                requestAnimationFrame(frame);
                """);
        double median = ((Number) frames.get("median")).doubleValue();
        assertThat(((Number) frames.get("mapChanged")).longValue())
                .as("the map updated while measured")
                .isPositive();
        assertThat(median).as("median frame time (ms), " + frames).isLessThan(50);
        assertThat(grid.api.job(id).get("counts").get("done").asLong()).isGreaterThan(doneBefore);
        shot(driver, "job-million");
        grid.api.delete("/api/jobs/" + id);
    }

    static void fill(ChromeDriver driver, String id, String value) {
        WebElement e = driver.findElement(By.id(id));
        // set through the DOM: sendKeys of long code into a textarea is slow and auto-indents nothing
        driver.executeScript(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                e,
                value);
    }

    static String fieldError(ChromeDriver driver, String field) {
        By by = By.cssSelector(".field-error[data-field='" + field + "']");
        await("an error next to " + field)
                .atMost(Duration.ofSeconds(15))
                .until(() -> !driver.findElement(by).getText().isBlank());
        return driver.findElement(by).getText();
    }

    static String awaitJobPage(ChromeDriver driver) {
        await("the new job's page")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.getCurrentUrl().contains("#/jobs/"));
        String u = driver.getCurrentUrl();
        return u.substring(u.lastIndexOf('/') + 1);
    }

    static void acceptConfirm(ChromeDriver driver) {
        try {
            driver.switchTo().alert().accept();
        } catch (org.openqa.selenium.NoAlertPresentException e) {
            // the page cancels without asking
        }
    }

    /** The state codes, as in the coordinator's PartitionMap (package-private there). */
    static final class PartitionMap {
        static final byte PENDING = 0;
        static final byte RUNNING = 1;
        static final byte DONE = 2;
        static final byte FAILED = 3;
        static final byte RETRIED = 4;
    }
}
