package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code partita bots} as a real process (from the packaged distribution) against an in-process
 * coordinator: the bots finish a job, then exit 0 on their own after the idle period.
 */
class BotsIT {
    @TempDir
    Path dir;

    @Test
    void bots_finishJobThenExitOnIdle() throws Exception {
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build())) {
            String url = "http://127.0.0.1:" + coordinator.port();

            // Submit first, so the bots have work as soon as they connect.
            Path spec = dir.resolve("noop.json");
            Files.writeString(spec, "{\"name\": \"bots-noop\", \"function\": \"examples/noop\", \"partitions\": 2000}");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cmd = new CommandLine(new Main());
            cmd.setOut(new PrintWriter(out, true));
            cmd.setErr(new PrintWriter(err, true));
            assertThat(cmd.execute("submit", spec.toString(), "--coordinator", url))
                    .as(err.toString())
                    .isZero();
            String id = out.toString().strip();

            Path log = dir.resolve("bots.log");
            Process bots = new ProcessBuilder(List.of(
                            BotsCommand.javaBinary(),
                            "-cp",
                            distClassPath(),
                            Main.class.getName(),
                            "bots",
                            "--coordinator",
                            url,
                            "--count",
                            "2",
                            "--idle-exit",
                            "2s"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                CoordinatorClient client = new CoordinatorClient(URI.create(url));
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> !bots.isAlive()
                                || client.job(id).path("status").asText().equals("done"));
                JsonNode job = client.job(id);
                assertThat(job.path("status").asText())
                        .as(Files.readString(log))
                        .isEqualTo("done");
                assertThat(job.path("counts").path("done").asInt()).isEqualTo(2000);

                // No more work: both bots go idle, exit after 2 s, and so does `bots`.
                assertThat(bots.waitFor(60, TimeUnit.SECONDS))
                        .as(Files.readString(log))
                        .isTrue();
                String output = Files.readString(log);
                assertThat(bots.exitValue()).as(output).isZero();
                assertThat(output).contains("[bot-1]").contains("[bot-2]").contains("All 2 bots exited");
            } finally {
                bots.destroyForcibly();
            }
        }
    }

    @Test
    void bots_sigterm_stopsBotsGracefullyAndExitsZero() throws Exception {
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build())) {
            String url = "http://127.0.0.1:" + coordinator.port();
            Path log = dir.resolve("bots.log");
            Process bots = new ProcessBuilder(List.of(
                            BotsCommand.javaBinary(),
                            "-cp",
                            distClassPath(),
                            Main.class.getName(),
                            "bots",
                            "--coordinator",
                            url,
                            "--count",
                            "2",
                            "--idle-exit",
                            "10m"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            String text = Files.readString(log);
                            return !bots.isAlive()
                                    || (text.contains("[bot-1]")
                                            && text.contains("[bot-2]")
                                            && text.lines()
                                                            .filter(l -> l.contains("Connected to"))
                                                            .count()
                                                    == 2);
                        });
                assertThat(bots.isAlive()).as(Files.readString(log)).isTrue();

                bots.toHandle().destroy(); // SIGTERM
                assertThat(bots.waitFor(60, TimeUnit.SECONDS))
                        .as(Files.readString(log))
                        .isTrue();
                String output = Files.readString(log);
                assertThat(bots.exitValue()).as(output).isZero();
                assertThat(output.lines()
                                .filter(l -> l.contains("Worker stopped after"))
                                .count())
                        .as(output)
                        .isEqualTo(2);
                assertThat(output).contains("All 2 bots exited (stopped)");
            } finally {
                bots.destroyForcibly();
            }
        }
    }

    /** The packaged distribution's class path (failsafe runs after package). */
    private static String distClassPath() {
        String lib = System.getProperty("partita.dist.lib");
        assertThat(lib)
                .as("system property partita.dist.lib (set by the failsafe configuration)")
                .isNotNull();
        assertThat(Path.of(lib)).isDirectory();
        return Path.of(lib).resolve("*").toString();
    }
}
