package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code partita submit --wait} stopped by a signal (Ctrl-C's SIGINT or a SIGTERM: both run the
 * JVM's shutdown hooks) in a real process, against a real coordinator with no worker, so the job
 * never ends by itself.
 */
@Timeout(120)
class SubmitWaitInterruptIT {
    @TempDir
    Path dir;

    @Test
    void submitWait_stopped_saysTheJobGoesOnAndHowToCancel() throws Exception {
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build())) {
            String url = "http://127.0.0.1:" + coordinator.port();
            Path spec = dir.resolve("job.json");
            Files.writeString(spec, "{\"function\": \"examples/noop\", \"partitions\": 10}");
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            Main.class.getName(),
                            "submit",
                            spec.toString(),
                            "--wait",
                            "--coordinator",
                            url)
                    .redirectError(dir.resolve("err.txt").toFile())
                    .start();
            String id;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                id = out.readLine();
                assertThat(id).as("the job id on stdout").isNotBlank();
                p.destroy(); // SIGTERM
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            String err = Files.readString(dir.resolve("err.txt"));
            assertThat(err).contains(JobCommand.stoppedWaiting(id)).doesNotContain("Exception");
            HttpResponse<String> job = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url + "/api/jobs/" + id))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(job.body()).doesNotContain("\"cancelled\"");
        }
    }
}
