package io.partita.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.api.MapReduceFunction;
import io.partita.data.DataCounters;
import io.partita.data.MapOutput;
import io.partita.data.MapSide;
import io.partita.data.QueryPlan;
import io.partita.data.ReduceOutput;
import io.partita.data.ReduceSide;
import io.partita.data.SplitInfo;
import io.partita.js.JsModule;
import io.partita.js.JsRuntime;
import io.partita.protocol.Message;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the tasks of data jobs (see {@code docs/data.md}): {@code map} reads its split through the
 * task's capability URL, runs the map side (a Java {@link MapReduceFunction}, a JavaScript module
 * through the data engine, or a built-in query plan) and uploads one run per reducer; {@code reduce}
 * reads its run from every map task and uploads its output; {@code merge} sums the counters and
 * lists the attempts of a phase's tasks. The answer is sent only after every upload succeeded, so an
 * accepted attempt's outputs are complete.
 */
final class DataTasks {
    private static final int MAX_SKIPPED = DataCounters.MAX_SKIPPED;
    private static final List<String> COUNTERS =
            List.of("recordsIn", "recordsOut", "badRecords", "keys", "bytesIn", "bytesOut", "millis");

    private final FunctionRegistry functions;
    private final ObjectMapper mapper;
    private final Optional<JsRuntime> js;
    private final CodeCache code;
    private final URI coordinator;
    private final HttpClient http;

    DataTasks(
            FunctionRegistry functions,
            ObjectMapper mapper,
            Optional<JsRuntime> js,
            CodeCache code,
            URI coordinator,
            HttpClient http) {
        this.functions = functions;
        this.mapper = mapper;
        this.js = js;
        this.code = code;
        this.coordinator = coordinator;
        this.http = http;
    }

    /** Whether a task op is one of the data ops. */
    static boolean handles(String op) {
        return "map".equals(op) || "reduce".equals(op) || "merge".equals(op);
    }

    JsonNode run(TaskRunner.JobContext job, Message.Task task) throws Exception {
        long start = System.nanoTime();
        JsonNode data = job.info().params() == null ? null : job.info().params().get("data");
        if (data == null || !data.isObject()) {
            throw new IllegalArgumentException("job " + job.info().id() + " is not a data job (no params.data)");
        }
        return switch (task.op()) {
            case "merge" -> merge(task.inputs() == null ? List.of() : task.inputs());
            case "map" -> map(job, data, task, start);
            case "reduce" -> reduce(job, data, task, start);
            default -> throw new IllegalArgumentException("unknown data op '" + task.op() + "'");
        };
    }

    private JsonNode map(TaskRunner.JobContext job, JsonNode data, Message.Task task, long start) throws Exception {
        JsonNode input = task.input();
        byte[] split = get(input.path("read").path(0).asText());
        long firstLine = input.path("firstLine").asLong(1);
        int reducers = data.path("reducers").asInt();
        List<byte[]> runs;
        DataCounters counters;
        switch (job.info().runtime()) {
            case "query" -> {
                MapOutput out = QueryPlan.fromJson(data.get("plan"))
                        .map(split, 0, split.length, SplitInfo.fromJson(data, firstLine));
                runs = out.runs();
                counters = out.counters();
            }
            case "js" -> {
                ObjectNode info = ((ObjectNode) data.get("split")).deepCopy();
                info.put("firstLine", firstLine);
                JsModule.DataResult out = module(job)
                        .mapSplit(new String(split, StandardCharsets.UTF_8), info.toString(), reducers, timeout(job));
                runs = utf8(out.parts());
                counters = DataCounters.fromJson(mapper.readTree(out.counters()));
            }
            default -> {
                MapOutput out = MapSide.map(
                        split, 0, split.length, SplitInfo.fromJson(data, firstLine), function(job), reducers);
                runs = out.runs();
                counters = out.counters();
            }
        }
        String write = input.path("write").asText();
        long bytesOut = 0;
        for (int r = 0; r < runs.size(); r++) {
            put(write + r, runs.get(r));
            bytesOut += runs.get(r).length;
        }
        return answer(task, counters, split.length, bytesOut, start);
    }

    private JsonNode reduce(TaskRunner.JobContext job, JsonNode data, Message.Task task, long start) throws Exception {
        JsonNode input = task.input();
        List<byte[]> runs = new ArrayList<>();
        long bytesIn = 0;
        for (JsonNode url : input.path("read")) {
            byte[] run = get(url.asText());
            runs.add(run);
            bytesIn += run.length;
        }
        byte[] output;
        DataCounters counters;
        switch (job.info().runtime()) {
            case "query" -> {
                ReduceOutput out = QueryPlan.fromJson(data.get("plan")).reduce(runs);
                output = out.output();
                counters = out.counters();
            }
            case "js" -> {
                List<String> texts = new ArrayList<>(runs.size());
                for (byte[] run : runs) {
                    texts.add(new String(run, StandardCharsets.UTF_8));
                }
                runs = null; // the text copies are what the engine needs
                JsModule.DataResult out = module(job).reduceRuns(texts, timeout(job));
                output = out.parts().get(0).getBytes(StandardCharsets.UTF_8);
                counters = DataCounters.fromJson(mapper.readTree(out.counters()));
            }
            default -> {
                ReduceOutput out = ReduceSide.reduce(runs, function(job));
                output = out.output();
                counters = out.counters();
            }
        }
        put(input.path("write").asText() + "0", output);
        return answer(task, counters, bytesIn, output.length, start);
    }

