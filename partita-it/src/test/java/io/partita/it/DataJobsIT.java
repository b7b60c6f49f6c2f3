package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.Message;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets, MapReduce and query jobs end to end: a real coordinator, real worker JVMs, results
 * checked against references computed here, single-threaded.
 */
class DataJobsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Grid grid;
    static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        grid = new Grid(
                dir,
                CoordinatorConfig.builder()
                        .auth(false)
                        .heartbeatInterval(Duration.ofMillis(500))
                        .importDirs(List.of(dir.resolve("import")))
                        // the tests serve datasets from a local HTTP server
                        .allowFetch(List.of("127.0.0.1")));
        Files.createDirectories(dir.resolve("import"));
        api = grid.api;
        grid.worker("w1", 2);
        grid.worker("w2", 2);
        grid.awaitWorkers(2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (grid != null) {
            grid.close();
        }
    }

    // ------------------------------------------------------------------------------ helpers

    /** A text corpus: a Zipf-ish vocabulary with non-ASCII words, tabs, runs of spaces, blank lines. */
    static String corpus(int lines, long seed) {
        Random random = new Random(seed);
        String[] extra = {"café", "naïve", "日本語", "😀", "Ünïcode", "a\"quote", "back\\slash", "x"};
        StringBuilder sb = new StringBuilder();
        for (int l = 0; l < lines; l++) {
            if (random.nextInt(50) == 0) {
                sb.append('\n');
                continue;
            }
            int words = 1 + random.nextInt(14);
            for (int w = 0; w < words; w++) {
                if (w > 0) {
                    sb.append(random.nextInt(20) == 0 ? "\t " : random.nextInt(10) == 0 ? "  " : " ");
                }
                int rank = (int) Math.min(4999, Math.abs(random.nextGaussian()) * 700);
                sb.append(
                        random.nextInt(40) == 0
                                ? extra[random.nextInt(extra.length)]
                                : "w" + Integer.toString(rank, 36));
            }
            sb.append(l == lines - 1 ? "" : l % 97 == 0 ? "\r\n" : "\n");
        }
        return sb.toString();
    }

    static Map<String, Long> wordCount(String text) {
        return wordCount(text, "[ \\t\\n\\x0B\\f\\r]+");
    }

    /** Word counts of a text split on the {@code separators} pattern. */
    static Map<String, Long> wordCount(String text, String separators) {
        Map<String, Long> counts = new HashMap<>();
        for (String word : text.split(separators)) {
            if (!word.isEmpty()) {
                counts.merge(word, 1L, Long::sum);
            }
        }
        return counts;
    }

    static String upload(String name, String format, String chunk, byte[] body) {
        ApiClient.Response r =
                api.upload("/api/datasets?name=" + name + "&format=" + format + "&chunkSize=" + chunk, body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    static String submit(String path, String spec) {
        ApiClient.Response r = api.post(path, spec);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    static JsonNode await(String path, String id, String status) {
        Awaitility.await(path + "/" + id + " " + status)
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    JsonNode job = api.get(path + "/" + id).json();
                    String s = job.get("status").asText();
                    if (!s.equals(status) && !s.equals("running")) {
                        throw new AssertionError(id + " ended " + s + ": " + job);
                    }
                    return s.equals(status);
                });
        return api.get(path + "/" + id).json();
    }

    static List<JsonNode> lines(byte[] output) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : new String(output, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    static Map<String, Long> counts(List<JsonNode> lines) {
        Map<String, Long> out = new HashMap<>();
        for (JsonNode l : lines) {
            assertThat(out.put(l.get("key").asText(), l.get("value").asLong()))
                    .as("key once: " + l)
                    .isNull();
        }
        return out;
    }

    // ------------------------------------------------------------------------------ MapReduce

    @Test
    void wordCount_javaAndJavaScript_equalTheReferenceExactly() throws Exception {
        String text = corpus(60_000, 7);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Map<String, Long> reference = wordCount(text);
        String ds = upload("corpus", "text", "256KiB", bytes);
        JsonNode dataset = api.get("/api/datasets/" + ds).json();
        assertThat(dataset.get("bytes").asLong()).isEqualTo(bytes.length);
        assertThat(dataset.get("lines").asLong()).isEqualTo(60_000);
        assertThat(dataset.get("splits").asInt()).isGreaterThan(4);

        String java = submit(
                "/api/mapreduce", "{\"dataset\":\"" + ds + "\",\"function\":\"examples/wordcount\",\"reducers\":3}");
        ObjectNode jsSpec = JSON.createObjectNode();
        jsSpec.put("dataset", ds);
        jsSpec.put("code", Files.readString(Path.of("../examples/js/wordcount.mjs")));
        jsSpec.put("reducers", 2);
        String js = submit("/api/mapreduce", jsSpec.toString());

        JsonNode javaJob = await("/api/mapreduce", java, "done");
        JsonNode jsJob = await("/api/mapreduce", js, "done");
        for (JsonNode job : List.of(javaJob, jsJob)) {
            JsonNode map = job.get("counters").get("map");
            assertThat(map.get("recordsIn").asLong()).isEqualTo(60_000);
            assertThat(map.get("bytesIn").asLong()).isEqualTo(bytes.length);
            assertThat(job.get("counters").get("reduce").get("recordsOut").asLong())
                    .isEqualTo(reference.size());
            assertThat(job.get("output").get("records").asLong()).isEqualTo(reference.size());
            // the map's output is the reduce's input, byte for byte; each phase reports its times
            JsonNode reduce = job.get("counters").get("reduce");
            assertThat(reduce.get("bytesIn").asLong())
                    .isEqualTo(map.get("bytesOut").asLong())
                    .isPositive();
            assertThat(reduce.get("recordsIn").asLong())
                    .isEqualTo(map.get("recordsOut").asLong());
            assertThat(reduce.get("bytesOut").asLong())
                    .isEqualTo(job.get("output").get("bytes").asLong());
            for (JsonNode phase : List.of(map, reduce)) {
                assertThat(phase.get("wallMillis").asLong()).isPositive();
                assertThat(phase.get("millis").asLong()).isNotNegative();
            }
        }
        List<JsonNode> javaLines = lines(api.bytes("/api/mapreduce/" + java + "/output"));
        List<JsonNode> jsLines = lines(api.bytes("/api/mapreduce/" + js + "/output"));
        assertThat(counts(javaLines)).isEqualTo(reference);
        assertThat(counts(jsLines)).isEqualTo(reference);

        // Each reduce output is in key order (the merge of sorted runs), keys routed by their hash.
        for (int r = 0; r < 3; r++) {
            List<JsonNode> part = lines(api.bytes("/api/mapreduce/" + java + "/output?part=" + r));
            List<String> keys = new ArrayList<>();
            for (JsonNode l : part) {
                keys.add(JSON.writeValueAsString(l.get("key")));
            }
            assertThat(keys).isSorted();
        }
        // The phase jobs are ordinary jobs, visible with their partition maps.
        assertThat(api.job(javaJob.get("jobs").get("map").asText())
                        .get("status")
                        .asText())
                .isEqualTo("done");
    }

    @Test
    void anUploadInProgress_isListedWithItsBytesSoFar_andStoredOnlyWhenComplete() throws Exception {
        java.io.PipedOutputStream writer = new java.io.PipedOutputStream();
        java.io.PipedInputStream body = new java.io.PipedInputStream(writer, 1 << 16);
        HttpClient http = HttpClient.newHttpClient();
        var response = http.sendAsync(
                HttpRequest.newBuilder(grid.coordinator.url().resolve("/api/datasets?name=slow-upload&format=text"))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        byte[] first = "first line\n".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        writer.write(first);
        writer.flush();
        JsonNode[] seen = new JsonNode[1];
        Awaitility.await("the upload is listed while it streams")
                .atMost(Duration.ofSeconds(20))
                .until(() -> {
                    for (JsonNode d : api.get("/api/datasets").json().get("items")) {
                        if (d.get("name").asText().equals("slow-upload")
                                && d.get("bytes").asLong() > 0) {
                            seen[0] = d;
                            return true;
                        }
                    }
                    return false;
                });
        assertThat(seen[0].get("status").asText()).isEqualTo("receiving");
        String id = seen[0].get("id").asText();
        assertThat(api.get("/api/datasets/" + id).json().get("status").asText()).isEqualTo("receiving");
        writer.write("last line\n".getBytes(StandardCharsets.UTF_8));
        writer.close();
        HttpResponse<String> done = response.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
        JsonNode ready = api.get("/api/datasets/" + id).json();
        assertThat(ready.get("status").asText()).isEqualTo("ready");
        assertThat(ready.get("lines").asLong()).isEqualTo(10_001);
        assertThat(ready.get("bytes").asLong()).isEqualTo(first.length + 10);
    }

    @Test
    void aMapperKilledMidJob_stillGivesTheExactCount() throws Exception {
        String text = corpus(40_000, 11).replace('\t', ' ').replace("\r", "");
        Map<String, Long> reference = spaceWordCount(text);
        try (Grid local = new Grid(dir.resolve("kill"))) {
            String localDs = local.api
                    .upload(
                            "/api/datasets?name=slow&format=text&chunkSize=64KiB",
                            text.getBytes(StandardCharsets.UTF_8))
                    .json()
                    .get("id")
                    .asText();
            JavaProcess victim = local.worker("victim", 2);
            local.worker("survivor", 1);
            local.awaitWorkers(2);
            ApiClient.Response r = local.api.post(
                    "/api/mapreduce",
                    "{\"dataset\":\"" + localDs + "\",\"function\":\"tests/slowwordcount\",\"reducers\":2}");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            String id = r.json().get("id").asText();
            String mapJob = r.json().get("jobs").get("map").asText();
            Awaitility.await("some map tasks done")
                    .atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> local.api.job(mapJob).get("counts").get("done").asLong() >= 2);
            victim.kill();
            assertExactCount(local.api, id, reference);
            assertRetried(local.api, mapJob);
        }
    }

    @Test
    void aReducerKilledMidReduce_stillGivesTheExactCount() throws Exception {
        String text = corpus(20_000, 13).replace('\t', ' ').replace("\r", "");
        Map<String, Long> reference = spaceWordCount(text);
        try (Grid local = new Grid(dir.resolve("kill-reduce"))) {
            String localDs = local.api
                    .upload("/api/datasets?name=slow&format=text", text.getBytes(StandardCharsets.UTF_8))
                    .json()
                    .get("id")
                    .asText();
            Map<String, JavaProcess> workers = Map.of("a", local.worker("a", 1), "b", local.worker("b", 1));
            local.awaitWorkers(2);
            ApiClient.Response r = local.api.post(
                    "/api/mapreduce",
                    "{\"dataset\":\"" + localDs + "\",\"function\":\"tests/slowwordcount\",\"reducers\":2}");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            String id = r.json().get("id").asText();
            // The reduce (2 ms per key, ~1,200 keys per reducer) runs for seconds; kill a worker as
            // soon as it holds a reduce task.
            String[] reduceJob = new String[1];
            String[] victim = new String[1];
            Awaitility.await("a worker runs a reduce task")
                    .atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        reduceJob[0] = local.api
                                .get("/api/mapreduce/" + id)
                                .json()
                                .path("jobs")
                                .path("reduce")
                                .asText(null);
                        if (reduceJob[0] == null) {
                            return false;
                        }
                        for (JsonNode w : local.api.get("/api/workers").json().get("items")) {
                            if (w.path("running").path(reduceJob[0]).asInt() > 0) {
                                victim[0] = w.get("name").asText();
                                return true;
                            }
                        }
                        return false;
                    });
            workers.get(victim[0]).kill();
            assertExactCount(local.api, id, reference);
            assertRetried(local.api, reduceJob[0]);
        }
    }

    @Test
    void aRestartedCoordinator_carriesTheDataJobOnWhereItStopped() throws Exception {
        String text = corpus(30_000, 17).replace('\t', ' ').replace("\r", "");
        Map<String, Long> reference = spaceWordCount(text);
        Path home = dir.resolve("restart");
        String id;
        String mapJob;
        try (Grid first = new Grid(home)) {
            String ds = first.api
                    .upload("/api/datasets?format=text&chunkSize=32KiB", text.getBytes(StandardCharsets.UTF_8))
                    .json()
                    .get("id")
                    .asText();
            first.worker("before", 1);
            first.awaitWorkers(1);
            ApiClient.Response r = first.api.post(
                    "/api/mapreduce",
                    "{\"dataset\":\"" + ds + "\",\"function\":\"tests/slowwordcount\",\"reducers\":2}");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            id = r.json().get("id").asText();
            mapJob = r.json().get("jobs").get("map").asText();
            Awaitility.await("some map tasks done")
                    .atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> first.api.job(mapJob).get("counts").get("done").asLong() >= 3);
        }
        try (Grid second = new Grid(home)) {
            assertThat(second.api
                            .get("/api/mapreduce/" + id)
                            .json()
                            .get("status")
                            .asText())
                    .isEqualTo("running");
            second.worker("after", 2);
            assertExactCount(second.api, id, reference);
        }
    }

    @Test
    void aCancelledJob_stopsItsPhase_andHasNoOutput() throws Exception {
        String ds = upload("cancel", "text", "16KiB", corpus(20_000, 19).getBytes(StandardCharsets.UTF_8));
        String id = submit("/api/mapreduce", "{\"dataset\":\"" + ds + "\",\"function\":\"tests/slowwordcount\"}");
        ApiClient.Response cancelled = api.delete("/api/mapreduce/" + id);
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        JsonNode job = awaitEnd("/api/mapreduce", id);
        assertThat(job.get("status").asText()).isEqualTo("cancelled");
        assertThat(api.job(job.get("jobs").get("map").asText()).get("status").asText())
                .isEqualTo("cancelled");
        assertThat(api.delete("/api/mapreduce/" + id).status()).isEqualTo(409);
        assertThat(api.get("/api/mapreduce/" + id + "/output").status()).isEqualTo(409);
        assertThat(api.get("/api/mapreduce/nope").status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------------------ queries

    /** Sales rows: region, product, amount (quarters, so every sum is exact), qty, note (often empty). */
    static String salesCsv(int rows, long seed) {
        Random random = new Random(seed);
        String[] regions = {"north", "south", "east", "west", "centre"};
        String[] products = {"Apple", "Apricot", "Banana", "Cherry", "Avocado", "Date"};
        StringBuilder sb = new StringBuilder("region,product,amount,qty,note\n");
        for (int i = 0; i < rows; i++) {
            sb.append(regions[random.nextInt(regions.length)]).append(',');
            sb.append(products[random.nextInt(products.length)]).append(',');
            sb.append(random.nextInt(100_000) / 4.0).append(',');
            sb.append(random.nextInt(50)).append(',');
            sb.append(random.nextInt(3) == 0 ? "\"promo, spring\"" : "").append('\n');
        }
        return sb.toString();
    }

    record Row(String region, String product, double amount, long qty, String note) {}

    static List<Row> rows(String csv) {
        List<Row> rows = new ArrayList<>();
        String[] lines = csv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", 3);
            String[] rest = f[2].split(",", 3);
            rows.add(new Row(
                    f[0],
                    f[1],
                    Double.parseDouble(rest[0]),
                    Long.parseLong(rest[1]),
                    rest[2].isEmpty() ? "" : "promo, spring"));
        }
        return rows;
    }

    static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    @Test
    void csvAggregate_equalsTheReference() throws Exception {
        String csv = salesCsv(30_000, 3);
        String ds = upload("sales", "csv", "128KiB", csv.getBytes(StandardCharsets.UTF_8));
        String id = submit("/api/queries", """
                {"dataset": "%s",
                 "where": [{"column": "qty", "op": ">", "value": 0}],
                 "groupBy": ["region"],
                 "aggregates": [{"fn": "count"}, {"fn": "sum", "column": "amount"},
                                {"fn": "min", "column": "amount"}, {"fn": "max", "column": "amount"},
                                {"fn": "avg", "column": "amount"}],
                 "orderBy": [{"column": "region"}]}
                """.formatted(ds));
        JsonNode job = await("/api/queries", id, "done");
        assertThat(job.get("counters").get("map").get("recordsIn").asLong()).isEqualTo(30_000);

        TreeMap<String, double[]> ref = new TreeMap<>(); // count, sum, min, max
        for (Row row : rows(csv)) {
            if (row.qty() > 0) {
                double[] a = ref.computeIfAbsent(
                        row.region(), k -> new double[] {0, 0, Double.MAX_VALUE, -Double.MAX_VALUE});
                a[0]++;
                a[1] += row.amount();
                a[2] = Math.min(a[2], row.amount());
                a[3] = Math.max(a[3], row.amount());
            }
        }
        List<JsonNode> out = lines(api.bytes("/api/queries/" + id + "/output"));
        assertThat(out).hasSize(ref.size());
        int i = 0;
        for (var e : ref.entrySet()) {
            JsonNode row = out.get(i++);
            double[] a = e.getValue();
            assertThat(row.get("region").asText()).isEqualTo(e.getKey());
            assertThat(row.get("count").asLong()).isEqualTo((long) a[0]);
            assertThat(row.get("sum_amount").asDouble()).isEqualTo(a[1]);
            assertThat(row.get("min_amount").asDouble()).isEqualTo(a[2]);
            assertThat(row.get("max_amount").asDouble()).isEqualTo(a[3]);
            assertThat(row.get("avg_amount").asDouble()).isEqualTo(a[1] / a[0]);
        }
    }

    @Test
    void filter_returnsExactlyTheMatchingRows_inFileOrder() throws Exception {
        String csv = salesCsv(20_000, 5);
        String ds = upload("sales", "csv", "64KiB", csv.getBytes(StandardCharsets.UTF_8));
        String id = submit("/api/queries", """
                {"dataset": "%s",
                 "where": [{"column": "region", "op": "in", "value": ["north", "east"]},
                           {"column": "product", "op": "startsWith", "value": "A"},
                           {"column": "amount", "op": ">=", "value": 12000.5},
                           {"column": "note", "op": "contains", "value": "promo"}],
                 "select": ["product", "amount", "note"]}
                """.formatted(ds));
        await("/api/queries", id, "done");
        List<String> expected = new ArrayList<>();
        String[] lines = csv.split("\n");
        List<Row> rows = rows(csv);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if ((r.region().equals("north") || r.region().equals("east"))
                    && r.product().startsWith("A")
                    && r.amount() >= 12000.5
                    && r.note().contains("promo")) {
                String amount = lines[i + 1].split(",")[2];
                Map<String, String> m = new LinkedHashMap<>();
                m.put("product", r.product());
                m.put("amount", amount);
                m.put("note", r.note());
                expected.add(JSON.writeValueAsString(m));
            }
        }
        assertThat(expected).hasSizeGreaterThan(10);
        List<String> actual = new ArrayList<>();
        for (JsonNode l : lines(api.bytes("/api/queries/" + id + "/output"))) {
            actual.add(JSON.writeValueAsString(l));
        }
        assertThat(actual).containsExactlyElementsOf(expected);
    }

    @Test
    void theShippedFilterByExample_runs() throws Exception {
        Path csv = Path.of("../examples/data/sales.csv");
        Path query = Path.of("../examples/data/filter-by.json");
        String ds = upload("sales", "csv", "4KiB", Files.readAllBytes(csv));
        ObjectNode spec = (ObjectNode) JSON.readTree(Files.readString(query));
        spec.put("dataset", ds);
        String id = submit("/api/queries", spec.toString());
        await("/api/queries", id, "done");
        List<JsonNode> out = lines(api.bytes("/api/queries/" + id + "/output"));
        long expected = Files.readAllLines(csv).stream()
                .skip(1)
                .filter(l -> l.split(",")[1].equals("Lisbon"))
                .count();
        assertThat(out).hasSize((int) expected).isNotEmpty();
        out.forEach(row -> assertThat(row.get("city").asText()).isEqualTo("Lisbon"));
    }

    @Test
    void jsonLinesFromAnHttpUrl_queriedWithNumbers() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        Random random = new Random(23);
        Map<String, long[]> ref = new TreeMap<>(); // count, sum of n where n >= 10
        for (int i = 0; i < 5_000; i++) {
            String user = "u" + random.nextInt(20);
            int n = random.nextInt(40);
            jsonl.append("{\"user\":\"")
                    .append(user)
                    .append("\",\"n\":")
                    .append(n)
                    .append(",\"tags\":[\"a\"]}\n");
            if (n >= 10) {
                long[] a = ref.computeIfAbsent(user, k -> new long[2]);
                a[0]++;
                a[1] += n;
            }
        }
        byte[] body = jsonl.toString().getBytes(StandardCharsets.UTF_8);
        com.sun.net.httpserver.HttpServer server =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/events.jsonl", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/events.jsonl";
            ApiClient.Response r =
                    api.post("/api/datasets", "{\"url\":\"" + url + "\",\"format\":\"jsonl\",\"chunkSize\":\"16KiB\"}");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            assertThat(r.json().get("columns")).hasToString("[\"user\",\"n\",\"tags\"]");
            assertThat(r.json().get("bytes").asLong()).isEqualTo(body.length);
            assertThat(r.json().get("name").asText()).isEqualTo("events.jsonl");
            String id = submit("/api/queries", """
                    {"dataset": "%s", "where": [{"column": "n", "op": ">=", "value": 10}],
                     "groupBy": ["user"], "aggregates": [{"fn": "count"}, {"fn": "sum", "column": "n", "as": "total"}],
                     "orderBy": [{"column": "user"}]}
                    """.formatted(r.json().get("id").asText()));
            await("/api/queries", id, "done");
            StringBuilder expected = new StringBuilder();
            for (var e : ref.entrySet()) {
                expected.append("{\"user\":\"")
                        .append(e.getKey())
                        .append("\",\"count\":")
                        .append(e.getValue()[0])
                        .append(",\"total\":")
                        .append(e.getValue()[1])
                        .append("}\n");
            }
            assertThat(new String(api.bytes("/api/queries/" + id + "/output"), StandardCharsets.UTF_8))
                    .isEqualTo(expected.toString());
        } finally {
            server.stop(0);
        }
    }

    // ------------------------------------------------------------------------------ bad input

    @Test
    void raggedCsvRows_failTheJobWithTheLineNumber_orAreSkipped() throws Exception {
        String csv = "a,b,c\n1,2,3\n4,5,6\n7,8\n10,11,12\n";
        String ds = upload("ragged", "csv", "4KiB", csv.getBytes(StandardCharsets.UTF_8));
        String failing = submit(
                "/api/queries", "{\"dataset\":\"" + ds + "\",\"select\":[\"a\"],\"options\":{\"maxAttempts\":1}}");
        JsonNode failed = awaitEnd("/api/queries", failing);
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains("line 4").contains("expected 3 fields, found 2");

        String skipping = submit(
                "/api/queries",
                "{\"dataset\":\"" + ds + "\",\"select\":[\"a\"],\"options\":{\"onBadRecord\":\"skip\"}}");
        JsonNode done = await("/api/queries", skipping, "done");
        assertThat(done.get("counters").get("map").get("badRecords").asLong()).isEqualTo(1);
        assertThat(done.get("skipped").get(0).get("line").asLong()).isEqualTo(4);
        assertThat(new String(api.bytes("/api/queries/" + skipping + "/output"), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":\"1\"}\n{\"a\":\"4\"}\n{\"a\":\"10\"}\n");
    }

    static JsonNode awaitEnd(String path, String id) {
        return awaitEnd(api, path, id, Duration.ofMinutes(1));
    }

    static JsonNode awaitEnd(ApiClient client, String path, String id, Duration atMost) {
        Awaitility.await(path + "/" + id + " ends")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !client.get(path + "/" + id)
                        .json()
                        .get("status")
                        .asText()
                        .equals("running"));
        return client.get(path + "/" + id).json();
    }

    /** Word counts of a text whose words are separated by spaces and newlines only. */
    static Map<String, Long> spaceWordCount(String text) {
        return wordCount(text, "[ \\n]+");
    }

    /** The phase job re-ran at least one task. */
    static void assertRetried(ApiClient client, String phaseJob) {
        JsonNode phase = client.job(phaseJob);
        assertThat(phase.get("counts").get("retried").asLong())
                .as(phase.toString())
                .isPositive();
    }

    /** Awaits the MapReduce job's end; it must be done with exactly the reference counts. */
    static void assertExactCount(ApiClient client, String id, Map<String, Long> reference) throws Exception {
        JsonNode job = awaitEnd(client, "/api/mapreduce", id, Duration.ofMinutes(2));
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("done");
        assertThat(counts(lines(client.bytes("/api/mapreduce/" + id + "/output"))))
                .isEqualTo(reference);
    }

    @Test
    void badRequests_nameTheFieldAndLeaveNoTrace() throws Exception {
        String ds = upload("small", "csv", "4KiB", "x,y\n1,2\n".getBytes(StandardCharsets.UTF_8));
        int datasets = api.get("/api/datasets").json().get("items").size();
        int queries = api.get("/api/queries").json().get("items").size();
        int jobs = api.get("/api/mapreduce").json().get("items").size();

        assertInvalid(
                api.post("/api/datasets", "{\"url\":\"http://127.0.0.1:1/nothing.txt\",\"format\":\"text\"}"),
                "url",
                "cannot read");
        assertInvalid(
                api.post(
                        "/api/datasets",
                        "{\"url\":\"" + dir.resolve("import/absent.txt").toUri() + "\",\"format\":\"text\"}"),
                "url",
                "not a readable file under the import directories");
        Path outside = Files.writeString(dir.resolve("outside.txt"), "secret\n");
        assertInvalid(
                api.post("/api/datasets", "{\"url\":\"" + outside.toUri() + "\",\"format\":\"text\"}"),
                "url",
                "not a readable file under the import directories");
        assertInvalid(
                api.post("/api/datasets", "{\"url\":\"ftp://example.org/x\",\"format\":\"text\"}"),
                "url",
                "http, https or file");
        assertInvalid(api.post("/api/datasets", "{\"url\":\"http://127.0.0.1:1/x\"}"), "format", "format");
        assertInvalid(api.upload("/api/datasets?format=xml", new byte[] {1}), "format", "text, csv or jsonl");
        assertInvalid(
                api.upload("/api/datasets?format=csv&chunkSize=12parsecs", new byte[] {1}), "chunkSize", "12parsecs");
        assertInvalid(
                api.upload("/api/datasets?format=csv", "a,a\n1,2\n".getBytes(StandardCharsets.UTF_8)),
                "body",
                "duplicate column name \"a\"");

        assertInvalid(
                api.post(
                        "/api/queries",
                        "{\"dataset\":\"" + ds + "\",\"where\":[{\"column\":\"z\",\"op\":\"=\",\"value\":1}]}"),
                "where[0].column",
                "z");
        assertInvalid(
                api.post(
                        "/api/queries",
                        "{\"dataset\":\"" + ds + "\",\"where\":[{\"column\":\"x\",\"op\":\"~\",\"value\":1}]}"),
                "where[0].op",
                "~");
        assertInvalid(
                api.post("/api/queries", "{\"dataset\":\"" + ds + "\",\"groupBy\":[\"nope\"]}"), "groupBy[0]", "nope");
        assertInvalid(api.post("/api/queries", "{\"dataset\":\"nope\"}"), "dataset", "nope");
        assertInvalid(
                api.post("/api/queries", "{\"dataset\":\"" + ds + "\",\"options\":{\"onBadRecord\":\"ignore\"}}"),
                "options.onBadRecord",
                "ignore");

        assertInvalid(
                api.post(
                        "/api/mapreduce",
                        "{\"dataset\":\"" + ds + "\",\"function\":\"examples/wordcount\",\"reducers\":-1}"),
                "reducers",
                "reducers");
        assertInvalid(
                api.post("/api/mapreduce", "{\"dataset\":\"" + ds + "\",\"function\":\"no/such\"}"),
                "function",
                "no/such");
        assertInvalid(
                api.post("/api/mapreduce", "{\"dataset\":\"" + ds + "\",\"code\":\"export function map(r, emit) {}\"}"),
                "code",
                "reduce");
        assertInvalid(
                api.post("/api/mapreduce", "{\"dataset\":\"" + ds + "\",\"code\":\"export function map(r, emit) {\"}"),
                "code",
                "line");
        assertInvalid(api.post("/api/mapreduce", "{\"dataset\":\"" + ds + "\"}"), "function", "either");

        assertThat(api.get("/api/datasets").json().get("items").size()).isEqualTo(datasets);
        assertThat(api.get("/api/queries").json().get("items").size()).isEqualTo(queries);
        assertThat(api.get("/api/mapreduce").json().get("items").size()).isEqualTo(jobs);
        try (var blobs = Files.list(dir.resolve("data/blobs/datasets"))) {
            assertThat(blobs.count()).isEqualTo(datasets);
        }
    }

    private static void assertInvalid(ApiClient.Response r, String field, String text) {
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.json().get("field").asText()).as(r.body()).isEqualTo(field);
        assertThat(r.json().get("message").asText()).as(r.body()).contains(text);
    }

    @Test
    void aFileUrlUnderAnImportDirectory_isReadAndSplitOnLineBoundaries() throws Exception {
        String text = corpus(5_000, 13);
        Path file = Files.writeString(dir.resolve("import/corpus.txt"), text);
        ApiClient.Response r = api.post(
                "/api/datasets", "{\"url\":\"" + file.toUri() + "\",\"format\":\"text\",\"chunkSize\":\"8KiB\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        String ds = r.json().get("id").asText();
        assertThat(r.json().get("name").asText()).isEqualTo("corpus.txt");
        String id = submit(
                "/api/mapreduce", "{\"dataset\":\"" + ds + "\",\"function\":\"examples/wordcount\",\"reducers\":0}");
        JsonNode job = await("/api/mapreduce", id, "done");
        assertThat(job.get("counters").get("map").get("recordsIn").asLong()).isEqualTo(5_000);
        // map only: the output is the map pairs (combined per split), one part per split
        Map<String, Long> summed = new HashMap<>();
        for (JsonNode l : lines(api.bytes("/api/mapreduce/" + id + "/output"))) {
            summed.merge(l.get("key").asText(), l.get("value").asLong(), Long::sum);
        }
        assertThat(summed).isEqualTo(wordCount(text));
        assertThat(job.get("output").get("parts").asInt())
                .isEqualTo(r.json().get("splits").asInt());
    }

    // ------------------------------------------------------------------------------ capabilities

    @Test
    void capabilityUrls_grantExactlyTheTasksInputAndOutput_whileItsLeaseLasts() throws Exception {
        try (Grid local = new Grid(dir.resolve("caps"))) {
            String ds = local.api
                    .upload(
                            "/api/datasets?format=text&chunkSize=4KiB",
                            "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8))
                    .json()
                    .get("id")
                    .asText();
            ApiClient.Response q = local.api.post("/api/queries", "{\"dataset\":\"" + ds + "\"}");
            assertThat(q.status()).as(q.body()).isEqualTo(201);
            URI base = local.coordinator.url();
            HttpClient http = HttpClient.newHttpClient();
            String read;
            String write;
            try (RawWorker raw = new RawWorker(base)) {
                raw.send(new Message.Hello(
                        Message.VERSION,
                        "java",
                        "raw",
                        List.of("java"),
                        1,
                        1 << 20,
                        List.of(),
                        4,
                        Map.of(),
                        List.of("data"),
                        null,
                        null,
                        null));
                raw.await(Message.Welcome.class);
                raw.send(new Message.Pull(1));
                Message.Tasks tasks = raw.await(Message.Tasks.class);
                Message.Task task = tasks.tasks().get(0);
                assertThat(task.op()).isEqualTo("map");
                read = task.input().get("read").get(0).asText();
                write = task.input().get("write").asText();
                assertThat(status(http, base, "GET", read)).isEqualTo(200);
                assertThat(body(http, base, read)).isEqualTo("one\ntwo\nthree\n");
                assertThat(status(http, base, "GET", read.replace("/in/0", "/in/1")))
                        .isEqualTo(404);
                assertThat(status(http, base, "PUT", write + "1")).isEqualTo(404);
                String forged = read.replaceFirst("/data/[^/]+/", "/data/AAAAAAAAAAAAAAAAAAAAAA/");
                assertThat(status(http, base, "GET", forged)).isEqualTo(403);
                assertThat(status(http, base, "PUT", write + "0")).isEqualTo(201);
            }
            // The raw worker is gone: its lease ended, and its token with it.
            Awaitility.await("token revoked")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> status(http, base, "GET", read) == 403);
            assertThat(status(http, base, "PUT", write + "0")).isEqualTo(403);
            local.worker("real", 1);
            String id = q.json().get("id").asText();
            Awaitility.await("query done")
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> local.api
                            .get("/api/queries/" + id)
                            .json()
                            .get("status")
                            .asText()
                            .equals("done"));
            assertThat(new String(local.api.bytes("/api/queries/" + id + "/output"), StandardCharsets.UTF_8))
                    .isEqualTo("{\"line\":\"one\"}\n{\"line\":\"two\"}\n{\"line\":\"three\"}\n");
        }
    }

    private static int status(HttpClient http, URI base, String method, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
        b = method.equals("PUT") ? b.PUT(HttpRequest.BodyPublishers.ofString("x")) : b.GET();
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String body(HttpClient http, URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
