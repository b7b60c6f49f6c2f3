package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.LuminanceSource;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.Message;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server side of browser volunteers, without a browser: the origin check and per-IP rate limit
 * of worker connections, the script and join pages, QR codes.
 */
class VolunteerServerIT {
    static final String ALLOWED = "http://allowed.example";

    @TempDir
    static Path dir;

    static Grid grid;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        grid = new Grid(
                dir,
                CoordinatorConfig.builder()
                        .auth(false)
                        .heartbeatInterval(Duration.ofMillis(500))
                        .allowedOrigins(List.of(ALLOWED))
                        .connectionsPerMinute(0));
    }

    @AfterAll
    static void stop() throws Exception {
        grid.close();
    }

    static HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(grid.coordinator.url().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Decodes the QR code in a PNG. */
    static String decodeQr(byte[] png) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        LuminanceSource source = new RGBLuminanceSource(image.getWidth(), image.getHeight(), pixels);
        return new QRCodeReader()
                .decode(new BinaryBitmap(new HybridBinarizer(source)))
                .getText();
    }

    @Test
    void originCheck_refusesOtherOrigins_butNotWorkersWithoutOrigin() throws Exception {
        int before = grid.api.get("/api/workers").json().get("total").asInt();
        // the upgrade is answered with 403 (origin not allowed) instead of 101: the client's handshake fails
        assertThatThrownBy(() -> new RawWorker(grid.coordinator.url(), Map.of("Origin", "http://evil.example")))
                .isInstanceOf(java.util.concurrent.CompletionException.class);
        assertThat(grid.api.get("/api/workers").json().get("total").asInt()).isEqualTo(before);
        try (RawWorker allowed = new RawWorker(grid.coordinator.url(), Map.of("Origin", ALLOWED));
                RawWorker noOrigin = new RawWorker(grid.coordinator.url())) {
            allowed.send(RawWorker.hello(List.of("examples/noop")));
            assertThat(allowed.await(Message.Welcome.class).workerId()).isNotBlank();
            noOrigin.send(RawWorker.hello(List.of("examples/noop")));
            assertThat(noOrigin.await(Message.Welcome.class).workerId()).isNotBlank();
        }
    }

    @Test
    void rateLimit_closesAConnectionFloodWith1013() throws Exception {
        // 4 a minute: bursts of 2
        try (Grid limited = new Grid(
                        dir.resolve("limited"),
                        CoordinatorConfig.builder().auth(false).connectionsPerMinute(4));
                RawWorker first = new RawWorker(limited.coordinator.url());
                RawWorker second = new RawWorker(limited.coordinator.url());
                RawWorker third = new RawWorker(limited.coordinator.url())) {
            first.send(RawWorker.hello(List.of("examples/noop")));
            assertThat(first.await(Message.Welcome.class).workerId()).isNotBlank();
            second.send(RawWorker.hello(List.of("examples/noop")));
            assertThat(second.await(Message.Welcome.class).workerId()).isNotBlank();
            RawWorker.Closed closed = third.awaitClosed();
            assertThat(closed.code()).isEqualTo(1013);
            assertThat(closed.reason()).contains("too many connections");
            assertThat(limited.api.get("/api/workers").json().get("total").asInt())
                    .isEqualTo(2);
        }
    }

    @Test
    void volunteerScript_isServedForAnyOrigin() throws Exception {
        HttpResponse<byte[]> script = get("/volunteer.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).get().asString().startsWith("text/javascript");
        assertThat(script.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
        assertThat(new String(script.body(), StandardCharsets.UTF_8)).contains("Partita");
    }

    @Test
    void sandboxPage_isServedUnderASandboxingPolicy_withTheBrowserTaskLimit() throws Exception {
        HttpResponse<byte[]> page = get("/sandbox.html");
        assertThat(page.statusCode()).isEqualTo(200);
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        // an opaque origin even when framed without the sandbox attribute; the coordinator only
        assertThat(csp)
                .contains("sandbox allow-scripts;")
                .contains("default-src 'none'")
                .contains("connect-src 'self'")
                .contains("worker-src blob:")
                .doesNotContain(" 'unsafe-eval'")
                .doesNotContain("allow-same-origin");
        assertThat(new String(page.body(), StandardCharsets.UTF_8))
                .contains("src=\"/volunteer.js\" data-sandbox")
                .contains("data-max-task-millis=\"60000\"");
        // the join page answers consent for its visitors: opening the link is asking to help
        String id = grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":1}");
        assertThat(new String(get("/join/" + id).body(), StandardCharsets.UTF_8))
                .contains("'data-consent', 'granted'");
    }

    @Test
    void joinPages_existForKnownJobsOnly() throws Exception {
        String id = grid.api.submit("{\"function\":\"examples/noop\",\"partitions\":1}");
        HttpResponse<byte[]> page = get("/join/" + id);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
        assertThat(new String(page.body(), StandardCharsets.UTF_8))
                .contains("volunteer.js")
                .contains("qr");
        assertThat(get("/join").statusCode()).isEqualTo(200);
        assertThat(get("/join/no-such-job").statusCode()).isEqualTo(404);
    }

    @Test
    void qrCode_encodesTheText_andBadTextIs400() throws Exception {
        String url = "http://192.168.1.20:8080/join/mwq1abc?x=1&y=é";
        HttpResponse<byte[]> png = get("/api/qr.png?text=" + URLEncoder.encode(url, StandardCharsets.UTF_8));
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(decodeQr(png.body())).isEqualTo(url);

        var missing = grid.api.get("/api/qr.png");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("field").asText()).isEqualTo("text");
        var tooLong = grid.api.get("/api/qr.png?text=" + "a".repeat(1001));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().get("message").asText()).contains("at most 1000");
    }

    @Test
    void workersView_showsBrowserCapabilities() throws Exception {
        try (RawWorker browser =
                new RawWorker(URI.create(grid.coordinator.url().toString()), Map.of("Origin", ALLOWED))) {
            browser.send(new Message.Hello(
                    Message.VERSION,
                    "browser",
                    "Chrome 156 on Linux",
                    List.of("js"),
                    8,
                    8L << 30,
                    List.of(),
                    7,
                    Map.of("js", "V8"),
                    List.of("wasm", "webgpu"),
                    "Mozilla/5.0 test",
                    true,
                    List.of("some-job")));
            browser.await(Message.Welcome.class);
            var view = grid.api.get("/api/workers").json().get("items");
            var me = java.util.stream.StreamSupport.stream(view.spliterator(), false)
                    .filter(w -> w.get("kind").asText().equals("browser"))
                    .findFirst()
                    .orElseThrow();
            assertThat(me.get("capabilities").get("features").toString()).contains("webgpu");
            assertThat(me.get("capabilities").get("onBattery").asBoolean()).isTrue();
            assertThat(me.get("capabilities").get("userAgent").asText()).isEqualTo("Mozilla/5.0 test");
            assertThat(me.get("jobs").get(0).asText()).isEqualTo("some-job");
        }
    }
}
