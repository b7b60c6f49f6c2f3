package io.partita.bench;

import io.partita.client.PartitaClient;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The budgets of grid calls (issue 8), through {@code PartitaClient} on loopback: the coordinator in
 * this JVM, one worker process with 2 slots offering {@code tests/echo} (a no-op that returns its
 * arguments).
 *
 * <ul>
 *   <li>round trip of an uncached no-op call, one at a time: p50 and p99 (budget: p50 below 1 ms);
 *   <li>round trip of a cached call, one at a time (budget: p50 below 200 µs);
 *   <li>throughput of pipelined calls from one client (up to {@value #WINDOW} in flight), uncached
 *       and cached.
 * </ul>
 *
 * Usage: {@code java -cp "partita-benchmarks/target/lib/*" io.partita.bench.CallBenchmark [runs]
 * [calls]}.
 */
public final class CallBenchmark {
    static final int WINDOW = 4096;

    private CallBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Path dir = Files.createTempDirectory("partita-call-bench");
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                // the benchmark's own worker processes on this machine are trusted
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                        .auth(false)
                        .host("127.0.0.1")
                        .port(0)
                        .dataDir(dir.resolve("data"))
                        .build());
                JavaProcess worker = JavaProcess.start(
                        "w",
                        dir,
                        "io.partita.cli.Main",
                        "worker",
                        "--coordinator",
                        coordinator.url().toString(),
                        "--slots",
                        "2",
                        "--function",
                        "tests/echo");
                PartitaClient client = PartitaClient.connect(coordinator.url())) {
            ApiClient api = new ApiClient(coordinator.url());
            BrowserBenchmark.await(
                    () -> api.get("/api/workers").json().get("total").asInt() == 1, Duration.ofSeconds(60));
            long[] next = {0};
            // warm-up: JIT both sides
            latencies(client, 20_000, next, false);
            pipelined(client, 100_000, next, false);
            pipelined(client, 100_000, next, true);

            double[] p50 = new double[runs];
            double[] p99 = new double[runs];
            double[] cachedP50 = new double[runs];
            double[] cachedP99 = new double[runs];
            double[] throughput = new double[runs];
            double[] cachedThroughput = new double[runs];
            for (int r = 0; r < runs; r++) {
                long[] uncached = latencies(client, calls, next, false);
                long[] cached = latencies(client, calls, next, true);
                p50[r] = percentile(uncached, 0.50);
                p99[r] = percentile(uncached, 0.99);
                cachedP50[r] = percentile(cached, 0.50);
                cachedP99[r] = percentile(cached, 0.99);
                throughput[r] = pipelined(client, calls * 10, next, false);
                cachedThroughput[r] = pipelined(client, calls * 10, next, true);
                System.out.printf(
                        "run %d: uncached p50 %.0f µs p99 %.0f µs; cached p50 %.0f µs p99 %.0f µs;"
                                + " pipelined %,.0f calls/s uncached, %,.0f calls/s cached%n",
                        r + 1, p50[r], p99[r], cachedP50[r], cachedP99[r], throughput[r], cachedThroughput[r]);
            }
            System.out.printf(
                    "median of %d runs: uncached p50 %.0f µs, p99 %.0f µs; cached p50 %.0f µs, p99 %.0f µs;"
                            + " pipelined %,.0f calls/s uncached, %,.0f calls/s cached%n",
                    runs,
                    GridBenchmark.median(p50),
                    GridBenchmark.median(p99),
                    GridBenchmark.median(cachedP50),
                    GridBenchmark.median(cachedP99),
                    GridBenchmark.median(throughput),
                    GridBenchmark.median(cachedThroughput));
            System.out.println("cache: " + api.get("/api/cache/stats").json().toString());
        }
    }

    /**
     * Round trips in microseconds of {@code n} calls made one after another: each with new
     * arguments (a miss, so a worker runs it) or all with the same (a hit after the first).
     */
    private static long[] latencies(PartitaClient client, int n, long[] next, boolean cached) throws Exception {
        long[] micros = new long[n];
        long fixed = -1;
        client.call("tests/echo", fixed).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            long arg = cached ? fixed : next[0]++;
            long start = System.nanoTime();
            client.call("tests/echo", arg).get(10, TimeUnit.SECONDS);
            micros[i] = (System.nanoTime() - start) / 1000;
        }
        return micros;
    }

    /** Calls per second of {@code n} calls with up to {@value #WINDOW} in flight. */
    private static double pipelined(PartitaClient client, int n, long[] next, boolean cached) throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        CompletableFuture<?>[] last = new CompletableFuture<?>[1];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            window.acquire();
            long arg = cached ? -1 : next[0]++;
            last[0] = client.call("tests/echo", arg).whenComplete((v, e) -> window.release());
        }
        window.acquire(WINDOW);
        window.release(WINDOW);
        last[0].get(60, TimeUnit.SECONDS);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static double percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }
}
