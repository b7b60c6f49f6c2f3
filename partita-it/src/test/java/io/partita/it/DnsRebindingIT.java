package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.CoordinatorConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DNS rebinding defence (docs/security.md): a request whose {@code Host} is not a name of the
 * coordinator gets 421 naming the host and {@code --allowed-host}, on REST, pages, SSE and both
 * WebSockets, and changes nothing; loopback names, address literals, the public URL's host and
 * allowed hosts are answered. Raw sockets, because an HTTP client will not send a foreign Host.
 */
class DnsRebindingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPEC = "{\"function\":\"examples/pi\",\"partitions\":3}";

    @TempDir
    Path dir;

    record Answer(int status, String head, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    @Test
    void defaultLoopbackCoordinator_refusesForeignHosts_everywhere_andChangesNothing() throws Exception {
        try (Grid grid = new Grid(dir)) {
            int port = grid.coordinator.port();
            String evil = "rebind.attacker.example:" + port;

            Answer submit = request(port, "POST", "/api/jobs", evil, List.of("Content-Type: application/json"), SPEC);
            assertThat(submit.status()).isEqualTo(421);
            assertThat(submit.json().get("error").asText()).isEqualTo("host_not_allowed");
            assertThat(submit.json().get("field").asText()).isEqualTo("Host");
            assertThat(submit.json().get("message").asText())
                    .contains("rebind.attacker.example")
                    .contains("--allowed-host rebind.attacker.example");
            Answer cancel = request(port, "DELETE", "/api/cache", evil, List.of(), "");
            assertThat(cancel.status()).isEqualTo(421);
            assertThat(request(port, "GET", "/api/jobs", evil, List.of(), "").status())
                    .isEqualTo(421);
            assertThat(request(port, "GET", "/api/health", evil, List.of(), "").status())
                    .isEqualTo(421);
            // pages, scripts and the data capability URLs
            assertThat(request(port, "GET", "/join", evil, List.of(), "").status())
                    .isEqualTo(421);
            assertThat(request(port, "GET", "/", evil, List.of(), "").status()).isEqualTo(421);
            assertThat(request(port, "GET", "/volunteer.js", evil, List.of(), "")
                            .status())
                    .isEqualTo(421);
            // server-sent events
            assertThat(request(port, "GET", "/api/stream", evil, List.of("Accept: text/event-stream"), "")
                            .status())
                    .isEqualTo(421);
            // both WebSockets: the upgrade is refused, not switched
            for (String path : List.of("/ws/worker", "/ws/client")) {
                Answer ws = request(port, "GET", path, evil, upgrade(), "");
                assertThat(ws.status()).as(path).isEqualTo(421);
            }
            assertThat(grid.api.get("/api/workers").json().get("total").asInt()).isZero();
            // nothing was stored
            assertThat(grid.api.get("/api/jobs").json().get("items")).isEmpty();

            // the same requests addressed to this machine's own names are answered
            for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "localhost")) {
                assertThat(request(port, "GET", "/api/health", host, List.of(), "")
                                .status())
                        .as(host)
                        .isEqualTo(200);
            }
            assertThat(request(port, "GET", "/join", "localhost:" + port, List.of(), "")
                            .status())
                    .isEqualTo(200);
            assertThat(request(port, "GET", "/ws/worker", "127.0.0.1:" + port, upgrade(), "")
                            .status())
                    .isEqualTo(101);
            assertThat(request(
                                    port,
                                    "GET",
                                    "/api/stream",
                                    "localhost:" + port,
                                    List.of("Accept: text/event-stream"),
                                    "")
                            .status())
                    .isEqualTo(200);
            Answer ok = request(
                    port, "POST", "/api/jobs", "localhost:" + port, List.of("Content-Type: application/json"), SPEC);
            assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        }
    }

    @Test
    void publicUrlAndAllowedHosts_areAnswered_othersRefused() throws Exception {
        try (Grid grid = new Grid(
                dir,
                CoordinatorConfig.builder()
                        .auth(false)
                        .publicUrl("https://grid.example.org")
                        .allowedHosts(List.of("lab-pc", "*.corp.example")))) {
            int port = grid.coordinator.port();
            for (String host : List.of(
                    "grid.example.org", "GRID.example.org.", "lab-pc:" + port, "a.corp.example", "10.1.2.3:8080")) {
                assertThat(request(port, "GET", "/api/health", host, List.of(), "")
                                .status())
                        .as(host)
                        .isEqualTo(200);
            }
            for (String host : List.of("example.org", "corp.example", "grid.example.org.evil.example", "lab-pc.evil")) {
                assertThat(request(port, "GET", "/api/health", host, List.of(), "")
                                .status())
                        .as(host)
                        .isEqualTo(421);
            }
        }
    }

    @Test
    void allInterfacesWithoutNames_answersAnyHost() throws Exception {
        try (var c = io.partita.coordinator.Coordinator.start(CoordinatorConfig.builder()
                .auth(false)
                .host("0.0.0.0")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build())) {
            int port = c.port();
            assertThat(request(port, "GET", "/api/health", "my-pc.lan:" + port, List.of(), "")
                            .status())
                    .isEqualTo(200);
        }
    }

    private static List<String> upgrade() {
        return List.of(
                "Upgrade: websocket",
                "Connection: Upgrade",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version: 13");
    }

    /** One request on its own connection; reads the status line, the headers and (unless 101 or SSE) the body. */
    static Answer request(int port, String method, String path, String host, List<String> headers, String body)
            throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            if (!headers.contains("Connection: Upgrade")) {
                req.append("Connection: close\r\n");
            }
            req.append("Content-Length: ").append(content.length).append("\r\n\r\n");
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(content);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String head = readHead(in);
            int status = Integer.parseInt(head.substring(9, 12));
            if (status == 101 || head.toLowerCase(java.util.Locale.ROOT).contains("text/event-stream")) {
                return new Answer(status, head, "");
            }
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)")
                    .matcher(head);
            String rest = length.find()
                    ? new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8)
                    : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(status, head, rest);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int c; matched < 4 && (c = in.read()) >= 0; ) {
            b.write(c);
            matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
