package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A socket flood against a real coordinator process whose file descriptors are few (issue 18:
 * 19,879 client sockets exhausted the descriptors and Helidon's accept loop stopped for good, so
 * the coordinator never answered again). The coordinator runs under {@code ulimit -n 1024}; 1,500
 * sockets are opened and held, then closed: the listener must answer again once the flood ends.
 */
@Timeout(180)
class ConnectionFloodIT {
    private static final int FD_LIMIT = 1024;
    private static final int FLOOD = 1500;

    @TempDir
    Path dir;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The test's class path with absolute entries, for the child. */
    static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    static int health(URI url) {
        try {
            return HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build()
                    .send(
                            HttpRequest.newBuilder(url.resolve("/api/health"))
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Test
    void socketFlood_pastTheDescriptorLimit_listenerAnswersOnceItEnds() throws Exception {
        int port = freePort();
        URI url = URI.create("http://127.0.0.1:" + port);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process coordinator = new ProcessBuilder(
                        "bash",
                        "-c",
                        "ulimit -n " + FD_LIMIT + " && exec \"$@\"",
                        "bash",
                        java,
                        "-Xmx256m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        classPath(),
                        "io.partita.cli.Main",
                        "server",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        String.valueOf(port),
                        "--data",
                        dir.resolve("data").toString(),
                        "--local-workers",
                        "0")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(coordinator.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                    System.out.println("[flooded] " + line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        List<Socket> flood = new ArrayList<>();
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> lines.stream().anyMatch(l -> l.contains("listening on")));
            assertThat(health(url)).isEqualTo(200);

            int connected = 0;
            for (int i = 0; i < FLOOD; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    connected++;
                } catch (IOException e) {
                    // the backlog is full: the flood goes on with the sockets it has
                }
                flood.add(s);
            }
            assertThat(connected).as("sockets of the flood").isGreaterThan(FD_LIMIT);
            Thread.sleep(2000); // the coordinator accepts what it may meanwhile
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> health(url) == 200);
            assertThat(lines).noneMatch(l -> l.contains("this server socket is terminating now"));
        } finally {
            coordinator.destroy();
            if (!coordinator.waitFor(10, TimeUnit.SECONDS)) {
                coordinator.destroyForcibly();
            }
        }
    }
}
