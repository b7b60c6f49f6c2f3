package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.auth.Quotas;
import io.partita.testing.ApiClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants sharing one coordinator (issue 17), with access control on, real worker processes and
 * real tokens: fair share between tenants, a tenant's own workers (a lab's join link), and the
 * tenant quotas on tasks and grid calls in flight and on the depth of nested calls.
 */
class TenantsIT {
    /** About 20 ms of work per partition, so that the share of each tenant shows in time. */
    static final String BUSY =
            "export function compute(input, ctx) { const end = Date.now() + 20; while (Date.now() < end) {} return 1; }\n"
                    + "export function combine(a, b) { return a + b; }";

    @TempDir
    Path dir;

    private static ApiClient tenantClient(Grid grid, ApiClient admin, String user, String tenant) {
        ApiClient.Response r = admin.post(
                "/api/tokens", "{\"user\": \"" + user + "\", \"role\": \"submitter\", \"tenant\": \"" + tenant + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return new ApiClient(grid.coordinator.url(), r.json().get("token").asText());
    }

    private static ApiClient admin(Grid grid) {
        return new ApiClient(
                grid.coordinator.url(), grid.coordinator.adminToken().orElseThrow());
    }

    /** Waits for a job to be done, reading it with a token of its tenant. */
    private static void awaitDone(ApiClient api, String id) {
        Awaitility.await("job " + id + " done")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    String s = api.job(id).get("status").asText();
                    assertThat(s).as("job " + id).isIn("running", "preparing", "done");
                    return s.equals("done");
                });
    }

    private static JsonNode counts(ApiClient api, String id) {
        return api.job(id).get("counts");
    }

    @Test
    void twoTenantsAtOnce_oneWithAHundredTimesMorePartitions_bothProgress() throws Exception {
        try (Grid grid = new Grid(dir, CoordinatorConfig.builder().heartbeatInterval(Duration.ofMillis(500)))) {
            ApiClient admin = admin(grid);
            ApiClient lab = tenantClient(grid, admin, "lena", "lab");
            ApiClient course = tenantClient(grid, admin, "carl", "course");
            String big = lab.submit(Grid.jsSpec(BUSY, "\"partitions\": 5000"));
            String small = course.submit(Grid.jsSpec(BUSY, "\"partitions\": 50"));
            grid.worker("w1", 4);
            awaitDone(course, small);
            JsonNode bigCounts = counts(admin, big);
            // By priority and age alone the small job would have waited for all 5,000 partitions;
            // shared fairly, the big one did about as much as the small one meanwhile.
            assertThat(admin.job(big).get("status").asText()).isEqualTo("running");
            assertThat(bigCounts.get("done").asLong()).isBetween(10L, 400L);
            lab.delete("/api/jobs/" + big);
        }
    }

    @Test
    void aWorkerForOneTenant_runsOnlyThatTenantsJobs_andABadTenantNameIsRefused() throws Exception {
        try (Grid grid = new Grid(dir, CoordinatorConfig.builder().heartbeatInterval(Duration.ofMillis(500)))) {
            ApiClient admin = admin(grid);
            ApiClient lab = tenantClient(grid, admin, "lena", "lab");
            ApiClient course = tenantClient(grid, admin, "carl", "course");
            String labJob = lab.submit(Grid.jsSpec(BUSY, "\"partitions\": 30"));
            String courseJob = course.submit(Grid.jsSpec(BUSY, "\"partitions\": 30"));
            grid.worker("course-only", 4, "--tenant", "course");
            awaitDone(course, courseJob);
            JsonNode labCounts = counts(admin, labJob);
            assertThat(labCounts.get("done").asLong()).isZero();
            assertThat(labCounts.get("running").asLong()).isZero();
            assertThat(admin.job(labJob).get("status").asText()).isEqualTo("running");

            URI url = grid.coordinator.url();
            try (RawWorker bad = new RawWorker(url, Map.of(), "?tenant=no%20such%20name")) {
                RawWorker.Closed closed = bad.awaitClosed();
                assertThat(closed.code()).isEqualTo(1008);
                assertThat(closed.reason()).contains("tenant must be");
            }
            // a worker for any tenant finishes the lab's job
            grid.worker("any", 4);
            awaitDone(lab, labJob);
        }
    }

    @Test
    void tenantQuotas_tasksInFlight_callsInFlight_andCallDepth() throws Exception {
        Quotas quotas =
                Quotas.DEFAULT.with("in-flight=2").with("calls-in-flight=3").with("call-depth=3");
        try (Grid grid = new Grid(
                dir,
                CoordinatorConfig.builder()
                        .heartbeatInterval(Duration.ofMillis(500))
                        .quotas(quotas))) {
            ApiClient admin = admin(grid);
            ApiClient lab = tenantClient(grid, admin, "lena", "lab");
            ApiClient course = tenantClient(grid, admin, "carl", "course");

            // calls in flight: with no worker, calls wait in the queue and count against the quota
            java.util.List<String> queued = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ApiClient.Response r = lab.post(
                        "/api/calls", "{\"function\": \"tests/echo\", \"args\": [" + i + "], \"async\": true}");
                assertThat(r.status()).isEqualTo(202);
                queued.add(r.json().get("id").asText());
            }
            ApiClient.Response refused =
                    lab.post("/api/calls", "{\"function\": \"tests/echo\", \"args\": [9], \"async\": true}");
            assertThat(refused.status()).as(refused.body()).isEqualTo(429);
            assertThat(refused.json().get("error").asText()).isEqualTo("quota_exceeded");
            assertThat(refused.json().get("message").asText())
                    .contains("calls-in-flight")
                    .contains("tenant lab")
                    .contains("limit 3, in use 3");
            assertThat(course.post("/api/calls", "{\"function\": \"tests/echo\", \"args\": [9], \"async\": true}")
                            .status())
                    .as("another tenant's calls do not count")
                    .isEqualTo(202);

            // tasks in flight: a worker with 8 slots never holds more than 2 of the tenant's tasks
            String job = lab.submit(Grid.jsSpec(BUSY, "\"partitions\": 60"));
            grid.worker("w1", 8);
            long[] most = {0};
            Awaitility.await("job done")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        JsonNode view = lab.job(job);
                        most[0] = Math.max(
                                most[0], view.get("counts").get("running").asLong());
                        return view.get("status").asText().equals("done");
                    });
            assertThat(most[0]).isBetween(1L, 2L);

            for (String id : queued) {
                Awaitility.await("queued call " + id + " done")
                        .atMost(Duration.ofSeconds(60))
                        .until(
                                () -> lab.get("/api/calls/" + id)
                                        .json()
                                        .get("status")
                                        .asText(),
                                s -> s.equals("done"));
            }
            // call depth: chain(n) calls chain(n-1) (a cache hit costs nothing and is not refused, so
            // the deep chain goes first): chain(5) would nest 6 deep, chain(2) nests 3 deep
            ApiClient.Response deep = lab.post("/api/calls", "{\"function\": \"tests/chain\", \"args\": [5]}");
            assertThat(deep.status()).as(deep.body()).isEqualTo(500);
            assertThat(deep.body()).contains("call-depth").contains("limit 3");
            ApiClient.Response shallow = lab.post("/api/calls", "{\"function\": \"tests/chain\", \"args\": [2]}");
            assertThat(shallow.status()).as(shallow.body()).isEqualTo(200);
            assertThat(shallow.json().get("result").asLong()).isEqualTo(2);
        }
    }

    @Test
    void storedBytesQuota_refusesNewDatasetsAndJobs_namingLimitAndUse_andKeepsNothing() throws Exception {
        Quotas quotas = Quotas.DEFAULT.with("stored-bytes=4000");
        try (Grid grid = new Grid(
                dir,
                CoordinatorConfig.builder()
                        .heartbeatInterval(Duration.ofMillis(500))
                        .quotas(quotas))) {
            ApiClient admin = admin(grid);
            ApiClient lab = tenantClient(grid, admin, "lena", "lab");
            ApiClient course = tenantClient(grid, admin, "carl", "course");
            byte[] rows = ("n\n" + "12345678\n".repeat(333)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(rows.length).isEqualTo(2999);
            assertThat(lab.upload("/api/datasets?name=a&format=csv", rows).status())
                    .isEqualTo(201);
            ApiClient.Response over = lab.upload("/api/datasets?name=b&format=csv", rows);
            assertThat(over.status()).as(over.body()).isEqualTo(429);
            assertThat(over.json().get("error").asText()).isEqualTo("quota_exceeded");
            assertThat(over.json().get("message").asText())
                    .contains("quota stored-bytes of tenant lab: limit 4000, in use 2999, adding 2999");
            byte[] rest = ("n\n" + "x".repeat(998) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(lab.upload("/api/datasets?name=c&format=csv", rest).status())
                    .as("up to the byte: 2,999 + 1,001")
                    .isEqualTo(201);
            ApiClient.Response job = lab.post("/api/jobs", Grid.jsSpec(BUSY, "\"partitions\": 2"));
            assertThat(job.status()).as(job.body()).isEqualTo(429);
            assertThat(job.json().get("message").asText()).contains("quota stored-bytes of tenant lab: limit 4000");
            assertThat(lab.get("/api/jobs").json().get("total").asLong())
                    .as("nothing kept")
                    .isZero();
            assertThat(course.post("/api/jobs", Grid.jsSpec(BUSY, "\"partitions\": 2"))
                            .status())
                    .as("another tenant's bytes do not count")
                    .isEqualTo(201);
        }
    }
}
