package io.partita.bench;

import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The budgets of the core grid, end to end through real WebSockets: the coordinator runs in this
 * JVM (so its heap can be measured) and two worker processes run as separate JVMs.
 *
 * <ul>
 *   <li>no-op tasks per second with 2 worker processes (budget: 50,000/s on 2 cores);
 *   <li>a 1,000,000-partition no-op job: wall time and coordinator heap after GC per partition,
 *       measured mid-job (budget: 300 bytes);
 *   <li>submit-to-done latency of a 1-partition job with idle workers (an upper bound of
 *       submit-to-first-task).
 * </ul>
 *
 * Usage: {@code java -cp "partita-benchmarks/target/lib/*" io.partita.bench.GridBenchmark [runs]
 * [partitions]}.
 */
public final class GridBenchmark {
    private GridBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        Path dir = Files.createTempDirectory("partita-bench");
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                // the benchmark's own worker processes on this machine are trusted
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build())) {
            ApiClient api = new ApiClient(coordinator.url());
            List<JavaProcess> workers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                workers.add(JavaProcess.start(
                        "w" + i,
                        dir,
                        "io.partita.cli.Main",
                        "worker",
                        "--coordinator",
                        coordinator.url().toString(),
                        "--slots",
                        "1",
                        "--name",
                        "bench-" + i));
            }
            await(() -> api.get("/api/workers").json().get("total").asInt() == 2, Duration.ofSeconds(60));
            // warm-up
            runJob(api, 200_000);

            double[] rates = new double[runs];
            double[] bytesPerPartition = new double[runs];
            double[] totalPerPartition = new double[runs];
            double[] seconds = new double[runs];
            for (int r = 0; r < runs; r++) {
                System.gc();
                long baseline = memory.getHeapMemoryUsage().getUsed();
                long start = System.nanoTime();
                String id = api.submit("{\"function\":\"examples/noop\",\"partitions\":" + partitions
                        + ",\"options\":{\"reuse\":false}}");
                await(() -> api.job(id).get("counts").get("done").asLong() >= partitions / 2, Duration.ofMinutes(5));
                System.gc();
                long mid = memory.getHeapMemoryUsage().getUsed();
                await(() -> api.job(id).get("status").asText().equals("done"), Duration.ofMinutes(10));
                double elapsed = (System.nanoTime() - start) / 1e9;
                String result = api.get("/api/jobs/" + id + "/result").body();
                if (!result.equals(String.valueOf(partitions))) {
                    throw new AssertionError("wrong result " + result);
                }
                seconds[r] = elapsed;
                rates[r] = partitions / elapsed;
                bytesPerPartition[r] = Math.max(0, mid - baseline) / (double) partitions;
                totalPerPartition[r] = mid / (double) partitions;
                System.out.printf(
                        "run %d: %,d no-op tasks in %.2f s = %,.0f tasks/s; heap after GC mid-job %,d bytes (%.1f bytes/partition),"
                                + " %+,d over the idle coordinator (%.1f bytes/partition)%n",
                        r + 1,
                        partitions,
                        elapsed,
                        rates[r],
                        mid,
                        totalPerPartition[r],
                        mid - baseline,
                        bytesPerPartition[r]);
            }
            double[] latencies = new double[50];
            for (int i = 0; i < latencies.length; i++) {
                long start = System.nanoTime();
                String id =
                        api.submit("{\"function\":\"examples/noop\",\"partitions\":1,\"options\":{\"reuse\":false}}");
                await(() -> api.job(id).get("status").asText().equals("done"), Duration.ofSeconds(30));
                latencies[i] = (System.nanoTime() - start) / 1e6;
            }
            System.out.printf(
                    "median of %d runs: %,.0f tasks/s, %.2f s per %,d-partition job, whole heap %.1f bytes/partition, job's share %.1f bytes/partition%n",
                    runs,
                    median(rates),
                    median(seconds),
                    partitions,
                    median(totalPerPartition),
                    median(bytesPerPartition));
            System.out.printf(
                    "submit-to-done of a 1-partition job (polling every 1 ms): median %.1f ms, p90 %.1f ms%n",
                    median(latencies), percentile(latencies, 0.9));
            for (JavaProcess w : workers) {
                w.close();
            }
        }
    }

    private static void runJob(ApiClient api, int partitions) throws InterruptedException {
        String id = api.submit(
                "{\"function\":\"examples/noop\",\"partitions\":" + partitions + ",\"options\":{\"reuse\":false}}");
        await(() -> api.job(id).get("status").asText().equals("done"), Duration.ofMinutes(5));
    }

    private static void await(java.util.function.BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            Thread.sleep(1); // a benchmark poll, not a test synchronisation
        }
    }

    static double median(double[] values) {
        return percentile(values, 0.5);
    }

    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * (sorted.length - 1) + 0.5))];
    }
}
