package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.Message;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's local workers are child processes (docs/architecture.md, "Local workers"): a
 * real {@code partita server} process whose job code exhausts its worker's heap keeps serving, its
 * dead or killed worker is restarted, and none outlives it; the local token makes a connection
 * {@code local} only for the children, which never see it on their command line.
 */
class LocalWorkersIT {
    @TempDir
    Path dir;

    /** A JavaScript job whose partitions allocate until the heap runs out. */
    static final String HEAP_BOMB = """
            export function compute(partition, ctx) {
              const hoard = [];
              for (;;) {
                hoard.push(new Array(65536).fill(partition));
              }
            }
            """;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A real {@code partita server} with local worker processes of a small heap. */
    record Server(JavaProcess process, URI url, ApiClient api) implements AutoCloseable {
        Set<Long> children() {
            return ProcessHandle.of(process.pid())
                    .map(p -> p.children()
                            .filter(ProcessHandle::isAlive)
                            .map(ProcessHandle::pid)
                            .collect(Collectors.toSet()))
                    .orElse(Set.of());
        }

        /** The local workers connected now, as {@code GET /api/workers} lists them. */
        List<JsonNode> localWorkers() {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode w : api.get("/api/workers").json().get("items")) {
                if (w.get("kind").asText().equals("local")) {
                    out.add(w);
                }
            }
            return out;
        }

