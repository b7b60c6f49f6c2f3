package io.partita.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections held by an attacker (issue 18): slowloris requests that never finish their headers,
 * WebSockets that never say hello, more WebSockets from one address than its share, and job
 * listings as large as their params. Raw sockets against a real coordinator with short deadlines.
 */
@Timeout(120)
class ConnectionBoundsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration HELLO_TIMEOUT = Duration.ofMillis(700);
    private static final int PER_IP = 3;

    @TempDir
    static Path dir;

    static Coordinator coordinator;

    @BeforeAll
    static void start() {
        coordinator = Coordinator.start(CoordinatorConfig.builder()
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .headerTimeout(HEADER_TIMEOUT)
                .helloTimeout(HELLO_TIMEOUT)
                .maxConnectionsPerIp(PER_IP)
                .build());
    }

    @AfterAll
    static void stop() {
        coordinator.close();
    }

    static int health() throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(coordinator.url().resolve("/api/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    /** Whether the server closed {@code s}: a read sees the end of the stream or a reset. */
    static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(50);
        try {
            InputStream in = s.getInputStream();
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    // ------------------------------------------------------------------------------- slowloris

    @Test
    void slowloris_400ConnectionsThatNeverFinishTheirHeaders_areClosedAfterTheDeadline() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 400; i++) {
                Socket s = new Socket("127.0.0.1", coordinator.port());
                s.getOutputStream()
                        .write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                sockets.add(s);
            }
            long start = System.nanoTime();
            // one more header line every 300 ms: each read of the server gets a byte well within any
            // per-read time-out, the headers never end
            int open = sockets.size();
            int round = 0;
            while (open > 0
                    && System.nanoTime() - start < Duration.ofSeconds(30).toNanos()) {
                Thread.sleep(300);
                open = 0;
                for (Socket s : sockets) {
                    if (s.isClosed()) {
                        continue;
                    }
                    try {
                        s.getOutputStream().write(("X-Drip-" + round + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                        open++;
                    } catch (IOException e) {
                        s.close();
                    }
                }
                round++;
            }
            long closedAfter = System.nanoTime() - start;
            int stillOpen = 0;
            for (Socket s : sockets) {
                if (!s.isClosed() && !closedByServer(s)) {
                    stillOpen++;
                }
            }
            assertThat(stillOpen)
                    .as("connections still held after the header deadline")
                    .isZero();
            assertThat(Duration.ofNanos(closedAfter)).isLessThan(HEADER_TIMEOUT.plusSeconds(10));
            assertThat(health()).isEqualTo(200);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void keepAliveRequests_withinTheDeadline_areServed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", coordinator.port())) {
            s.setSoTimeout(5000);
            for (int i = 0; i < 3; i++) {
                s.getOutputStream()
                        .write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                String head = readHead(s.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 200");
                int length = Integer.parseInt(head.lines()
                        .filter(l -> l.toLowerCase().startsWith("content-length:"))
                        .findFirst()
                        .orElseThrow()
                        .substring(15)
                        .strip());
                s.getInputStream().readNBytes(length);
                // slower than the header deadline between requests, but each request is quick
                Thread.sleep(HEADER_TIMEOUT.toMillis() + 500);
            }
        }
    }

    // ------------------------------------------------------------------------------- WebSockets

    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** A WebSocket opened by hand from {@code local}, its upgrade answered. */
    static Socket upgrade(String path, String local) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
        s.connect(new InetSocketAddress("127.0.0.1", coordinator.port()));
        s.setSoTimeout(10_000);
        s.getOutputStream()
                .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                + "Sec-WebSocket-Version: 13\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 101");
        return s;
    }

    /** The close frame the server sends: its code and reason. */
    record Close(int code, String reason) {}

    static Close readClose(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        int b0 = in.read();
        int len = in.read() & 0x7f;
        byte[] payload = in.readNBytes(len);
        assertThat(b0 & 0x0f).as("a close frame").isEqualTo(8);
        int code = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        return new Close(code, new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8));
    }

    @Test
    void workerSocket_thatNeverSaysHello_isClosedWithAReason() throws Exception {
        try (Socket s = upgrade("/ws/worker", "127.0.0.1")) {
            long start = System.nanoTime();
            Close close = readClose(s);
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).contains("no hello within 700 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HELLO_TIMEOUT.plusSeconds(5));
        }
    }

    @Test
    void perIpCap_refusesTheFloodingAddress_whileAnotherAddressGetsIn() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < PER_IP; i++) {
                held.add(upgrade("/ws/client", "127.0.0.1"));
            }
            try (Socket refused = upgrade("/ws/client", "127.0.0.1")) {
                Close close = readClose(refused);
                assertThat(close.code()).isEqualTo(1013);
                assertThat(close.reason()).contains("max-connections-per-ip 3");
            }
            // another address (the whole of 127/8 is this machine's loopback) is not affected
            try (Socket other = upgrade("/ws/client", "127.0.0.2")) {
                assertThat(closedByServer(other)).isFalse();
            }
            for (Socket s : held) {
                assertThat(closedByServer(s)).as("held connections stay open").isFalse();
            }
            // once one of the flood's connections ends, the address may open another
            held.remove(0).close();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (Socket again = upgrade("/ws/client", "127.0.0.1")) {
                    return !closedByServer(again);
                }
            });
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    // ------------------------------------------------------------------------------- listings

    @Test
    void jobListing_returnsSummariesWithoutParams_theJobItselfHasThem() throws Exception {
        String big = "x".repeat(1 << 20);
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> created = client.send(
                HttpRequest.newBuilder(coordinator.url().resolve("/api/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"code\": {\"language\": \"js\", \"source\": \"export function compute(i) { return i; }\"},"
                                        + " \"partitions\": 1, \"params\": {\"blob\": \"" + big + "\"}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();
        HttpResponse<String> list = client.send(
                HttpRequest.newBuilder(coordinator.url().resolve("/api/jobs?limit=500"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(list.body().length()).isLessThan(64 << 10);
        JsonNode item = JSON.readTree(list.body()).get("items").get(0);
        assertThat(item.get("id").asText()).isEqualTo(id);
        assertThat(item.has("params")).isFalse();
        assertThat(item.get("links").get("self").asText()).isEqualTo("/api/jobs/" + id);
        JsonNode full = JSON.readTree(client.send(
                        HttpRequest.newBuilder(coordinator.url().resolve("/api/jobs/" + id))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        assertThat(full.get("params").get("blob").asText()).hasSize(1 << 20);

        // the job's live stream does not repeat them either
        HttpResponse<java.util.stream.Stream<String>> stream = client.send(
                HttpRequest.newBuilder(coordinator.url().resolve("/api/jobs/" + id + "/stream"))
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        String jobEvent;
        try (java.util.stream.Stream<String> lines = stream.body()) {
            java.util.Iterator<String> it = lines.iterator();
            while (!it.next().equals("event: job")) {
                // skip other events
            }
            jobEvent = it.next();
        }
        assertThat(jobEvent).startsWith("data: ").hasSizeLessThan(64 << 10);
        JsonNode streamed = JSON.readTree(jobEvent.substring("data: ".length()));
        assertThat(streamed.has("params")).isFalse();
        assertThat(streamed.get("paramsOmitted").asBoolean()).isTrue();
    }
}
