package io.partita.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.testing.Chromium;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Browser volunteers, measured without a driver (a driver that reports each WebSocket frame slows
 * the page): plain {@code chromium --headless} processes open a page of another origin that embeds
 * {@code volunteer.js} with {@code data-cpu="1"}; the coordinator runs in this JVM and the browsers
 * are its only workers. Figures come from the coordinator's clock: partitions / (submit to done).
 *
 * <ul>
 *   <li>no-op tasks per second for one tab and for four tabs;
 *   <li>a CPU-heavy module: tasks per second of one tab (one Web Worker) against one Java worker
 *       slot running the same module under GraalJS with the JIT ({@code ./partita worker}).
 * </ul>
 *
 * Usage, from the repository root (so that {@code ./partita} is found): {@code java -cp
 * "partita-benchmarks/target/lib/*" io.partita.bench.BrowserBenchmark [runs] [noopPartitions]}.
 */
public final class BrowserBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NOOP =
            "export function compute(i) { return 0; }\nexport function combine(a, b) { return a + b; }";
    static final String HEAVY = """
            export function compute(i) {
              let x = i;
              for (let k = 0; k < 3000000; k++) x = (x * 1103515245 + 12345) % 2147483648;
              return x % 1000;
            }
            export function combine(a, b) { return a + b; }
            """;

    private BrowserBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int noopPartitions = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
        Path dir = Files.createTempDirectory("partita-browser-bench");
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                // the benchmark's own worker processes on this machine are trusted
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .connectionsPerMinute(0)
                .build())) {
            ApiClient api = new ApiClient(coordinator.url());
            HttpServer site = site(coordinator.url().resolve("/volunteer.js").toString());
            String page = "http://127.0.0.1:" + site.getAddress().getPort() + "/embed.html";
            try {
                for (int tabs : new int[] {1, 4}) {
                    List<Process> browsers = new ArrayList<>();
                    for (int t = 0; t < tabs; t++) {
                        browsers.add(chromium(page, dir));
                    }
                    try {
                        await(() -> browserWorkers(api) == tabs, Duration.ofSeconds(60));
                        run(api, NOOP, 20_000); // warm-up
                        double[] rates = new double[runs];
                        for (int r = 0; r < runs; r++) {
                            rates[r] = run(api, NOOP, noopPartitions);
                        }
                        report("no-op tasks/s, " + tabs + " tab(s)", rates);
                        if (tabs == 1) {
                            run(api, HEAVY, 20);
                            double[] heavy = new double[runs];
                            for (int r = 0; r < runs; r++) {
                                heavy[r] = run(api, HEAVY, 200);
                            }
                            report("CPU-heavy tasks/s, 1 tab", heavy);
                        }
                    } finally {
                        for (Process p : browsers) {
                            p.destroyForcibly().waitFor();
                        }
                        await(() -> browserWorkers(api) == 0, Duration.ofSeconds(30));
                    }
                }
                Process java = new ProcessBuilder(
                                "./partita",
                                "worker",
                                "--coordinator",
                                coordinator.url().toString(),
                                "--slots",
                                "1",
                                "--name",
                                "bench-java")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("java-worker.log").toFile())
                        .start();
                try {
                    await(() -> api.get("/api/workers").json().get("total").asInt() == 1, Duration.ofSeconds(120));
                    run(api, HEAVY, 20);
                    double[] heavy = new double[runs];
                    for (int r = 0; r < runs; r++) {
                        heavy[r] = run(api, HEAVY, 200);
                    }
                    JsonNode w = api.get("/api/workers").json().get("items").get(0);
                    report(
                            "CPU-heavy tasks/s, 1 Java worker slot ("
                                    + w.path("capabilities")
                                            .path("engines")
                                            .path("js")
                                            .asText() + ")",
                            heavy);
                } finally {
                    java.destroy();
                    java.waitFor();
                }
            } finally {
                site.stop(0);
            }
        }
    }

    static HttpServer site(String script) throws Exception {
        HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = ("<!doctype html><title>bench</title><script src=\"" + script
                        + "\" data-cpu=\"1\" data-hidden=\"run\" data-consent=\"granted\" async></script>")
                .getBytes(StandardCharsets.UTF_8);
        site.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        site.start();
        return site;
    }

    static Process chromium(String url, Path dir) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chrome");
        List<String> command = new ArrayList<>();
        command.add(Chromium.BINARY);
        command.addAll(Chromium.headlessFlags(profile));
        command.add(url);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
    }

    static int browserWorkers(ApiClient api) {
        int n = 0;
        for (JsonNode w : api.get("/api/workers").json().get("items")) {
            if (w.get("kind").asText().equals("browser")) {
                n++;
            }
        }
        return n;
    }

    /** Runs a job to done; returns partitions per second from submit to done. */
    static double run(ApiClient api, String module, int partitions) throws Exception {
        ObjectNode spec = JSON.createObjectNode();
        spec.putObject("code").put("language", "js").put("source", module);
        spec.put("partitions", partitions);
        spec.putObject("options").put("reuse", false); // every run computes, none copies the last
        long start = System.nanoTime();
        String id = api.submit(spec.toString());
        await(() -> api.job(id).get("status").asText().equals("done"), Duration.ofMinutes(10));
        return partitions / ((System.nanoTime() - start) / 1e9);
    }

    static void report(String what, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        StringBuilder all = new StringBuilder();
        for (double v : values) {
            all.append(all.isEmpty() ? "" : " / ").append(String.format("%,.0f", v));
        }
        System.out.printf("%s: median %,.1f (%s)%n", what, sorted[sorted.length / 2], all);
    }

    static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            Thread.sleep(5);
        }
    }
}
