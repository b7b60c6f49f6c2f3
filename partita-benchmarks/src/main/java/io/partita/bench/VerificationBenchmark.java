package io.partita.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What verification costs with honest workers only: four untrusted worker processes (no
 * credential; each connection counted as a host, all on this machine) run pi jobs under each
 * policy, and the extra work is {@code answers / tasks - 1} from the job's counts. Under {@code
 * adaptive}, a first job warms the hosts' records up and the following jobs are measured; the
 * records are the coordinator's, kept across jobs as across restarts.
 *
 * <p>Usage: {@code java -cp "partita-benchmarks/target/lib/*" io.partita.bench.VerificationBenchmark
 * [runs] [partitions]}.
 */
public final class VerificationBenchmark {
    private VerificationBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        Path dir = Files.createTempDirectory("partita-bench");
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder().auth(false)
                .trust(new CoordinatorConfig.Trust(List.of(), true))
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build())) {
            ApiClient api = new ApiClient(coordinator.url());
            List<JavaProcess> workers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
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
                        "honest-" + i));
            }
            while (api.get("/api/workers").json().get("total").asInt() < 4) {
                Thread.sleep(100);
            }
            double warmUp = extra(api, "adaptive", partitions, 0);
            System.out.printf("adaptive, first job (warm-up): extra work %.1f%%%n", warmUp * 100);
            double[] adaptive = new double[runs];
            double[] quorum = new double[runs];
            for (int r = 0; r < runs; r++) {
                adaptive[r] = extra(api, "adaptive", partitions, r + 1);
                quorum[r] = extra(api, "quorum", partitions, r + 1);
                System.out.printf(
                        "run %d: adaptive extra work %.1f%%, quorum %.1f%%%n", r + 1, adaptive[r] * 100, quorum[r] * 100);
            }
            System.out.printf(
                    "median of %d runs, %d partitions, 4 honest untrusted workers: adaptive after warm-up %.1f%%,"
                            + " quorum(2) %.1f%%%n",
                    runs, partitions, median(adaptive) * 100, median(quorum) * 100);
            for (JavaProcess w : workers) {
                w.close();
            }
        }
    }

    /** Runs one pi job under a policy; returns answers / tasks - 1. */
    private static double extra(ApiClient api, String policy, int partitions, int seed) throws Exception {
        String id = api.submit("{\"function\":\"examples/pi\",\"partitions\":" + partitions
                + ",\"params\":{\"samples\":20000,\"seed\":" + seed + "},\"options\":{\"verification\":\"" + policy
                + "\",\"reuse\":false,\"fanIn\":16}}");
        JsonNode job;
        while (true) {
            job = api.get("/api/jobs/" + id).json();
            String status = job.get("status").asText();
            if (status.equals("done")) {
                break;
            }
            if (!status.equals("running") && !status.equals("queued") && !status.equals("preparing")) {
                throw new IllegalStateException("job " + id + " ended " + status + ": " + job);
            }
            Thread.sleep(50);
        }
        long answers = job.get("counts").get("answers").asLong();
        // partitions plus combine tasks: every task done gave at least one answer
        long tasks = partitions + combines(partitions, 16);
        return (double) answers / tasks - 1;
    }

    private static long combines(long n, int fanIn) {
        long total = 0;
        while (n > 1) {
            n = (n + fanIn - 1) / fanIn;
            total += n;
        }
        return total;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
