package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Data tasks in real headless Chromium: tabs of another origin embed volunteer.js and are the only
 * workers (a Java worker process only where a test compares with one). Map and reduce tasks read
 * their split or runs from the coordinator's capability URLs, run the data engine in a Web Worker
 * and write their output back with PUT; the merge task sums the counters.
 */
class BrowserDataIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(180);

    static final String WORD_COUNT = """
            export function map(line, emit) {
              for (const word of line.split(' ')) if (word !== '') emit(word, 1);
            }
            function sum(word, counts, emit) {
              let n = 0;
              for (const c of counts) n += c;
              emit(word, n);
            }
            export { sum as combine, sum as reduce };
            """;

    @TempDir
    Path dir;

    Grid grid;
    Browsers browsers;
    final List<ChromeDriver> tabs = new ArrayList<>();

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

    /** Opens {@code n} tabs (each its own browser) of a page of another origin that embeds volunteer.js. */
    void openTabs(int n) throws IOException {
        String page = browsers.embedUrl(Map.of("cpu", "1", "workers", "2"));
        for (int i = 0; i < n; i++) {
            ChromeDriver tab = browsers.open();
            tab.get(page);
            tabs.add(tab);
        }
        await("browser workers connected")
                .atMost(Duration.ofSeconds(60))
                .until(() -> grid.browserWorkers().size() == n);
        assertThat(grid.browserWorkers())
                .allSatisfy(
                        w -> assertThat(w.get("capabilities").get("features").toString())
                                .contains("\"data\""));
    }

    /** {@code POST /api/datasets}: the text as it is, in splits of 256 KiB; returns the dataset's id. */
    String upload(String name, String format, String text) {
        ApiClient.Response r = grid.api.upload(
                "/api/datasets?name=" + name + "&format=" + format + "&chunkSize=256KiB",
                text.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as("uploading %s: %s", name, r.body()).isEqualTo(201);
        assertThat(r.json().get("splits").asInt()).as(r.body()).isGreaterThan(1);
        return r.json().get("id").asText();
    }

    /** Submits to {@code /api/mapreduce} or {@code /api/queries}; returns the id. */
    String submit(String kind, ObjectNode spec) {
        ApiClient.Response r = grid.api.post("/api/" + kind, spec.toString());
        assertThat(r.status()).as("submitting %s: %s", spec, r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    /** Waits until the data job ends and returns its status document. */
    JsonNode awaitEnd(String kind, String id) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await(kind + " " + id + " ends")
                .atMost(JOB_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    ApiClient.Response r = grid.api.get("/api/" + kind + "/" + id);
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    last.set(r.json());
                    String s = r.json().get("status").asText();
                    return s.equals("done") || s.equals("failed") || s.equals("cancelled");
                });
        return last.get();
    }

    JsonNode awaitDone(String kind, String id) {
        JsonNode status = awaitEnd(kind, id);
        assertThat(status.get("status").asText())
                .as("%s %s: %s", kind, id, status)
                .isEqualTo("done");
        return status;
    }

    String output(String kind, String id) {
        ApiClient.Response r = grid.api.get("/api/" + kind + "/" + id + "/output");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** What the tabs printed that says something went wrong (an uncaught error, a warning of ours, CORS). */
    List<String> troubles() {
        List<String> out = new ArrayList<>();
        for (ChromeDriver tab : tabs) {
            for (LogEntry e : tab.manage().logs().get(LogType.BROWSER)) {
                String m = e.getMessage();
                if (m.contains("Uncaught") || m.contains("[partita]") || m.contains("CORS")) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------- word count

    /** About {@code bytes} of text: lines of words (some not ASCII, some to escape in JSON), blank lines. */
    static String words(long seed, int bytes) {
        Random random = new Random(seed);
        String[] syllables = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zu", "é", "über", "日本", "ß"};
        List<String> vocabulary = new ArrayList<>(List.of("quo\"te", "back\\slash", "a/b", "{x}", "ÉMILE", "Ünïcødé"));
        for (int i = 0; i < 4000; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 1 + random.nextInt(4); k > 0; k--) {
                w.append(syllables[random.nextInt(syllables.length)]);
            }
            vocabulary.add(w.toString());
        }
        StringBuilder text = new StringBuilder(bytes + 200);
        while (text.length() < bytes) {
            if (random.nextInt(40) == 0) {
                text.append('\n'); // a blank line: a record without words
                continue;
            }
            if (random.nextInt(10) == 0) {
                text.append("  ");
            }
            for (int n = 1 + random.nextInt(14); n > 0; n--) {
                // skewed: a few words are very common
                int i = random.nextInt(8) == 0 ? random.nextInt(6) : random.nextInt(vocabulary.size());
                text.append(vocabulary.get(i)).append(random.nextInt(6) == 0 ? "  " : " ");
            }
            text.append('\n');
        }
        return text.append("last line without a newline").toString();
    }

    /** The contract's reducer of a key's JSON text: String.hashCode, murmur3 fmix32, unsigned mod R. */
    static int reducer(String keyJson, int reducers) {
        int h = keyJson.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return (int) (Integer.toUnsignedLong(h) % reducers);
    }

    /**
     * The output of a word count with {@code reducers} reducers, computed here: each reducer's keys
     * in the order of their JSON text, the reducers' outputs one after the other.
     */
    static String wordCountReference(String text, int reducers) throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String line : text.split("\n", -1)) {
            for (String word : line.split(" ")) {
                if (!word.isEmpty()) {
                    counts.merge(word, 1L, Long::sum);
                }
            }
        }
        List<TreeMap<String, Long>> parts = new ArrayList<>();
        for (int r = 0; r < reducers; r++) {
            parts.add(new TreeMap<>()); // String order: UTF-16 code units, like JavaScript's <
        }
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            String key = JSON.writeValueAsString(e.getKey());
            parts.get(reducer(key, reducers)).put(key, e.getValue());
        }
        StringBuilder out = new StringBuilder();
        for (TreeMap<String, Long> part : parts) {
            part.forEach((key, n) -> out.append("{\"key\":")
                    .append(key)
                    .append(",\"value\":")
                    .append(n)
                    .append("}\n"));
        }
        return out.toString();
    }

    /** The output's lines as word -> count, failing on a line that repeats a word. */
    static Map<String, Long> parseCounts(String output) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        for (String line : output.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode pair = JSON.readTree(line);
            Long old = out.put(pair.get("key").asText(), pair.get("value").asLong());
            assertThat(old)
                    .as("the word %s appears once in the output", pair.get("key"))
                    .isNull();
        }
        return out;
    }

    @Test
    void wordCount_withTwoReducers_onTwoTabs_givesExactlyTheCountsComputedHere() throws Exception {
        openTabs(2);
        String text = words(7, 3 << 20);
        String dataset = upload("words", "text", text);

        ObjectNode spec = JSON.createObjectNode()
                .put("dataset", dataset)
                .put("code", WORD_COUNT)
                .put("reducers", 2);
        String id = submit("mapreduce", spec);
        JsonNode status = awaitDone("mapreduce", id);
        String got = output("mapreduce", id);

        String expected = wordCountReference(text, 2);
        assertThat(parseCounts(got)).isEqualTo(parseCounts(expected));
        assertThat(got).isEqualTo(expected);
        // the counters the tabs reported, summed by the merge tasks: every line of every split was
        // read (the last one has no newline), every byte, and every word reached a reducer
        JsonNode map = status.get("counters").get("map");
        assertThat(map.get("recordsIn").asLong()).as(status.toString()).isEqualTo(text.split("\n", -1).length);
        assertThat(map.get("bytesIn").asLong()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        JsonNode reduce = status.get("counters").get("reduce");
        assertThat(reduce.get("bytesIn").asLong()).isEqualTo(map.get("bytesOut").asLong());
        assertThat(reduce.get("keys").asLong()).isEqualTo(parseCounts(expected).size());
        assertThat(reduce.get("bytesOut").asLong()).isEqualTo(got.getBytes(StandardCharsets.UTF_8).length);
        // both tabs took part; nothing went wrong in them
        assertThat(grid.browserWorkers())
                .hasSize(2)
                .allSatisfy(w -> assertThat(w.get("tasksDone").asLong())
                        .as("tasks done by %s", w.get("name"))
                        .isPositive());
        assertThat(troubles()).isEmpty();
    }

    // --------------------------------------------------------------------------------------- queries

    /** A CSV of orders: quoted names with commas, decimal amounts, a few empty ages. */
    static String orders(long seed, int rows) {
        Random random = new Random(seed);
        String[] countries = {"FR", "DE", "IT", "ES", "NL", "BE", "PT", "PL", "XX"};
        String[] names = {"Alice", "Bob", "\"Smith, J.\"", "Émile", "Zoë", "\"O\"\"Hara\"", "李"};
        StringBuilder csv = new StringBuilder("id,country,name,amount,age\n");
        for (int i = 1; i <= rows; i++) {
            String age = random.nextInt(50) == 0 ? "" : String.valueOf(10 + random.nextInt(70));
            csv.append(i)
                    .append(',')
                    .append(countries[random.nextInt(countries.length)])
                    .append(',')
                    .append(names[random.nextInt(names.length)])
                    .append(',')
                    .append(random.nextInt(100_000) / 100.0)
                    .append(',')
                    .append(age)
                    .append('\n');
        }
        return csv.toString();
    }

    static ObjectNode ordersQuery(String dataset) {
        ObjectNode q = JSON.createObjectNode().put("dataset", dataset);
        ArrayNode where = q.putArray("where");
        where.addObject().put("column", "age").put("op", ">=").put("value", 18);
        where.addObject().put("column", "country").put("op", "!=").put("value", "XX");
        q.putArray("groupBy").add("country");
        ArrayNode aggregates = q.putArray("aggregates");
        aggregates.addObject().put("fn", "count");
        aggregates.addObject().put("fn", "sum").put("column", "amount").put("as", "total");
        aggregates.addObject().put("fn", "avg").put("column", "amount");
        aggregates.addObject().put("fn", "min").put("column", "age");
        aggregates.addObject().put("fn", "max").put("column", "amount");
        q.putArray("orderBy").addObject().put("column", "total").put("desc", true);
        return q;
    }

    @Test
    void query_onBrowsersOnly_isByteIdenticalToTheSameQueryOnAJavaWorker() throws Exception {
        openTabs(2);
        String dataset = upload("orders", "csv", orders(11, 40_000));

        String inBrowsers = submit("queries", ordersQuery(dataset));
        awaitDone("queries", inBrowsers);
        String browserOutput = output("queries", inBrowsers);
        assertThat(troubles()).isEmpty();
        long browserTasks = grid.browserWorkers().stream()
                .mapToLong(w -> w.get("tasksDone").asLong())
                .sum();
        assertThat(browserTasks).isPositive();

        // eight countries, biggest total first, amounts summed the same way on both sides
        List<String> rows = List.of(browserOutput.split("\n"));
        assertThat(rows).hasSize(8);
        assertThat(browserOutput).doesNotContain("\"XX\"").endsWith("\n");
        double previous = Double.MAX_VALUE;
        for (String row : rows) {
            JsonNode r = JSON.readTree(row);
            assertThat(r.get("count").asLong()).isPositive();
            assertThat(r.get("min_age").asDouble()).isGreaterThanOrEqualTo(18);
            assertThat(r.get("total").asDouble()).isLessThanOrEqualTo(previous);
            previous = r.get("total").asDouble();
        }

        // the browsers leave; a Java worker process runs the same query
        for (ChromeDriver tab : tabs) {
            tab.executeScript("window.Partita.stop();");
        }
        await("the tabs left")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.browserWorkers().isEmpty());
        grid.worker("java-1", 2);
        grid.awaitWorkers(1);
        String inJava = submit("queries", ordersQuery(dataset));
        awaitDone("queries", inJava);
        assertThat(output("queries", inJava)).isEqualTo(browserOutput);
        JsonNode javaWorker = grid.api.get("/api/workers").json().get("items").get(0);
        assertThat(javaWorker.get("kind").asText()).isEqualTo("java");
        assertThat(javaWorker.get("tasksDone").asLong()).isPositive();
    }

    @Test
    void csvWithARaggedRow_failsTheQueryNamingTheLine_orIsSkippedWhenAsked() throws Exception {
        openTabs(1);
        StringBuilder csv = new StringBuilder("id,name,score\n");
        StringBuilder expected = new StringBuilder();
        int ragged = 20_001; // in the second split: the line number counts the lines of the splits before
        for (int line = 2; line <= 30_000; line++) {
            csv.append(line).append(",name").append(line % 97);
            if (line != ragged) {
                csv.append(',').append(line % 1000);
                if (line % 1000 > 500) {
                    expected.append("{\"id\":\"")
                            .append(line)
                            .append("\",\"name\":\"name")
                            .append(line % 97)
                            .append("\"}\n");
                }
            }
            csv.append('\n');
        }
        String dataset = upload("ragged", "csv", csv.toString());
        ObjectNode query = JSON.createObjectNode().put("dataset", dataset);
        query.putArray("where")
                .addObject()
                .put("column", "score")
                .put("op", ">")
                .put("value", 500);
        query.putArray("select").add("id").add("name");

        String failing = submit("queries", query);
        JsonNode failed = awaitEnd("queries", failing);
        assertThat(failed.get("status").asText()).as(failed.toString()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains("line " + ragged + ": expected 3 fields, found 2");

        // the same query told to skip bad records: the row is left out, counted and named
        query.putObject("options").put("onBadRecord", "skip");
        String skipping = submit("queries", query);
        JsonNode done = awaitDone("queries", skipping);
        assertThat(output("queries", skipping)).isEqualTo(expected.toString());
        assertThat(done.get("counters").get("map").get("badRecords").asLong())
                .as(done.toString())
                .isEqualTo(1);
        assertThat(done.get("counters").get("map").get("recordsIn").asLong()).isEqualTo(30_000 - 2);
        assertThat(done.get("skipped").toString())
                .isEqualTo("[{\"line\":" + ragged + ",\"error\":\"expected 3 fields, found 2\"}]");
        assertThat(troubles()).isEmpty();
    }
}
