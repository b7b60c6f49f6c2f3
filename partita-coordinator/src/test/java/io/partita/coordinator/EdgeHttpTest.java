package io.partita.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.partita.coordinator.wire.ConnectionGate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What a real coordinator answers at the HTTP edge, seen on the wire with raw HTTP/1.1: {@code HEAD}
 * wherever {@code GET} is, and a WebSocket upgrade from a page of an origin not allowed.
 */
@Timeout(60)
class EdgeHttpTest {
    private static final String ALLOWED = "http://allowed.example";

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
                .allowedOrigins(List.of(ALLOWED))
                .build());
    }

    @AfterAll
    static void stop() {
        coordinator.close();
    }

    /** A response as read off the socket: status line, headers (lower-case names), body. */
    record Raw(String status, Map<String, String> headers, String body) {
        int code() {
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    /**
     * Sends {@code request} (head lines without the final blank line) and reads one response: the
     * body by its Content-Length or chunks; after a HEAD, checks that no byte follows the headers.
     */
    private static Raw exchange(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", coordinator.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((request + "Host: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String[] lines = readHead(in).split("\r\n");
            Map<String, String> headers = new TreeMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
            byte[] body;
            if (request.startsWith("HEAD ")) {
                s.setSoTimeout(300);
                int next;
                try {
                    next = in.read();
                } catch (java.net.SocketTimeoutException e) {
                    next = -1;
                }
                assertThat(next)
                        .as("a byte after the headers of a HEAD response")
                        .isEqualTo(-1);
                body = new byte[0];
            } else if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else {
                java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
                while (true) {
                    int size = Integer.parseInt(readLine(in).strip(), 16);
                    if (size == 0) {
                        break;
                    }
                    chunks.write(in.readNBytes(size));
                    readLine(in);
                }
                body = chunks.toByteArray();
            }
            return new Raw(lines[0], headers, new String(body, StandardCharsets.UTF_8));
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString().strip();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString();
    }

    /** Reads the status line and headers of an upgrade answer, which may leave the socket open. */
    private static String upgradeStatus(String path, String origin) throws IOException {
        try (Socket s = new Socket("127.0.0.1", coordinator.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                    + "Sec-WebSocket-Version: 13\r\nOrigin: " + origin + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return readHead(s.getInputStream());
        }
    }

    private static void assertHeadLikeGet(String path) throws IOException {
        Raw get = exchange("GET " + path + " HTTP/1.1\r\n");
        Raw head = exchange("HEAD " + path + " HTTP/1.1\r\n");
        assertThat(head.status()).as(path).isEqualTo(get.status());
        assertThat(head.body()).as(path).isEmpty();
        assertThat(get.body()).as(path).isNotEmpty();
        assertThat(head.headers().get("content-type"))
                .as(path)
                .isEqualTo(get.headers().get("content-type"));
        assertThat(head.headers().get("content-length"))
                .as(path)
                .isEqualTo(String.valueOf(get.body().getBytes(StandardCharsets.UTF_8).length));
        Map<String, String> expected = new TreeMap<>(get.headers());
        expected.keySet().removeAll(List.of("date", "content-length", "transfer-encoding"));
        assertThat(head.headers()).as(path).containsAllEntriesOf(expected);
    }

    @Test
    void head_apiRoute_sameStatusAndHeadersNoBody() throws IOException {
        assertHeadLikeGet("/api/openapi.json");
        assertHeadLikeGet("/api/jobs");
        assertThat(exchange("HEAD /api/jobs HTTP/1.1\r\n").code()).isEqualTo(200);
    }

    @Test
    void head_page_sameStatusAndHeadersNoBody() throws IOException {
        assertHeadLikeGet("/");
        assertHeadLikeGet("/join");
    }

    @Test
    void head_missingId_404NoBody() throws IOException {
        assertHeadLikeGet("/api/jobs/no-such-job");
        assertThat(exchange("HEAD /api/jobs/no-such-job HTTP/1.1\r\n").code()).isEqualTo(404);
        assertHeadLikeGet("/api/datasets/no-such-dataset");
        assertHeadLikeGet("/dashboard/nothing.js");
    }

    @Test
    void upgrade_refusedOrigin_is403WithReasonAndLogLine() throws IOException {
        Logger gateLog = (Logger) LoggerFactory.getLogger(ConnectionGate.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        gateLog.addAppender(logged);
        try {
            // Before: Helidon refused the upgrade and the request fell through to a plain 404/400.
            Raw worker = exchange("GET /ws/worker HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Origin: http://evil.example\r\n");
            assertThat(worker.code()).isEqualTo(403);
            assertThat(worker.body())
                    .contains("origin_not_allowed")
                    .contains("origin http://evil.example is not allowed to connect workers");
            Raw client = exchange("GET /ws/client HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Origin: http://evil.example\r\n");
            assertThat(client.code()).isEqualTo(403);
            assertThat(client.body()).contains("origin http://evil.example is not allowed to make grid calls");
            assertThat(logged.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m)
                            .contains("/ws/worker")
                            .contains("origin http://evil.example is not allowed to connect workers"))
                    .anySatisfy(m -> assertThat(m).contains("/ws/client").contains("make grid calls"));
        } finally {
            gateLog.detachAppender(logged);
        }
    }

    @Test
    void upgrade_allowedOrigin_switchesProtocols() throws IOException {
        assertThat(upgradeStatus("/ws/worker", ALLOWED)).startsWith("HTTP/1.1 101");
        assertThat(upgradeStatus("/ws/client", ALLOWED)).startsWith("HTTP/1.1 101");
    }

    @Test
    void plainGetOfWebSocketPath_saysToUpgrade() throws IOException {
        Raw plain = exchange("GET /ws/worker HTTP/1.1\r\n");
        assertThat(plain.code()).isEqualTo(400);
        assertThat(plain.body()).contains("/ws/worker is a WebSocket endpoint");
    }
}