        void awaitLocalWorker() {
            Awaitility.await("a local worker connected")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> localWorkers().size() == 1);
        }

        long onlyChild() {
            Set<Long> children = children();
            assertThat(children).hasSize(1);
            return children.iterator().next();
        }

        JsonNode awaitStatus(String id, String status, Duration timeout) {
            Awaitility.await("job " + id + " " + status)
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> api.job(id).get("status").asText().equals(status));
            return api.job(id);
        }

        @Override
        public void close() {
            process.close();
        }
    }

    Server server(String... extra) throws Exception {
        int port = freePort();
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--data",
                dir.resolve("data").toString(),
                "--local-workers",
                "2",
                "--local-worker-heap",
                "96MiB"));
        args.addAll(List.of(extra));
        JavaProcess p = JavaProcess.start("server", dir, "io.partita.cli.Main", args.toArray(String[]::new));
        p.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(90));
        URI url = URI.create("http://127.0.0.1:" + port);
        String token =
                Files.readString(dir.resolve("data").resolve("admin-token")).strip();
        return new Server(p, url, new ApiClient(url, token));
    }

    @Test
    void heapBomb_coordinatorKeepsServing_workerRestarted_nextJobExact() throws Exception {
        try (Server server = server()) {
            server.awaitLocalWorker();
            long first = server.onlyChild();
            String bomb = server.api.submit(Grid.jsSpec(HEAP_BOMB, "\"partitions\":4"));

            // While the bomb goes off (and again after each restart), health and a small API call
            // answer promptly: user code no longer shares the coordinator's heap.
            AtomicLong slowest = new AtomicLong();
            Awaitility.await("the worker killed by its heap cap is restarted")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        long t0 = System.nanoTime();
                        assertThat(server.api.get("/api/health").status()).isEqualTo(200);
                        assertThat(server.api.job(bomb).get("status").asText()).isIn("queued", "running");
                        slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                        Set<Long> now = server.children();
                        return !now.isEmpty() && !now.contains(first);
                    });
            server.process.awaitLine(l -> l.contains("died with exit code 3"), Duration.ofSeconds(10));
            server.process.awaitLine(l -> l.contains("Local worker local restarted (pid"), Duration.ofSeconds(10));
            assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false))
                    .as("the first worker process is gone")
                    .isFalse();
            assertThat(slowest.get())
                    .as("slowest health + job call while the bomb ran, ms")
                    .isLessThan(5_000);

            assertThat(server.api.delete("/api/jobs/" + bomb).status()).isEqualTo(200);
            String pi = server.api.submit(
                    "{\"function\":\"examples/pi\",\"partitions\":40,\"params\":{\"samples\":20000,\"seed\":7}}");
            server.awaitStatus(pi, "done", Duration.ofSeconds(180));
            JsonNode result = server.api.get("/api/jobs/" + pi + "/result").json();
            assertThat(result.get("inside").asLong()).isEqualTo(Grid.piInsideReference(40, 20000, 7));
            assertThat(result.get("samples").asLong()).isEqualTo(800_000L);
        }
    }

    @Test
    void workerKilled_isRestarted_andTheJobFinishes() throws Exception {
        try (Server server = server()) {
            server.awaitLocalWorker();
            long first = server.onlyChild();
            String pi = server.api.submit(
                    "{\"function\":\"examples/pi\",\"partitions\":400,\"params\":{\"samples\":200000,\"seed\":3}}");
            Awaitility.await("some tasks done")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> server.api.job(pi).get("counts").get("done").asLong() > 0);
            ProcessHandle.of(first).orElseThrow().destroyForcibly();
            Awaitility.await("a new worker process")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        Set<Long> now = server.children();
                        return !now.isEmpty() && !now.contains(first);
                    });
            server.process.awaitLine(l -> l.contains("died with exit code 137"), Duration.ofSeconds(10));
            server.awaitStatus(pi, "done", Duration.ofSeconds(240));
            JsonNode result = server.api.get("/api/jobs/" + pi + "/result").json();
            assertThat(result.get("inside").asLong()).isEqualTo(Grid.piInsideReference(400, 200000, 3));
        }
    }

    @Test
    void serverStopped_leavesNoWorkerProcess() throws Exception {
        Server server = server();
        try {
            server.awaitLocalWorker();
            long child = server.onlyChild();
            server.process.terminate();
            assertThat(server.process.waitFor(Duration.ofSeconds(60))).isZero();
            assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false))
                    .as("the worker process %d after the server stopped", child)
                    .isFalse();
        } finally {
            server.close();
        }
    }

    @Test
    void serverKilled_workerExitsOnItsOwn() throws Exception {
        Server server = server();
        try {
            server.awaitLocalWorker();
            long child = server.onlyChild();
            server.process.kill(); // SIGKILL: the server cannot stop anything
            Awaitility.await("the orphaned worker exits")
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() ->
                            !ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
        } finally {
            server.close();
        }
    }

    /**
     * The attacker's side: a peer on loopback is {@code untrusted} without the local token, cannot
     * pass a guessed one off as it, and cannot read it from the worker process's command line or
     * environment.
     */
    @Test
    void localToken_onlyTheChildrenHaveIt_andNotOnTheirCommandLine() throws Exception {
        try (Coordinator coordinator = Coordinator.start(CoordinatorConfig.builder()
                .port(0)
                .dataDir(dir.resolve("data"))
                .auth(false)
                .localWorkers(1)
                .localWorkerHeap(96L << 20)
                .build())) {
            ApiClient api = new ApiClient(coordinator.url());
            Awaitility.await("the local worker connected")
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> api.get("/api/workers").json().get("total").asInt() == 1);
            JsonNode local = api.get("/api/workers").json().get("items").get(0);
            assertThat(local.get("kind").asText()).isEqualTo("local");
            assertThat(local.get("trust").asText()).isEqualTo("local");

            List<Long> pids = coordinator.localWorkerPids();
            assertThat(pids).hasSize(1);
            String token = coordinator.localWorkerToken();
            String cmdline =
                    Files.readString(Path.of("/proc/" + pids.get(0) + "/cmdline"), StandardCharsets.ISO_8859_1);
            String environ =
                    Files.readString(Path.of("/proc/" + pids.get(0) + "/environ"), StandardCharsets.ISO_8859_1);
            assertThat(cmdline).contains("--supervised").doesNotContain(token);
            assertThat(environ).doesNotContain(token);

            try (RawWorker anonymous = new RawWorker(coordinator.url());
                    RawWorker guesser =
                            new RawWorker(coordinator.url(), Map.of("Authorization", "Bearer " + "A".repeat(43)))) {
                anonymous.send(RawWorker.hello(List.of()));
                anonymous.await(Message.Welcome.class);
                guesser.send(RawWorker.hello(List.of()));
                guesser.await(Message.Welcome.class);
                Awaitility.await()
                        .atMost(Duration.ofSeconds(20))
                        .until(() -> api.get("/api/workers").json().get("total").asInt() == 3);
                List<String> raw = new ArrayList<>();
                for (JsonNode w : api.get("/api/workers").json().get("items")) {
                    if (w.get("name").asText().equals("raw")) {
                        raw.add(w.get("trust").asText());
                    }
                }
                assertThat(raw).containsExactly("untrusted", "untrusted");
            }
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive))
                .as("no worker process after the coordinator closed")
                .noneMatch(p -> p.info()
                        .arguments()
                        .map(a -> List.of(a).contains("--supervised"))
                        .orElse(false));
    }
}
