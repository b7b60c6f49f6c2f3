package io.partita.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's own process, attacked through the API as an anonymous client would (issue 18):
 * dataset URL imports and {@code code.url} must not reach loopback, private, link-local or metadata
 * addresses, before or after a redirect; {@code file:} imports are off unless the operator names an
 * import directory, and never tell whether a path exists; uploads are bounded. Two real
 * coordinators: one with the defaults, one whose operator allowed 127.0.0.1 and an import directory
 * (the positive paths).
 */
@Timeout(60)
class HostileFetchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "TOP-SECRET-admin-page-4711";

    @TempDir
    static Path dir;

    static Coordinator defaults;
    static Coordinator allowing;
    static HttpServer internal;
    static final AtomicInteger internalHits = new AtomicInteger();
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        internal = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        internal.createContext("/", exchange -> {
            internalHits.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            int status = 200;
            switch (path) {
                case "/to-metadata" -> {
                    exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
                    status = 302;
                    body = new byte[0];
                }
                case "/to-private" -> {
                    exchange.getResponseHeaders().add("Location", "http://10.0.0.1/admin");
                    status = 307;
                    body = new byte[0];
                }
                case "/loop" -> {
                    exchange.getResponseHeaders().add("Location", "/loop");
                    status = 302;
                    body = new byte[0];
                }
                case "/data.txt" -> body = "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8);
                case "/module.mjs" ->
                    body = "export function compute(i) { return i; }\n".getBytes(StandardCharsets.UTF_8);
                case "/big.txt" -> body = "x\n".repeat(40_000).getBytes(StandardCharsets.UTF_8);
                case "/fails" -> {
                    status = 500;
                    body = ("<html>" + SECRET + "</html>").getBytes(StandardCharsets.UTF_8);
                }
                default -> body = ("<html><h1>Admin</h1>" + SECRET + "</html>").getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        internal.start();
        Files.createDirectories(dir.resolve("import"));
        defaults = Coordinator.start(CoordinatorConfig.builder()
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("defaults"))
                .build());
        allowing = Coordinator.start(CoordinatorConfig.builder()
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("allowing"))
                .allowFetch(List.of("127.0.0.1"))
                .importDirs(List.of(dir.resolve("import")))
                .maxUploadBytes(64 << 10)
                .build());
    }

    @AfterAll
    static void stop() {
        defaults.close();
        allowing.close();
        internal.stop(0);
    }

    record Answer(int status, JsonNode json) {
        String message() {
            return json.path("message").asText();
        }

        String field() {
            return json.path("field").asText();
        }
    }

    static Answer post(Coordinator c, String path, String body) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(c.url().resolve(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    static Answer upload(Coordinator c, HttpRequest.BodyPublisher body) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(c.url().resolve("/api/datasets?format=text&name=u"))
                        .header("Content-Type", "application/octet-stream")
                        .POST(body)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    static JsonNode get(Coordinator c, String path) throws Exception {
        return JSON.readTree(
                client.send(HttpRequest.newBuilder(c.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
                        .body());
    }

    static String internalUrl(String path) {
        return "http://127.0.0.1:" + internal.getAddress().getPort() + path;
    }

    static Answer importUrl(Coordinator c, String url) throws Exception {
        return post(c, "/api/datasets", "{\"url\": \"" + url + "\", \"format\": \"text\"}");
    }

    static Answer codeUrl(Coordinator c, String url) throws Exception {
        return post(c, "/api/jobs", "{\"code\": {\"language\": \"js\", \"url\": \"" + url + "\"}, \"partitions\": 2}");
    }

    /** The datasets listed and the blob files kept (tests of one coordinator may add some). */
    record Trace(int datasets, long blobs) {}

    static Trace trace(Coordinator c) throws Exception {
        Path blobs = c.config().dataDir().resolve("blobs");
        long files = 0;
        if (Files.isDirectory(blobs)) {
            try (Stream<Path> walk = Files.walk(blobs)) {
                files = walk.filter(Files::isRegularFile).count();
            }
        }
        return new Trace(get(c, "/api/datasets").get("items").size(), files);
    }

    static void assertRefused(Answer a, String field, String reason) {
        assertThat(a.status()).as(a.json().toString()).isEqualTo(422);
        assertThat(a.field()).isEqualTo(field);
        assertThat(a.message()).contains(field).contains(reason).doesNotContain(SECRET);
    }

    // ------------------------------------------------------------------------------- SSRF

    @Test
    void datasetUrl_loopback_refusedBeforeAnyRequest_noTrace() throws Exception {
        Trace before = trace(defaults);
        int hits = internalHits.get();
        Answer a = importUrl(defaults, internalUrl("/admin"));
        assertRefused(a, "url", "loopback");
        assertThat(a.json().path("error").asText()).isEqualTo("destination_refused");
        assertThat(internalHits.get()).as("the internal server was never asked").isEqualTo(hits);
        assertThat(trace(defaults)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void datasetUrl_hostNameResolvingToLoopback_refused() throws Exception {
        Trace before = trace(defaults);
        Answer a =
                importUrl(defaults, "http://localhost:" + internal.getAddress().getPort() + "/admin");
        assertRefused(a, "url", "loopback");
        assertThat(trace(defaults)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void datasetUrl_ipv6FormsOfLoopback_refused() throws Exception {
        Trace before = trace(defaults);
        int port = internal.getAddress().getPort();
        assertRefused(importUrl(defaults, "http://[::ffff:127.0.0.1]:" + port + "/admin"), "url", "loopback");
        assertRefused(importUrl(defaults, "http://[::1]:" + port + "/admin"), "url", "loopback");
        assertRefused(importUrl(defaults, "http://0.0.0.0:" + port + "/admin"), "url", "unspecified");
        assertThat(trace(defaults)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void datasetUrl_metadataPrivateAndCgnat_refused() throws Exception {
        Trace before = trace(defaults);
        assertRefused(importUrl(defaults, "http://169.254.169.254/latest/meta-data/"), "url", "metadata");
        assertRefused(importUrl(defaults, "http://10.1.2.3/x"), "url", "private");
        assertRefused(importUrl(defaults, "http://192.168.0.1/x"), "url", "private");
        assertRefused(importUrl(defaults, "http://100.64.0.1/x"), "url", "carrier-grade NAT");
        assertThat(trace(defaults)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void datasetUrl_redirectToMetadata_refusedEvenFromAnAllowedHost() throws Exception {
        Trace before = trace(allowing);
        Answer a = importUrl(allowing, internalUrl("/to-metadata"));
        assertRefused(a, "url", "metadata");
        assertRefused(importUrl(allowing, internalUrl("/to-private")), "url", "private");
        assertThat(trace(allowing)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void datasetUrl_redirectLoop_stopsAtTheLimit() throws Exception {
        Trace before = trace(allowing);
        assertRefused(importUrl(allowing, internalUrl("/loop")), "url", "redirected more than 5 times");
        assertThat(trace(allowing)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void datasetUrl_errorStatus_namesTheStatusNotTheBody() throws Exception {
        Trace before = trace(allowing);
        Answer a = importUrl(allowing, internalUrl("/fails"));
        assertRefused(a, "url", "HTTP 500");
        assertThat(trace(allowing)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void codeUrl_loopbackAndRedirectToMetadata_refusedAndNoJob() throws Exception {
        assertRefused(codeUrl(defaults, internalUrl("/module.mjs")), "code.url", "loopback");
        assertRefused(codeUrl(allowing, internalUrl("/to-metadata")), "code.url", "metadata");
        assertThat(get(defaults, "/api/jobs").get("total").asLong()).isZero();
    }

    @Test
    void codeUrl_internalPageThatIsNotJavaScript_isNotEchoed() throws Exception {
        Answer a = codeUrl(allowing, internalUrl("/admin"));
        assertThat(a.status()).isEqualTo(422);
        assertThat(a.field()).isEqualTo("code.url");
        assertThat(a.json().toString()).doesNotContain(SECRET).doesNotContain("Admin");
    }

    @Test
    void allowList_letsTheOperatorsOwnHostsThrough() throws Exception {
        Answer data = importUrl(allowing, internalUrl("/data.txt"));
        assertThat(data.status()).as(data.json().toString()).isEqualTo(201);
        assertThat(data.json().get("lines").asLong()).isEqualTo(3);
        Answer job = codeUrl(allowing, internalUrl("/module.mjs"));
        assertThat(job.status()).as(job.json().toString()).isEqualTo(201);
    }

    // ------------------------------------------------------------------------------- delete

    static Answer delete(Coordinator c, String path) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(c.url().resolve(path)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    @Test
    void deleteDataset_refusedWhileAQueryReadsIt_thenRemovesRowAndBlob() throws Exception {
        Trace before = trace(allowing);
        Answer created = upload(allowing, HttpRequest.BodyPublishers.ofString("a\nb\n"));
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asText();
        // no worker: the query stays running
        Answer query = post(allowing, "/api/queries", "{\"dataset\": \"" + id + "\", \"select\": [\"line\"]}");
        assertThat(query.status()).as(query.json().toString()).isEqualTo(201);
        Answer inUse = delete(allowing, "/api/datasets/" + id);
        assertThat(inUse.status()).isEqualTo(409);
        assertThat(inUse.message()).contains(query.json().get("id").asText()).contains("cancel it first");
        assertThat(delete(allowing, "/api/queries/" + query.json().get("id").asText())
                        .status())
                .isEqualTo(200);
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> delete(allowing, "/api/datasets/" + id).status() == 200);
        assertThat(get(allowing, "/api/datasets/" + id).path("error").asText()).isEqualTo("not_found");
        assertThat(delete(allowing, "/api/datasets/" + id).status()).isEqualTo(404);
        assertThat(trace(allowing)).isEqualTo(before);
    }

    @Test
    void purgeJob_refusedWhileRunning_thenDeletesEverythingOfIt() throws Exception {
        Answer job = post(
                allowing,
                "/api/jobs",
                "{\"code\": {\"language\": \"js\", \"source\": \"export function compute(i) { return i; }\"},"
                        + " \"partitions\": 3}");
        assertThat(job.status()).isEqualTo(201);
        String id = job.json().get("id").asText();
        Answer running = delete(allowing, "/api/jobs/" + id + "?purge=true");
        assertThat(running.status()).isEqualTo(409);
        assertThat(running.message()).contains("cancel it first");
        assertThat(delete(allowing, "/api/jobs/" + id).status()).isEqualTo(200); // cancel
        Answer purged = delete(allowing, "/api/jobs/" + id + "?purge=true");
        assertThat(purged.status()).as(purged.json().toString()).isEqualTo(200);
        assertThat(purged.json().get("deleted").asBoolean()).isTrue();
        assertThat(get(allowing, "/api/jobs/" + id).path("error").asText()).isEqualTo("not_found");
        assertThat(get(allowing, "/api/jobs/" + id + "/events").path("error").asText())
                .isEqualTo("not_found");
        assertThat(delete(allowing, "/api/jobs/" + id + "?purge=true").status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------------------- file:

    @Test
    void fileUrl_offByDefault_sameErrorForExistingAndMissingFiles() throws Exception {
        Trace before = trace(defaults);
        Path existing = Files.writeString(dir.resolve("passwd"), "root:x:0:0\n");
        Answer present = importUrl(defaults, existing.toUri().toString());
        Answer absent = importUrl(defaults, dir.resolve("no-such-file").toUri().toString());
        assertThat(present.status()).isEqualTo(422);
        assertThat(present.field()).isEqualTo("url");
        assertThat(present.message()).contains("file import is off").contains("--import-dir");
        assertThat(absent.json()).isEqualTo(present.json());
        assertThat(trace(defaults)).as("no dataset row, no blob").isEqualTo(before);
    }

    @Test
    void fileUrl_outsideTheImportDirectory_sameErrorWhetherItExistsOrNot() throws Exception {
        Path existing = Files.writeString(dir.resolve("shadow"), "secret\n");
        String present = importUrl(allowing, existing.toUri().toString()).message();
        String absent =
                importUrl(allowing, dir.resolve("no-such").toUri().toString()).message();
        String missingInside = importUrl(
                        allowing, dir.resolve("import/no-such").toUri().toString())
                .message();
        assertThat(present.replace(existing.toUri().toString(), "URL"))
                .isEqualTo(absent.replace(dir.resolve("no-such").toUri().toString(), "URL"))
                .isEqualTo(missingInside.replace(
                        dir.resolve("import/no-such").toUri().toString(), "URL"))
                .doesNotContain("secret");
    }

    @Test
    void fileUrl_insideTheImportDirectory_isImported() throws Exception {
        Path file = Files.writeString(dir.resolve("import/ok.txt"), "a\nb\n");
        Answer a = importUrl(allowing, file.toUri().toString());
        assertThat(a.status()).as(a.json().toString()).isEqualTo(201);
    }

    // ------------------------------------------------------------------------------- sizes

    @Test
    void upload_overTheLimit_is413NamingIt_withOrWithoutLength() throws Exception {
        Trace before = trace(allowing);
        byte[] big = "y\n".repeat(40_000).getBytes(StandardCharsets.UTF_8);
        Answer declared = upload(allowing, HttpRequest.BodyPublishers.ofByteArray(big));
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.message()).contains("max-upload").contains(String.valueOf(64 << 10));
        Answer chunked =
                upload(allowing, HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)));
        assertThat(chunked.status()).isEqualTo(413);
        assertThat(chunked.message()).contains("max-upload");
        Answer imported = importUrl(allowing, internalUrl("/big.txt"));
        assertThat(imported.status()).isEqualTo(413);
        assertThat(imported.message()).contains("max-upload");
        assertThat(trace(allowing)).as("no dataset row, no blob").isEqualTo(before);
    }
}
