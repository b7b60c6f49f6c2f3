package io.partita.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Partita side of the word-count benchmark: a coordinator in this JVM and two worker
 * processes with one slot each, started as {@code ./partita worker} starts them (C2 for Java, the
 * Graal JIT for JavaScript through {@code target/jvmci}, default heap), on this module's class
 * path.
 *
 * <p>The corpus is ingested (by the caller, timed on its own), then MapReduce jobs run over it
 * through the REST API: {@code POST /api/mapreduce} with the Java function {@code examples/wordcount} or the
 * JavaScript module {@code examples/js/wordcount.mjs}, 2 reducers. A run's time is submit to
 * {@code status: done} as seen by polling every {@value #POLL_MILLIS} ms; the output is then read
 * and compared with the baseline's counts word by word. Not thread-safe.
 */
final class WordCountPartita implements AutoCloseable {
    static final long POLL_MILLIS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Coordinator coordinator;
    private final List<Process> workers = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A finished MapReduce job: wall time (submit to done) and its status document. */
    record JobRun(long nanos, JsonNode status) {}

    private WordCountPartita(Path dir, Coordinator coordinator) {
        this.dir = dir;
        this.coordinator = coordinator;
    }

    /** Starts the coordinator and {@code workers} worker processes; waits until they are connected. */
    static WordCountPartita start(Path dir, Path corpusDir, int workers) throws Exception {
        Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                // the benchmark's own worker processes on this machine are trusted
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .importDirs(List.of(corpusDir))
                .build());
        WordCountPartita p = new WordCountPartita(dir, coordinator);
        try {
            for (int i = 0; i < workers; i++) {
                p.workers.add(p.startWorker(i));
            }
            p.await(
                    () -> p.get("/api/workers").path("total").asInt() == workers,
                    Duration.ofSeconds(120),
                    "workers to connect");
            for (JsonNode w : p.get("/api/workers").path("items")) {
                System.out.println("partita worker " + w.path("name").asText() + ": " + w.path("capabilities"));
            }
            return p;
        } catch (Exception e) {
            p.close();
            throw e;
        }
    }

    private Process startWorker(int i) throws IOException {
        Path target = WordCountBenchmark.targetDir();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--sun-misc-unsafe-memory-access=allow");
        command.add("-Dpolyglot.engine.userResourceCache=" + dir.resolve("polyglot-cache"));
        command.add("-XX:+UnlockExperimentalVMOptions");
        command.add("-XX:+EnableJVMCI");
        command.add("--upgrade-module-path=" + target.resolve("jvmci"));
        for (String opt : System.getProperty("wordcount.workerOpts", "").split(" ")) {
            if (!opt.isBlank()) {
                command.add(opt);
            }
        }
        command.add("-cp");
        command.add(target.resolve("lib") + "/*");
        command.add("io.partita.cli.Main");
        command.addAll(List.of(
                "worker", "--coordinator", coordinator.url().toString(), "--slots", "1", "--name", "wordcount-" + i));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("worker-" + i + ".log").toFile())
                .start();
    }

    /** Uploads {@code file} as a text dataset (streamed request body); returns the dataset's id. */
    String upload(Path file, String name, String chunkSize) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(coordinator
                                .url()
                                .resolve("/api/datasets?name=" + name + "&format=text&chunkSize=" + chunkSize))
                        .header("Content-Type", "text/plain")
                        .timeout(Duration.ofMinutes(30))
                        .POST(HttpRequest.BodyPublishers.ofFile(file))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return datasetId(r);
    }

    /** Registers {@code file} by its {@code file:} URL; returns the dataset's id. */
    String register(Path file, String name, String chunkSize) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode()
                .put("name", name)
                .put("url", file.toUri().toString())
                .put("format", "text")
                .put("chunkSize", chunkSize);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(coordinator.url().resolve("/api/datasets"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofMinutes(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return datasetId(r);
    }

    private static String datasetId(HttpResponse<String> r) throws IOException {
        if (r.statusCode() != 201) {
            throw new IllegalStateException("dataset not created: " + r.statusCode() + " " + r.body());
        }
        JsonNode doc = JSON.readTree(r.body());
        System.out.println("partita dataset: " + abbreviated(doc));
        return doc.path("id").asText();
    }

    /**
     * Runs one MapReduce job to completion: {@code spec} is the body of {@code POST
     * /api/mapreduce}; fails unless the job ends {@code done}.
     */
    JobRun run(ObjectNode spec, Duration timeout) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(coordinator.url().resolve("/api/mapreduce"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(spec.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("mapreduce not accepted: " + r.statusCode() + " " + r.body());
        }
        String id = JSON.readTree(r.body()).path("id").asText();
        JsonNode[] status = new JsonNode[1];
        await(
                () -> {
                    status[0] = get("/api/mapreduce/" + id);
                    String s = status[0].path("status").asText();
                    if (s.equals("failed") || s.equals("cancelled")) {
                        throw new IllegalStateException("mapreduce " + id + " " + s + ": " + status[0]);
                    }
                    return s.equals("done");
                },
                timeout,
                "mapreduce " + id + " to finish");
        return new JobRun(System.nanoTime() - start, status[0]);
    }

    /** The output of a finished job: word to count. */
    Map<String, long[]> output(String id) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(
                HttpRequest.newBuilder(coordinator.url().resolve("/api/mapreduce/" + id + "/output"))
                        .timeout(Duration.ofMinutes(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Map<String, long[]> counts = new HashMap<>(1 << 17);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8), 1 << 16)) {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("output of " + id + ": " + r.statusCode() + " " + in.readLine());
            }
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    continue;
                }
                JsonNode pair = JSON.readTree(line);
                String word = pair.path("key").asText();
                if (counts.put(word, new long[] {pair.path("value").asLong()}) != null) {
                    throw new IllegalStateException("output of " + id + " has the key " + word + " twice");
                }
            }
        }
        return counts;
    }

    JsonNode get(String path) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(coordinator.url().resolve(path))
                            .timeout(Duration.ofSeconds(30))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void await(java.util.function.BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            for (int i = 0; i < workers.size(); i++) {
                if (!workers.get(i).isAlive()) {
                    throw new IllegalStateException(
                            "worker " + i + " exited; see " + dir.resolve("worker-" + i + ".log"));
                }
            }
            Thread.sleep(POLL_MILLIS); // a benchmark poll, not a test synchronisation
        }
    }

    /** The document without its long lists (splits), for printing. */
    private static String abbreviated(JsonNode doc) {
        if (!doc.isObject()) {
            return String.valueOf(doc);
        }
        ObjectNode copy = ((ObjectNode) doc).deepCopy();
        copy.remove(List.of("splits", "splitList"));
        return copy.toString();
    }

    @Override
    public void close() {
        for (Process w : workers) {
            w.destroy();
        }
        for (Process w : workers) {
            try {
                if (!w.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    w.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        coordinator.close();
    }
}
