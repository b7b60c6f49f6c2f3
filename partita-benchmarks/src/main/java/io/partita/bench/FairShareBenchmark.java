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
 * Fair share between tenants: a big pi job and one with a hundred times fewer partitions are
 * submitted at once, either by one tenant (the jobs go by age, as every job did before fair share)
 * or by two tenants (fair share). Measured: how long the small job takes, and each job's rate while
 * both ran. Two worker processes of two slots each, access control on, rounds interleaved.
 *
 * <p>Usage: {@code java -cp "partita-benchmarks/target/lib/*" io.partita.bench.FairShareBenchmark
 * [rounds] [small-partitions]}.
 */
public final class FairShareBenchmark {
    private FairShareBenchmark() {}

    record Round(double smallSeconds, double smallRate, double bigRate) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int small = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path dir = Files.createTempDirectory("partita-bench");
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .trust(new CoordinatorConfig.Trust(List.of("127.0.0.1"), false))
                .build())) {
            ApiClient admin = new ApiClient(
                    coordinator.url(), coordinator.adminToken().orElseThrow());
            ApiClient lab = client(coordinator, admin, "lena", "lab");
            ApiClient labToo = client(coordinator, admin, "lars", "lab");
            ApiClient course = client(coordinator, admin, "carl", "course");
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
                        "2",
                        "--name",
                        "w" + i));
            }
            while (admin.get("/api/workers").json().get("total").asInt() < 2) {
                Thread.sleep(100);
            }
            round(admin, lab, labToo, small, 0); // warm-up: JIT, connections
            List<Round> byAge = new ArrayList<>();
            List<Round> fair = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                Round a = round(admin, lab, labToo, small, r);
                Round b = round(admin, lab, course, small, r);
                byAge.add(a);
                fair.add(b);
                System.out.printf(
                        "round %d: one tenant: small job %.2f s (%.0f vs %.0f tasks/s); two tenants: small job %.2f s"
                                + " (%.0f vs %.0f tasks/s)%n",
                        r, a.smallSeconds, a.smallRate, a.bigRate, b.smallSeconds, b.smallRate, b.bigRate);
            }
            System.out.printf(
                    "median of %d rounds, %d vs %d partitions, 2 workers x 2 slots:%n"
                            + "  one tenant (by age):  small job done in %.2f s; while both ran steadily, small %.0f"
                            + " partitions/s, big %.0f%n"
                            + "  two tenants (fair):   small job done in %.2f s; while both ran steadily, small %.0f"
                            + " partitions/s, big %.0f%n",
                    rounds,
                    small,
                    small * 100,
                    median(byAge, Round::smallSeconds),
                    median(byAge, Round::smallRate),
                    median(byAge, Round::bigRate),
                    median(fair, Round::smallSeconds),
                    median(fair, Round::smallRate),
                    median(fair, Round::bigRate));
            for (JavaProcess w : workers) {
                w.close();
            }
        }
    }

    private static ApiClient client(Coordinator coordinator, ApiClient admin, String user, String tenant) {
        JsonNode t = admin.post(
                        "/api/tokens",
                        "{\"user\": \"" + user + "\", \"role\": \"submitter\", \"tenant\": \"" + tenant + "\"}")
                .json();
        return new ApiClient(coordinator.url(), t.get("token").asText());
    }

    /**
     * The big job by {@code first}, then at once the small one by {@code second}; the big one is
     * cancelled after. The rates are taken between a quarter and three quarters of the small job's
     * partitions, when both jobs run steadily (before that, the small job's first tasks wait behind
     * the work the workers already hold).
     */
    private static Round round(ApiClient admin, ApiClient first, ApiClient second, int small, int seed)
            throws Exception {
        String big = first.submit(spec(small * 100, seed));
        long start = System.nanoTime();
        String little = second.submit(spec(small, seed));
        long t1 = 0, t2 = 0, b1 = 0, b2 = 0, s1 = 0, s2 = 0;
        while (true) {
            JsonNode l = admin.get("/api/jobs/" + little).json();
            long now = System.nanoTime();
            long done = l.get("counts").get("done").asLong();
            if (t1 == 0 && done >= small / 4) {
                t1 = now;
                s1 = done;
                b1 = admin.get("/api/jobs/" + big).json().get("counts").get("done").asLong();
            }
            if (t2 == 0 && done >= small * 3 / 4) {
                t2 = now;
                s2 = done;
                b2 = admin.get("/api/jobs/" + big).json().get("counts").get("done").asLong();
            }
            if (l.get("status").asText().equals("done")) {
                break;
            }
            Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        admin.delete("/api/jobs/" + big);
        // by age, the big job may have finished before the small one: then there is nothing to cancel
        while (!java.util.Set.of("cancelled", "done")
                .contains(admin.get("/api/jobs/" + big).json().get("status").asText())) {
            Thread.sleep(5);
        }
        double window = Math.max(1, t2 - t1) / 1e9;
        return new Round(seconds, (s2 - s1) / window, (b2 - b1) / window);
    }

    private static String spec(int partitions, int seed) {
        return "{\"function\":\"examples/pi\",\"partitions\":" + partitions + ",\"params\":{\"samples\":50000,"
                + "\"seed\":" + seed + "},\"options\":{\"reuse\":false,\"fanIn\":16}}";
    }

    private static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        double[] v = rounds.stream().mapToDouble(f).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
