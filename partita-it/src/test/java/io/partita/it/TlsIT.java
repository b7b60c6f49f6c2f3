package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.client.PartitaClient;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.TlsTrust;
import io.partita.testing.JavaProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Direct TLS (docs/security.md): a coordinator started with a self-signed certificate made at test
 * time serves HTTPS and WSS and nothing in plain HTTP; a real worker process, the CLI and {@code
 * PartitaClient} work against it when told to trust the certificate ({@code --ca-cert}), and are
 * refused when not; {@code ./partita server --tls-cert --tls-key} runs its local worker over TLS.
 */
class TlsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void tlsCoordinator_servesWorkerCliAndClientOverHttpsAndWss_refusesPlainHttp() throws Exception {
        SelfSignedCert cert = SelfSignedCert.make(dir.resolve("tls"), "RSA", "dns:localhost,ip:127.0.0.1");
        try (Coordinator c = Coordinator.start(CoordinatorConfig.builder()
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .heartbeatInterval(Duration.ofMillis(500))
                .trust(Grid.LOOPBACK)
                .tlsCert(cert.cert())
                .tlsKey(cert.key())
                .build())) {
            URI url = c.url();
            assertThat(url.getScheme()).isEqualTo("https");
            SSLContext trust = TlsTrust.context(cert.cert());
            HttpClient http = HttpClient.newBuilder().sslContext(trust).build();

            // a real worker process over wss, trusting the certificate with --ca-cert
            try (JavaProcess worker = Grid.workerProcess(
                    "tls-worker",
                    url.toString(),
                    2,
                    dir,
                    "--ca-cert",
                    cert.cert().toString())) {
                Awaitility.await("worker connected over wss")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> get(http, url, "/api/workers").get("total").asInt() == 1);
                HttpResponse<String> submitted = http.send(
                        HttpRequest.newBuilder(url.resolve("/api/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"function\":\"examples/pi\","
                                        + "\"partitions\":40,\"params\":{\"samples\":2000,\"seed\":7}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(submitted.statusCode()).isEqualTo(201);
                String id = JSON.readTree(submitted.body()).get("id").asText();
                Awaitility.await("job done over wss")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> get(http, url, "/api/jobs/" + id)
                                .get("status")
                                .asText()
                                .equals("done"));

                // the CLI over https: trusted with --ca-cert, refused without
                Cli ok = cli(
                        "status",
                        id,
                        "--coordinator",
                        url.toString(),
                        "--ca-cert",
                        cert.cert().toString());
                assertThat(ok.code()).as(ok.err()).isZero();
                assertThat(ok.out()).contains(id).contains("done");
                Cli untrusted = cli("status", id, "--coordinator", url.toString());
                assertThat(untrusted.code()).isNotZero();
                assertThat(untrusted.err()).startsWith("partita: ");

                // PartitaClient over wss, with the certificate's trust
                try (PartitaClient client =
                        PartitaClient.builder(url).sslContext(trust).build()) {
                    assertThat(client.call(Long.class, "examples/fib", 20).get(60, TimeUnit.SECONDS))
                            .isEqualTo(6765L);
                }
                // ... and without it the call fails: the JVM's trust store does not know the certificate
                try (PartitaClient client = PartitaClient.builder(url).build()) {
                    var failed = client.call(Long.class, "examples/fib", 21);
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(failed::isDone);
                    assertThat(failed).isCompletedExceptionally();
                }
            }

            // plain HTTP on the same port gets no HTTP answer
            try (Socket s = new Socket("127.0.0.1", url.getPort())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write("GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] head = in.readNBytes(12);
                assertThat(new String(head, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/1.1 2");
            } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
                // closed or silent: refused either way
            }
        }
    }

    @Test
    void serverCommandWithTls_localWorkerAndCliWorkOverHttps() throws Exception {
        // the certificate names another host: the local worker trusts exactly it, whatever its name;
        // the CLI trusts it the same way through --ca-cert (a pinned self-signed certificate)
        SelfSignedCert cert = SelfSignedCert.make(dir.resolve("tls"), "EC", "dns:grid.invalid");
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (JavaProcess server = JavaProcess.start(
                "tls-server",
                dir,
                "io.partita.cli.Main",
                "server",
                "--port",
                String.valueOf(port),
                "--data",
                dir.resolve("data").toString(),
                "--local-workers",
                "1",
                "--tls-cert",
                cert.cert().toString(),
                "--tls-key",
                cert.key().toString())) {
            String line = server.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
            assertThat(line).contains("https://localhost:" + port).contains("wss://localhost:" + port);
            String url = "https://localhost:" + port;
            String token = java.nio.file.Files.readString(dir.resolve("data/admin-token"))
                    .strip();
            Path spec = dir.resolve("pi.json");
            java.nio.file.Files.writeString(
                    spec, "{\"function\":\"examples/pi\",\"partitions\":10,\"params\":{\"samples\":1000,\"seed\":3}}");
            Cli submitted = cli(
                    "submit",
                    spec.toString(),
                    "--wait",
                    "--coordinator",
                    url,
                    "--token",
                    token,
                    "--ca-cert",
                    cert.cert().toString());
            assertThat(submitted.code()).as(submitted.err()).isZero();
            assertThat(submitted.out()).contains("inside");
        }
    }

    private static JsonNode get(HttpClient http, URI base, String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    record Cli(int code, String out, String err) {}

    static Cli cli(String... args) {
        CommandLine cmd = io.partita.cli.Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }
}