    private MapReduceFunction function(TaskRunner.JobContext job) {
        return functions
                .mapReduce(job.info().function())
                .orElseThrow(() -> new IllegalStateException(
                        "this worker has no MapReduce function '" + job.info().function() + "'"));
    }

    private JsModule module(TaskRunner.JobContext job) throws Exception {
        JsRuntime runtime = js.orElseThrow(() -> new IllegalStateException("this worker has no JavaScript runtime"));
        String hash = job.info().code();
        return runtime.module(hash, code.get(hash));
    }

    private static Duration timeout(TaskRunner.JobContext job) {
        return Duration.ofMillis(Math.max(1, job.info().timeoutMillis()));
    }

    private static List<byte[]> utf8(List<String> parts) {
        List<byte[]> out = new ArrayList<>(parts.size());
        for (String p : parts) {
            out.add(p.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private JsonNode answer(Message.Task task, DataCounters counters, long bytesIn, long bytesOut, long start) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putArray("attempts").add(task.attempt());
        ObjectNode json = counters.toJson();
        ObjectNode c = out.putObject("counters");
        c.put("recordsIn", counters.recordsIn());
        c.put("recordsOut", counters.recordsOut());
        c.put("badRecords", counters.badRecords());
        c.put("keys", counters.keys());
        c.put("bytesIn", bytesIn);
        c.put("bytesOut", bytesOut);
        c.put("millis", (System.nanoTime() - start) / 1_000_000);
        out.set("skipped", json.path("skipped"));
        return out;
    }

    /** Merges the answers of a phase's tasks (or of merges below), in order. */
    static JsonNode merge(List<JsonNode> inputs) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode attempts = out.putArray("attempts");
        long[] sums = new long[COUNTERS.size()];
        ArrayNode skipped = JsonNodeFactory.instance.arrayNode();
        for (JsonNode in : inputs) {
            in.path("attempts").forEach(attempts::add);
            for (int i = 0; i < sums.length; i++) {
                sums[i] += in.path("counters").path(COUNTERS.get(i)).asLong();
            }
            for (JsonNode s : in.path("skipped")) {
                if (skipped.size() < MAX_SKIPPED) {
                    skipped.add(s);
                }
            }
        }
        ObjectNode counters = out.putObject("counters");
        for (int i = 0; i < sums.length; i++) {
            counters.put(COUNTERS.get(i), sums[i]);
        }
        out.set("skipped", skipped);
        return out;
    }

    private URI resolve(String path) {
        if (!path.startsWith("/data/")) {
            throw new IllegalArgumentException("a data URL must start with /data/, was " + path);
        }
        return coordinator.resolve(path);
    }

    /** How long a data request answered 503 (the coordinator's storage is unavailable) is tried again. */
    static final Duration UNAVAILABLE_PATIENCE = Duration.ofMinutes(5);

    private byte[] get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(resolve(path))
                .version(HttpClient.Version.HTTP_1_1)
                .timeout(Duration.ofMinutes(5))
                .GET()
                .build();
        HttpResponse<byte[]> response = sendRiding(request);
        if (response.statusCode() != 200) {
            throw new IOException("reading " + path + " failed: HTTP " + response.statusCode() + " "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return response.body();
    }

    private void put(String path, byte[] body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(resolve(path))
                .version(HttpClient.Version.HTTP_1_1)
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<byte[]> response = sendRiding(request);
        if (response.statusCode() / 100 != 2) {
            throw new IOException("writing " + path + " failed: HTTP " + response.statusCode() + " "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Sends a data request; a 503 (the coordinator's blob storage failed: a full disk, an I/O error) is
     * the coordinator's problem, not the task's, so it is sent again with backoff for up to {@link
     * #UNAVAILABLE_PATIENCE} before the task gives up. Reads are idempotent and a write replaces an
     * unpublished upload, so sending again is safe.
     */
    private HttpResponse<byte[]> sendRiding(HttpRequest request) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + UNAVAILABLE_PATIENCE.toNanos();
        long delay = 100;
        while (true) {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 503 || System.nanoTime() - deadline > 0) {
                return response;
            }
            Thread.sleep(delay); // backoff between tries; the task waits for the coordinator here
            delay = Math.min(5_000, delay * 2);
        }
    }
}
