package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.coordinator.CoordinatorConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain HTTP requests are bounded per IP address (issue 18), the server's own loopback address
 * exempt; and the browser task cap is the operator's. A second loopback address (127.0.0.2, which
 * Linux routes to the same interface) stands for a remote client.
 */
@Timeout(60)
class HttpBoundsIT {
    @TempDir
    Path dir;

    @Test
    void requestsOverTheRate_are429NamingTheLimit_serverOwnLoopbackIsExempt() throws Exception {
        try (Grid grid = new Grid(dir, config().requestsPerSecond(5))) {
            HttpClient remote = HttpClient.newBuilder()
                    .localAddress(InetAddress.getByName("127.0.0.2"))
                    .build();
            URI health = grid.coordinator.url().resolve("/api/health");
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                answers.add(remote.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()));
            }
            // A bucket of 2 s worth (10) and a refill of 5 a second: most of 30 quick requests are refused.
            List<HttpResponse<String>> refused =
                    answers.stream().filter(r -> r.statusCode() == 429).toList();
            assertThat(answers.get(0).statusCode()).isEqualTo(200);
            assertThat(refused).hasSizeGreaterThan(10);
            HttpResponse<String> one = refused.get(0);
            assertThat(one.headers().firstValue("Retry-After"))
                    .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
            assertThat(one.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            assertThat(one.body()).contains("too_many_requests").contains("requests-per-second 5");
            // Meanwhile the server's own loopback address (the CLI, the dashboard on this machine) is never refused.
            for (int i = 0; i < 30; i++) {
                assertThat(grid.api.get("/api/health").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void browserTaskCap_isToldToBrowsersBySandboxPageAndManifest() throws Exception {
        try (Grid grid = new Grid(dir, config().browserTaskCap(Duration.ofSeconds(5)))) {
            assertThat(grid.api.get("/sandbox.html").body()).contains("data-max-task-millis=\"5000\"");
            assertThat(grid.api
                            .get("/volunteer/manifest")
                            .json()
                            .get("browserTaskLimitMillis")
                            .asLong())
                    .isEqualTo(5000);
        }
    }

    private static CoordinatorConfig.Builder config() {
        return CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500));
    }
}
