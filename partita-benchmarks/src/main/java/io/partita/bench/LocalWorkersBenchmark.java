package io.partita.bench;

import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What running the local worker as a child process costs (docs/decisions.md): the time from
 * {@code Coordinator.start} to healthy and to the first local worker connected, and no-op tasks per
 * second through a local worker with 2 slots in a child process against the same worker inside the
 * coordinator's JVM (as {@code partita server} ran it before), interleaved run by run.
 *
 * <p>Usage: {@code java -cp "partita-benchmarks/target/lib/*" io.partita.bench.LocalWorkersBenchmark
 * [runs] [partitions]}. It needs only the distribution and {@code partita-testing}, so it also runs
 * as {@code java -cp "partita-cli/target/dist/lib/*:partita-testing/target/classes:CLASSES" ...}
 * after compiling this one file against them.
 */
public final class LocalWorkersBenchmark {
    private LocalWorkersBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        double[] healthy = new double[runs];
        double[] connected = new double[runs];
        double[] child = new double[runs];
        double[] inProcess = new double[runs];
        for (int r = 0; r < runs; r++) {
            // child process
            Path dir = Files.createTempDirectory("partita-bench-local");
            long start = System.nanoTime();
            try (Coordinator coordinator = Coordinator.start(config(dir).localWorkers(2).build())) {
                ApiClient api = new ApiClient(coordinator.url());
                await(() -> api.get("/api/health").status() == 200, Duration.ofSeconds(60));
                healthy[r] = (System.nanoTime() - start) / 1e6;
                await(() -> api.get("/api/workers").json().get("total").asInt() == 1, Duration.ofSeconds(120));
                connected[r] = (System.nanoTime() - start) / 1e6;
                runJob(api, partitions / 4); // warm-up
                child[r] = runJob(api, partitions);
            }
            // the same worker inside the coordinator's JVM
            dir = Files.createTempDirectory("partita-bench-local");
            try (Coordinator coordinator = Coordinator.start(config(dir).build());
                    Worker worker = Worker.start(WorkerConfig.defaults(coordinator.url())
                            .withSlots(2)
                            .withKind("local")
                            .withName("local")
                            .withToken(Optional.of(coordinator.localWorkerToken())))) {
                ApiClient api = new ApiClient(coordinator.url());
                await(() -> api.get("/api/workers").json().get("total").asInt() == 1, Duration.ofSeconds(60));
                runJob(api, partitions / 4);
                inProcess[r] = runJob(api, partitions);
            }
            System.out.printf(
                    "run %d: healthy after %.0f ms, local worker connected after %.0f ms; no-op tasks/s child"
                            + " process %.0f, in-process %.0f%n",
                    r + 1, healthy[r], connected[r], child[r], inProcess[r]);
        }
        System.out.printf(
                "median: healthy %.0f ms, first local worker %.0f ms; no-op tasks/s child %.0f, in-process %.0f"
                        + " (ratio %.2f)%n",
                median(healthy),
                median(connected),
                median(child),
                median(inProcess),
                median(child) / median(inProcess));
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static CoordinatorConfig.Builder config(Path dir) {
        return CoordinatorConfig.builder()
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"));
    }

    /** Runs a no-op job and returns its tasks per second, submit to done. */
    private static double runJob(ApiClient api, int partitions) throws InterruptedException {
        long start = System.nanoTime();
        String id = api.submit("{\"function\":\"examples/noop\",\"partitions\":" + partitions
                + ",\"options\":{\"reuse\":false}}");
        await(() -> api.job(id).get("status").asText().equals("done"), Duration.ofMinutes(10));
        return partitions / ((System.nanoTime() - start) / 1e9);
    }

    private static void await(java.util.function.BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            Thread.sleep(5);
        }
    }
}
