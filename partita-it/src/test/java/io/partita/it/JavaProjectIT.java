package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/java-project}, a Maven project of a user's own, built as a user builds it (its own
 * pom, {@code io.partita:partita-client} from the local repository), its function offered by a real
 * worker process started with {@code --classpath} on the built jar, and its {@code main} calling
 * that function through a real coordinator with {@code PartitaClient}.
 *
 * <p>CI runs {@code ./mvnw -B verify}, which installs nothing, so the artifacts the project needs
 * (the parent POM, partita-api, partita-protocol, partita-client) are installed first by a nested
 * {@code ./mvnw -o install} of exactly those modules: the same command a user runs, from the same
 * sources, and offline because this build has already resolved every plugin and dependency. The
 * project is copied to a temporary directory so its {@code target/} stays out of the checkout.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JavaProjectIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final String FUNCTION = "myproject/collatz-steps";

    @TempDir
    Path dir;

    @Test
    void javaProject_builtAgainstInstalledArtifacts_itsFunctionRunsOnAWorkerWithClasspath() throws Exception {
        String version = System.getProperty("partita.version");
        assertThat(version).as("system property partita.version (failsafe)").isNotBlank();
        mvn(REPO, "-pl", "partita-api,partita-protocol,partita-client", "-am", "install", "-DskipTests");
        Path project = dir.resolve("java-project");
        copy(REPO.resolve("examples/java-project"), project);
        mvn(REPO, "-f", project.resolve("pom.xml").toString(), "package", "-Dpartita.version=" + version);
        Path jar = project.resolve("target/my-functions-1.0.jar");
        assertThat(jar).isRegularFile();

        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                .trust(new CoordinatorConfig.Trust(List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build())) {
            String url = "http://127.0.0.1:" + coordinator.port();
            ApiClient api = new ApiClient(URI.create(url));
            try (JavaProcess worker = JavaProcess.start(
                    "own-worker",
                    dir,
                    "io.partita.cli.Main",
                    "worker",
                    "--coordinator",
                    url,
                    "--name",
                    "own",
                    "--slots",
                    "1",
                    "--classpath",
                    jar.toString())) {
                // The worker announces the function in its hello; the coordinator lists it.
                await().atMost(Duration.ofSeconds(90)).until(() -> offers(api, FUNCTION));

                Process main = new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java")
                                        .toString(),
                                "-cp",
                                jar + java.io.File.pathSeparator + project.resolve("target/lib") + "/*",
                                "com.example.partita.Main",
                                url,
                                "27")
                        .redirectErrorStream(true)
                        .start();
                String out = new String(main.getInputStream().readAllBytes());
                assertThat(main.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(main.exitValue()).as(out).isZero();
                assertThat(out).contains("collatz-steps(27) = 111");

                // A job over the same grid reaches the user's code too: a bad argument's message.
                JsonNode bad = api.post("/api/calls", "{\"function\":\"" + FUNCTION + "\",\"args\":[0]}")
                        .json();
                assertThat(bad.toString()).contains("n must be at least 1, was 0");
                assertThat(worker.alive()).isTrue();
            }
        }
    }

    private static boolean offers(ApiClient api, String function) {
        for (JsonNode w : api.get("/api/workers").json().get("items")) {
            for (JsonNode f : w.path("capabilities").path("functions")) {
                if (f.asText().equals(function)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Runs the checkout's Maven wrapper offline and fails with its output unless it succeeds. */
    private void mvn(Path cwd, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                REPO.resolve("mvnw").toString(),
                "-B",
                "-o",
                "-q",
                "-Dspotless.check.skip=true",
                "-Dspotless.skip=true"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "mvn", ".log");
        Process p = new ProcessBuilder(command)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(p.waitFor(4, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
        assertThat(p.exitValue())
                .as("%s failed:%n%s", command, Files.readString(log))
                .isZero();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path rel = from.relativize(f);
                if (rel.startsWith("target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
