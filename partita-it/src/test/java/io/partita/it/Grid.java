package io.partita.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/** A coordinator on a random port plus helpers to start worker processes against it. */
final class Grid implements AutoCloseable {
    final Path dir;
    final Coordinator coordinator;
    final ApiClient api;
    private final List<AutoCloseable> resources = new ArrayList<>();

    /**
     * Every connection from this machine is trusted (the test's workers and browsers are its own),
     * unless the test sets its own trust (the verification tests do).
     */
    static final CoordinatorConfig.Trust LOOPBACK =
            new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false);

    Grid(Path dir, CoordinatorConfig.Builder config) {
        this(dir, config, LOOPBACK);
    }

    Grid(Path dir, CoordinatorConfig.Builder config, CoordinatorConfig.Trust trust) {
        this.dir = dir;
        this.coordinator = Coordinator.start(config.host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .trust(trust)
                .build());
        this.api = new ApiClient(coordinator.url());
    }

    Grid(Path dir) {
        this(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
    }

    /** Starts a worker JVM with the test classpath (so it has the test functions too). */
    JavaProcess worker(String name, int slots, String... options) {
        JavaProcess p = workerProcess(name, coordinator.url().toString(), slots, dir, options);
        resources.add(p);
        return p;
    }

    static JavaProcess workerProcess(String name, String url, int slots, Path dir, String... options) {
        List<String> args = new ArrayList<>(
                List.of("worker", "--coordinator", url, "--slots", String.valueOf(slots), "--name", name));
        args.addAll(List.of(options));
        return JavaProcess.start(name, dir, "io.partita.cli.Main", args.toArray(String[]::new));
    }

    /** A JavaScript job spec: {@code rest} is the rest of the spec's fields, e.g. {@code "partitions": 10}. */
    static String jsSpec(String source, String rest) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode spec = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{" + rest + "}");
        spec.putObject("code").put("language", "js").put("source", source);
        return spec.toString();
    }

    /** The points inside the circle of a pi job, computed sequentially in this JVM. */
    static long piInsideReference(long partitions, long samples, long seed) {
        long inside = 0;
        for (long p = 0; p < partitions; p++) {
            inside += io.partita.examples.Pi.sample(samples, seed, p).inside();
        }
        return inside;
    }

    /** The connected workers of kind {@code browser}, as {@code GET /api/workers} lists them. */
    List<JsonNode> browserWorkers() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode w : api.get("/api/workers").json().get("items")) {
            if (w.get("kind").asText().equals("browser")) {
                out.add(w);
            }
        }
        return out;
    }

    void awaitWorkers(int n) {
        Awaitility.await("workers connected")
                .atMost(Duration.ofSeconds(60))
                .until(() -> api.get("/api/workers").json().get("total").asInt() >= n);
    }

    JsonNode awaitStatus(String id, String status, Duration timeout) {
        Awaitility.await("job " + id + " " + status)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    String s = api.job(id).get("status").asText();
                    if (!s.equals(status) && (s.equals("failed") || s.equals("done") || s.equals("cancelled"))) {
                        throw new AssertionError("job " + id + " ended " + s + ": " + api.job(id));
                    }
                    return s.equals(status);
                });
        return api.job(id);
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        coordinator.close();
    }
}
