package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.auth.Tokens;
import io.partita.coordinator.http.Access;
import io.partita.protocol.Message;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access control end to end (docs/security.md): a coordinator with authentication on (the default)
 * on a random port, and five callers: anonymous, a submitter of another tenant, a viewer, a
 * submitter and an admin of tenant {@code a}. Every route the coordinator serves has a row in
 * {@link #ROWS}; a route without one fails {@link #everyRoute_hasARow}. A refused request changes
 * nothing in the store.
 */
@org.junit.jupiter.api.Timeout(120)
class AccessControlIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    static Grid grid;
    static URI base;
    static final Map<Actor, Optional<String>> tokens = new EnumMap<>(Actor.class);
    static String workerToken;
    static String jobA;
    static String datasetA;
    static String queryA;
    static String callA;
    static String codeHash;

    /** Who asks. */
    enum Actor {
        ANONYMOUS,
        OTHER_TENANT,
        VIEWER,
        SUBMITTER,
        ADMIN
    }

    /** What an actor should get: 401, 403, 404 (hidden), or anything else (allowed). */
    enum Expect {
        UNAUTHORIZED,
        FORBIDDEN,
        HIDDEN,
        ALLOWED
    }

    static final Expect U = Expect.UNAUTHORIZED, F = Expect.FORBIDDEN, H = Expect.HIDDEN, A = Expect.ALLOWED;

    /** One route: how to ask (a fresh path per actor where the request changes things) and what each gets. */
    record Row(String method, String route, Function<Actor, String> path, String type, String body, Expect... expect) {}

    static Row row(String method, String route, String path, String type, String body, Expect... expect) {
        return new Row(method, route, a -> path, type, body, expect);
    }

    static Row read(String route, Function<Actor, String> path, Expect... expect) {
        return new Row("GET", route, path, null, null, expect);
    }

    static final String JSON_TYPE = "application/json";
    static final String JS = "export function compute(input, ctx) { return 1; }";
    static final Expect[] PUBLIC = {A, A, A, A, A};
    static final Expect[] READ_OWNED = {U, H, A, A, A};
    static final Expect[] READ_LIST = {U, A, A, A, A};
    static final Expect[] CREATE = {U, A, F, A, A};
    static final Expect[] CHANGE_OWNED = {U, H, F, A, A};
    static final Expect[] ADMIN_ONLY = {U, F, F, F, A};

    static List<Row> ROWS;

    @BeforeAll
    static void start() throws Exception {
        grid = new Grid(dir, CoordinatorConfig.builder().heartbeatInterval(Duration.ofMillis(500)));
        base = grid.coordinator.url();
        tokens.put(Actor.ANONYMOUS, Optional.empty());
        tokens.put(Actor.ADMIN, grid.coordinator.adminToken());
        tokens.put(Actor.VIEWER, Optional.of(token("vera", "viewer", "a")));
        tokens.put(Actor.SUBMITTER, Optional.of(token("sam", "submitter", "a")));
        tokens.put(Actor.OTHER_TENANT, Optional.of(token("bob", "submitter", "b")));
        workerToken = token("w1", "worker", "a");
        jobA = newJob();
        codeHash = send(
                        Actor.SUBMITTER,
                        "POST",
                        "/api/code",
                        JSON_TYPE,
                        "{\"source\": " + JSON.writeValueAsString(JS) + "}")
                .json
                .path("hash")
                .asText();
        datasetA = send(Actor.SUBMITTER, "POST", "/api/datasets?name=s&format=csv", "text/csv", "city,n\nx,1\ny,2\n")
                .json
                .path("id")
                .asText();
        queryA = newQuery();
        must(send(Actor.SUBMITTER, "POST", "/api/functions", JSON_TYPE, fn()), 201);
        callA = send(
                        Actor.SUBMITTER,
                        "POST",
                        "/api/calls",
                        JSON_TYPE,
                        "{\"function\": \"a/fn\", \"args\": [1], \"async\": true}")
                .json
                .path("id")
                .asText();
        String job = "/api/jobs/" + jobA;
        ROWS = List.of(
                row("GET", "/", "/", null, null, PUBLIC),
                row("GET", "/dashboard/{file}", "/dashboard/dashboard.js", null, null, PUBLIC),
                row("GET", "/join", "/join", null, null, PUBLIC),
                row("GET", "/join/{id}", "/join/" + jobA, null, null, PUBLIC),
                row("GET", "/volunteer.js", "/volunteer.js", null, null, PUBLIC),
                row("GET", "/sandbox.html", "/sandbox.html", null, null, PUBLIC),
                row("GET", "/volunteer/manifest", "/volunteer/manifest", null, null, PUBLIC),
                row("GET", "/data-engine.js", "/data-engine.js", null, null, PUBLIC),
                row("GET", "/api/qr.png", "/api/qr.png?text=x", null, null, PUBLIC),
                // capability URLs: the token in the path is the credential, the same refusal for all
                row("GET", "/data/{token}/in/{i}", "/data/bogus/in/0", null, null, F, F, F, F, F),
                row(
                        "PUT",
                        "/data/{token}/out/{r}",
                        "/data/bogus/out/0",
                        "application/octet-stream",
                        "x",
                        F,
                        F,
                        F,
                        F,
                        F),
                row("OPTIONS", "/data/{token}/{dir}/{n}", "/data/bogus/in/0", null, null, PUBLIC),
                row("GET", "/api/health", "/api/health", null, null, PUBLIC),
                row("GET", "/api/openapi.json", "/api/openapi.json", null, null, PUBLIC),
                row("GET", "/api/examples", "/api/examples", null, null, PUBLIC),
                row("GET", "/api/code/{hash}", "/api/code/" + codeHash, null, null, PUBLIC),
                // a plain GET of a WebSocket path: 400 (upgrade), but a token that may not connect is refused
                row("GET", "/ws/worker", "/ws/worker", null, null, A, F, F, F, A),
                row("GET", "/ws/client", "/ws/client", null, null, U, A, F, A, A),
                row("POST", "/api/jobs", "/api/jobs", JSON_TYPE, Grid.jsSpec(JS, "\"partitions\": 2"), CREATE),
                read("/api/jobs", a -> "/api/jobs", READ_LIST),
                read("/api/jobs/{id}", a -> job, READ_OWNED),
                new Row("DELETE", "/api/jobs/{id}", a -> "/api/jobs/" + newJob(), null, null, CHANGE_OWNED),
                row(
                        "POST",
                        "/api/jobs/{id}/rerun",
                        job + "/rerun",
                        JSON_TYPE,
                        "{\"params\": {\"x\": 1}}",
                        CHANGE_OWNED),
                read("/api/jobs/{id}/result", a -> job + "/result", READ_OWNED),
                read("/api/jobs/{id}/result.png", a -> job + "/result.png", READ_OWNED),
                read("/api/jobs/{id}/events", a -> job + "/events", READ_OWNED),
                read("/api/jobs/{id}/map", a -> job + "/map", READ_OWNED),
                read("/api/jobs/{id}/stream", a -> job + "/stream", READ_OWNED),
                read("/api/stream", a -> "/api/stream", READ_LIST),
                row(
                        "POST",
                        "/api/code",
                        "/api/code",
                        JSON_TYPE,
                        "{\"source\": " + JSON.writeValueAsString(JS) + "}",
                        CREATE),
                read("/api/workers", a -> "/api/workers", READ_LIST),
                read("/api/volunteers", a -> "/api/volunteers", PUBLIC),
                read("/api/volunteers/{id}", a -> "/api/volunteers/nobody", H, H, H, H, H),
                row(
                        "POST",
                        "/api/volunteers/me",
                        "/api/volunteers/me",
                        JSON_TYPE,
                        "{\"key\": \"a-volunteer-key-0123\"}",
                        PUBLIC),
                read("/metrics", a -> "/metrics", READ_LIST),
                row(
                        "POST",
                        "/api/calls",
                        "/api/calls",
                        JSON_TYPE,
                        "{\"function\": \"a/fn\", \"args\": [2], \"async\": true}",
                        U,
                        H,
                        F,
                        A,
                        A),
                read("/api/calls/{id}", a -> "/api/calls/" + callA, READ_OWNED),
                new Row("DELETE", "/api/calls/{id}", a -> "/api/calls/" + newCall(), null, null, CHANGE_OWNED),
                read("/api/cache/stats", a -> "/api/cache/stats", READ_LIST),
                row("DELETE", "/api/cache", "/api/cache?function=a/fn", null, null, ADMIN_ONLY),
                // another tenant may not take over a/fn: 409 name_taken, checked below
                row("POST", "/api/functions", "/api/functions", JSON_TYPE, fn(), U, A, F, A, A),
                read("/api/functions", a -> "/api/functions", READ_LIST),
                row("POST", "/api/datasets", "/api/datasets?name=t&format=csv", "text/csv", "c\n1\n", CREATE),
                read("/api/datasets", a -> "/api/datasets", READ_LIST),
                read("/api/datasets/{id}", a -> "/api/datasets/" + datasetA, READ_OWNED),
                new Row("DELETE", "/api/datasets/{id}", a -> "/api/datasets/" + newDataset(), null, null, CHANGE_OWNED),
                row("POST", "/api/queries", "/api/queries", JSON_TYPE, querySpec(), U, H, F, A, A),
                read("/api/queries", a -> "/api/queries", READ_LIST),
                read("/api/queries/{id}", a -> "/api/queries/" + queryA, READ_OWNED),
                new Row("DELETE", "/api/queries/{id}", a -> "/api/queries/" + newQuery(), null, null, CHANGE_OWNED),
                read("/api/queries/{id}/output", a -> "/api/queries/" + queryA + "/output", READ_OWNED),
                row("POST", "/api/mapreduce", "/api/mapreduce", JSON_TYPE, mapReduceSpec(), U, H, F, A, A),
                read("/api/mapreduce", a -> "/api/mapreduce", READ_LIST),
                read("/api/mapreduce/{id}", a -> "/api/mapreduce/mr-none", U, H, H, H, H),
                new Row("DELETE", "/api/mapreduce/{id}", a -> "/api/mapreduce/mr-none", null, null, U, H, F, H, H),
                read("/api/mapreduce/{id}/output", a -> "/api/mapreduce/mr-none/output", U, H, H, H, H),
                read("/api/tokens", a -> "/api/tokens", ADMIN_ONLY),
                row(
                        "POST",
                        "/api/tokens",
                        "/api/tokens",
                        JSON_TYPE,
                        "{\"user\": \"x\", \"role\": \"viewer\"}",
                        ADMIN_ONLY),
                new Row(
                        "DELETE",
                        "/api/tokens/{id}",
                        a -> "/api/tokens/" + tokenId(token("t", "viewer", "a")),
                        null,
                        null,
                        ADMIN_ONLY),
                read("/api/audit", a -> "/api/audit", ADMIN_ONLY),
                read("/api/me", a -> "/api/me", READ_LIST));
    }

    @AfterAll
    static void stop() throws Exception {
        grid.close();
    }

    static String fn() {
        return "{\"name\": \"a/fn\", \"code\": \"export function call(args, ctx) { return args[0]; }\"}";
    }

    static String querySpec() {
        return "{\"dataset\": \"" + datasetA + "\", \"groupBy\": [\"city\"], \"aggregates\": [{\"fn\": \"count\"}]}";
    }

    static String mapReduceSpec() throws Exception {
        return "{\"dataset\": \"" + datasetA + "\", \"code\": "
                + JSON.writeValueAsString("export function map(line, emit) { emit(line, 1); }\n"
                        + "export function reduce(key, values) { return values.length; }")
                + "}";
    }

    static String newJob() {
        try {
            Reply r = send(Actor.SUBMITTER, "POST", "/api/jobs", JSON_TYPE, Grid.jsSpec(JS, "\"partitions\": 2"));
            must(r, 201);
            return r.json.path("id").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String newCall() {
        Reply r = send(
                Actor.SUBMITTER,
                "POST",
                "/api/calls",
                JSON_TYPE,
                "{\"function\": \"a/fn\", \"args\": [" + System.nanoTime() + "], \"async\": true}");
        must(r, 202);
        return r.json.path("id").asText();
    }

    static String newDataset() {
        Reply r = send(Actor.SUBMITTER, "POST", "/api/datasets?name=d&format=csv", "text/csv", "city,n\nx,1\n");
        must(r, 201);
        return r.json.path("id").asText();
    }

    static String newQuery() {
        Reply r = send(Actor.SUBMITTER, "POST", "/api/queries", JSON_TYPE, querySpec());
        must(r, 201);
        return r.json.path("id").asText();
    }

    static String token(String user, String role, String tenant) {
        Reply r = send(
                Actor.ADMIN,
                "POST",
                "/api/tokens",
                JSON_TYPE,
                "{\"user\": \"" + user + "\", \"role\": \"" + role + "\", \"tenant\": \"" + tenant + "\"}");
        must(r, 201);
        return r.json.path("token").asText();
    }

    static String tokenId(String text) {
        return "tok-" + Tokens.hash(text).substring(0, 16);
    }

    record Reply(int status, JsonNode json, String body) {}

    static Reply must(Reply r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        return r;
    }

    static Reply send(Actor actor, String method, String path, String type, String body) {
        return send(tokens.get(actor), method, path, type, body, Map.of());
    }

    static Reply send(
            Optional<String> token, String method, String path, String type, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        if (type != null) {
            b.header("Content-Type", type);
        }
        headers.forEach(b::header);
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<InputStream> res = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            String text;
            if (res.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
                res.body().close(); // a stream: its status is the answer
                text = "";
            } else {
                try (InputStream in = res.body()) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            JsonNode json;
            try {
                json = JSON.readTree(text);
            } catch (Exception e) {
                json = JSON.createObjectNode();
            }
            return new Reply(res.statusCode(), json == null ? JSON.createObjectNode() : json, text);
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + ": " + e, e);
        }
    }

    /** What the store holds, as an admin sees it: changes when a refused request changed anything. */
    static String state() {
        StringBuilder s = new StringBuilder();
        for (String path : List.of(
                "/api/jobs?limit=500",
                "/api/datasets",
                "/api/functions",
                "/api/tokens",
                "/api/queries",
                "/api/mapreduce")) {
            JsonNode items = send(Actor.ADMIN, "GET", path, null, null).json.path("items");
            List<String> ids = new ArrayList<>();
            for (JsonNode item : items) {
                ids.add(item.path("id").asText(item.path("name").asText()) + ":"
                        + item.path("status").asText() + item.path("revokedAt").asText());
            }
            s.append(path).append(' ').append(new TreeSet<>(ids)).append('\n');
        }
        return s.toString();
    }

    @Test
    void everyRoute_hasARow() {
        Set<String> served = new TreeSet<>();
        for (String route : grid.coordinator.routes()) {
            if (!route.startsWith("HEAD ") && !route.startsWith("ANY ")) {
                served.add(route);
            }
        }
        Set<String> tested = new TreeSet<>();
        for (Row r : ROWS) {
            tested.add(r.method() + " " + r.route());
        }
        assertThat(tested).isEqualTo(served);
        Set<String> ruled = new TreeSet<>();
        for (Access.Rule r : Access.RULES) {
            ruled.add(r.method() + " " + r.path());
        }
        assertThat(ruled).isEqualTo(served);
    }

    @Test
    void everyRoute_givesEachRoleExactlyWhatItAllows_andARefusalChangesNothing() {
        List<String> wrong = new ArrayList<>();
        for (Row row : ROWS) {
            for (Actor actor : Actor.values()) {
                Expect expect = row.expect()[actor.ordinal()];
                String path = row.path().apply(actor);
                String before = expect == Expect.ALLOWED ? "" : state();
                Reply r = send(actor, row.method(), path, row.type(), row.body());
                Expect got = switch (r.status()) {
                    case 401 -> Expect.UNAUTHORIZED;
                    case 403 -> Expect.FORBIDDEN;
                    case 404 -> Expect.HIDDEN;
                    default -> Expect.ALLOWED;
                };
                if (got != expect || r.status() >= 500) {
                    wrong.add(row.method() + " " + path + " as " + actor + ": expected " + expect + ", got "
                            + r.status() + " "
                            + r.body().substring(0, Math.min(200, r.body().length())));
                    continue;
                }
                if ((got == Expect.UNAUTHORIZED || got == Expect.FORBIDDEN)
                        && !row.route().startsWith("/data/")) {
                    if (!r.json().path("error").isTextual()) {
                        wrong.add(row.method() + " " + path + " as " + actor + ": refusal is not JSON: " + r.body());
                    }
                }
                if (expect != Expect.ALLOWED) {
                    String after = state();
                    if (!after.equals(before)) {
                        wrong.add(row.method() + " " + path + " as " + actor + " was refused but changed the store:\n"
                                + before + "->\n" + after);
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void lists_showOnlyTheTenantsOwnThings() {
        assertThat(send(Actor.OTHER_TENANT, "GET", "/api/jobs", null, null).body())
                .doesNotContain(jobA);
        assertThat(send(Actor.VIEWER, "GET", "/api/jobs", null, null).body()).contains(jobA);
        assertThat(send(Actor.OTHER_TENANT, "GET", "/api/datasets", null, null).body())
                .doesNotContain(datasetA);
        assertThat(send(Actor.OTHER_TENANT, "GET", "/api/queries", null, null).body())
                .doesNotContain(queryA);
        assertThat(send(Actor.OTHER_TENANT, "GET", "/api/functions", null, null).body())
                .doesNotContain("a/fn");
        assertThat(send(Actor.SUBMITTER, "GET", "/api/functions", null, null).body())
                .contains("a/fn");
        assertThat(send(Actor.ADMIN, "GET", "/api/jobs?limit=500", null, null).body())
                .contains(jobA);
        Reply taken = send(Actor.OTHER_TENANT, "POST", "/api/functions", JSON_TYPE, fn());
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().path("error").asText()).isEqualTo("name_taken");
    }

    @Test
    void me_saysWhoTheCallerIs() {
        JsonNode me = send(Actor.VIEWER, "GET", "/api/me", null, null).json();
        assertThat(me.path("user").asText()).isEqualTo("vera");
        assertThat(me.path("role").asText()).isEqualTo("viewer");
        assertThat(me.path("tenant").asText()).isEqualTo("a");
    }

    @Test
    void serverOwnedFields_cannotBeSetByClients() throws Exception {
        Reply r = send(
                Actor.SUBMITTER,
                "POST",
                "/api/jobs",
                JSON_TYPE,
                Grid.jsSpec(JS, "\"partitions\": 2, \"rerunOf\": \"" + jobA + "\""));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("field").asText()).isEqualTo("rerunOf");
        r = send(
                Actor.SUBMITTER,
                "POST",
                "/api/jobs",
                JSON_TYPE,
                Grid.jsSpec(JS, "\"partitions\": 2, \"owner\": \"admin\""));
        assertThat(r.status()).isEqualTo(422);
    }

    @Test
    void errors_areJsonInTheUsualShape() {
        Reply r = send(Actor.ANONYMOUS, "GET", "/api/jobs", null, null);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().path("error").asText()).isEqualTo("unauthorized");
        assertThat(r.json().has("message")).isTrue();
        assertThat(r.json().has("field")).isTrue();
        r = send(Optional.of("pt_not-a-token"), "GET", "/api/health", null, null, Map.of());
        assertThat(r.status())
                .as("a bad token is refused even where none is needed")
                .isEqualTo(401);
        r = send(Actor.VIEWER, "POST", "/api/jobs", JSON_TYPE, "{}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().path("error").asText()).isEqualTo("forbidden");
        assertThat(send(Actor.ADMIN, "GET", "/api/openapi.json", null, null).body())
                .contains("bearerAuth");
    }

    @Test
    void tokens_areStoredHashed() throws Exception {
        String text = token("hashme", "viewer", "a");
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/partita.db"));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select id, hash, user_name, role, tenant from api_tokens")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + " "
                        + rs.getString(5));
            }
        }
        assertThat(String.join("\n", rows)).doesNotContain(text).contains(Tokens.hash(text));
        assertThat(String.join("\n", rows))
                .doesNotContain(grid.coordinator.adminToken().orElseThrow());
    }

    @Test
    void adminTokenFile_isReadableByItsOwnerOnly() throws Exception {
        Path file = grid.coordinator.adminTokenFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(file).strip())
                .isEqualTo(grid.coordinator.adminToken().orElseThrow());
    }

    @Test
    void revokedAndExpiredTokens_stopWorking() throws Exception {
        String text = token("rev", "viewer", "a");
        must(send(Optional.of(text), "GET", "/api/jobs", null, null, Map.of()), 200);
        must(send(Actor.ADMIN, "DELETE", "/api/tokens/" + tokenId(text), null, null), 200);
        must(send(Optional.of(text), "GET", "/api/jobs", null, null, Map.of()), 401);
        Reply expiring = send(
                Actor.ADMIN,
                "POST",
                "/api/tokens",
                JSON_TYPE,
                "{\"user\": \"e\", \"role\": \"viewer\", \"expires\": \"1s\"}");
        must(expiring, 201);
        assertThat(expiring.json().path("expiresAt").isTextual()).isTrue();
        String e = expiring.json().path("token").asText();
        must(send(Optional.of(e), "GET", "/api/jobs", null, null, Map.of()), 200);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> send(Optional.of(e), "GET", "/api/jobs", null, null, Map.of())
                                .status()
                        == 401);
        JsonNode audit = send(Actor.ADMIN, "GET", "/api/audit", null, null).json();
        assertThat(audit.toString())
                .contains("token.revoke")
                .contains("auth.refused")
                .contains("token.create");
    }

    @Test
    void workerAddresses_areForAdminsOnly() throws Exception {
        try (RawWorker w = new RawWorker(base)) {
            w.send(RawWorker.hello(List.of()));
            w.await(Message.Welcome.class);
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> send(Actor.ADMIN, "GET", "/api/workers", null, null)
                                    .json
                                    .path("total")
                                    .asInt()
                            > 0);
            assertThat(send(Actor.ADMIN, "GET", "/api/workers", null, null).body())
                    .contains("\"remote\"");
            assertThat(send(Actor.VIEWER, "GET", "/api/workers", null, null).body())
                    .doesNotContain("\"remote\"");
        }
    }

    @Test
    void metrics_needAToken_unlessASeparateAddressIsGiven() throws Exception {
        must(send(Actor.ANONYMOUS, "GET", "/metrics", null, null), 401);
        assertThat(send(Actor.VIEWER, "GET", "/metrics", null, null).body()).contains("partita_workers");
        try (Grid separate = new Grid(
                dir.resolve("metrics"),
                CoordinatorConfig.builder().metricsHost("127.0.0.1").metricsPort(0))) {
            int port = separate.coordinator.metricsPort().orElseThrow();
            HttpResponse<String> scraped = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(scraped.body()).contains("partita_workers");
            HttpResponse<String> api = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(api.statusCode()).as("only /metrics on that listener").isEqualTo(404);
            HttpResponse<String> main = http.send(
                    HttpRequest.newBuilder(separate.coordinator.url().resolve("/metrics"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(main.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void quotas_eachBreach_is422Or429NamingTheQuotaLimitAndUse() throws Exception {
        String[][] breaches = {
            {"\"options\": {\"priority\": 1000}", "options.priority", "limit 100, asked 1000"},
            {"\"options\": {\"taskTimeout\": \"PT24H\"}", "options.taskTimeout", "limit PT1H, asked PT24H"},
            {"\"options\": {\"maxAttempts\": 100}", "options.maxAttempts", "limit 10, asked 100"}
        };
        for (String[] b : breaches) {
            String spec = Grid.jsSpec(JS, "\"partitions\": 2, " + b[0]);
            Reply r = send(Actor.SUBMITTER, "POST", "/api/jobs", JSON_TYPE, spec);
            assertThat(r.status()).as(b[0]).isEqualTo(422);
            assertThat(r.json().path("error").asText()).isEqualTo("quota_exceeded");
            assertThat(r.json().path("field").asText()).isEqualTo(b[1]);
            assertThat(r.json().path("message").asText()).contains(b[2]);
            assertThat(send(Actor.ADMIN, "POST", "/api/jobs", JSON_TYPE, spec).status())
                    .as("admins are not limited")
                    .isEqualTo(201);
        }
        Optional<String> q = Optional.of(token("quinn", "submitter", "q"));
        String spec = Grid.jsSpec(JS, "\"partitions\": 2");
        int made = 0;
        Reply r;
        while ((r = send(q, "POST", "/api/jobs", JSON_TYPE, spec, Map.of())).status() == 201 && made < 1000) {
            made++;
        }
        assertThat(made).isEqualTo(100);
        assertThat(r.status()).as("a use that frees as jobs end: 429").isEqualTo(429);
        assertThat(r.json().path("message").asText())
                .contains("live-jobs")
                .contains("limit 100")
                .contains("in use 100");
    }

    // ------------------------------------------------------------------------ attackers

    @Test
    void noCorsSimpleRequests_fromAnotherSite_changeNothing() throws Exception {
        String before = state();
        String spec = Grid.jsSpec(JS, "\"partitions\": 2");
        // what a page can send without a preflight: text/plain, a form, or no type at all
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}) {
            assertThat(send(Actor.ANONYMOUS, "POST", "/api/jobs", type, spec).status())
                    .isEqualTo(401);
            Reply withToken = send(Actor.SUBMITTER, "POST", "/api/jobs", type, spec);
            assertThat(withToken.status()).as(type).isEqualTo(415);
            assertThat(withToken.json().path("error").asText()).isEqualTo("unsupported_media_type");
            assertThat(send(Actor.SUBMITTER, "POST", "/api/functions", type, fn())
                            .status())
                    .isEqualTo(415);
            assertThat(send(Actor.SUBMITTER, "POST", "/api/datasets?format=csv", type, "a\n1\n")
                            .status())
                    .isEqualTo(415);
        }
        Reply noType = send(Actor.SUBMITTER, "POST", "/api/jobs", null, spec);
        assertThat(noType.status()).isEqualTo(415);
        Reply evil = send(
                tokens.get(Actor.SUBMITTER),
                "POST",
                "/api/jobs",
                JSON_TYPE,
                spec,
                Map.of("Origin", "http://evil.example"));
        assertThat(evil.status()).isEqualTo(403);
        assertThat(evil.json().path("error").asText()).isEqualTo("origin_not_allowed");
        assertThat(send(
                                tokens.get(Actor.SUBMITTER),
                                "DELETE",
                                "/api/jobs/" + jobA,
                                null,
                                null,
                                Map.of("Origin", "http://evil.example"))
                        .status())
                .isEqualTo(403);
        assertThat(state()).isEqualTo(before);
        // the dashboard's own origin may
        Reply same = send(
                tokens.get(Actor.SUBMITTER),
                "POST",
                "/api/jobs",
                JSON_TYPE,
                spec,
                Map.of("Origin", "http://" + base.getRawAuthority()));
        assertThat(same.status()).isEqualTo(201);
    }

    @Test
    void rawHttp_withoutToken_cannotCancelOrSubmit() throws Exception {
        String before = state();
        for (String request : new String[] {
            "DELETE /api/jobs/" + jobA + " HTTP/1.1\r\nHost: " + base.getRawAuthority()
                    + "\r\nConnection: close\r\n\r\n",
            "POST /api/jobs HTTP/1.1\r\nHost: " + base.getRawAuthority()
                    + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            "GET /api/jobs HTTP/1.1\r\nHost: " + base.getRawAuthority()
                    + "\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\nConnection: close\r\n\r\n",
            "GET /api/jobs/" + jobA + "/events?access_token=pt_guess HTTP/1.1\r\nHost: " + base.getRawAuthority()
                    + "\r\nConnection: close\r\n\r\n"
        }) {
            String answer = rawExchange(request);
            assertThat(answer).as(request).startsWith("HTTP/1.1 401").contains("\"error\":\"unauthorized\"");
        }
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void securityHeaders_onPages_butJoinAndVolunteerStayEmbeddable() throws Exception {
        HttpResponse<String> dash =
                http.send(HttpRequest.newBuilder(base.resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(dash.headers().firstValue("Content-Security-Policy"))
                .get()
                .asString()
                .contains("frame-ancestors 'none'");
        assertThat(dash.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(dash.headers().firstValue("Referrer-Policy")).isPresent();
        for (String page : new String[] {"/join", "/volunteer.js"}) {
            HttpResponse<String> r =
                    http.send(HttpRequest.newBuilder(base.resolve(page)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Frame-Options")).as(page).isEmpty();
            assertThat(r.headers().firstValue("Content-Security-Policy"))
                    .as(page)
                    .isEmpty();
        }
    }

    // ------------------------------------------------------------------------ WebSockets

    @Test
    void workerSocket_takesAnonymousAndWorkerTokens_refusesBadOnes() throws Exception {
        try (RawWorker anonymous = new RawWorker(base)) {
            anonymous.send(RawWorker.hello(List.of()));
            anonymous.await(Message.Welcome.class);
        }
        try (RawWorker trusted = new RawWorker(base, Map.of("Authorization", "Bearer " + workerToken))) {
            trusted.send(RawWorker.hello(List.of()));
            trusted.await(Message.Welcome.class);
        }
        assertThat(upgradeStatus("/ws/worker", Map.of("Authorization", "Bearer pt_wrong")))
                .isEqualTo(401);
        assertThat(upgradeStatus(
                        "/ws/worker",
                        Map.of(
                                "Authorization",
                                "Bearer " + tokens.get(Actor.VIEWER).orElseThrow())))
                .isEqualTo(403);
    }

    @Test
    void clientSocket_needsASubmitter_andSeesOnlyItsTenantsFunctions() throws Exception {
        assertThat(upgradeStatus("/ws/client", Map.of())).isEqualTo(401);
        assertThat(upgradeStatus("/ws/client", Map.of("Authorization", "Bearer pt_wrong")))
                .isEqualTo(401);
        assertThat(upgradeStatus(
                        "/ws/client",
                        Map.of(
                                "Authorization",
                                "Bearer " + tokens.get(Actor.VIEWER).orElseThrow())))
                .isEqualTo(403);
        String call = "{\"id\":1,\"function\":\"a/fn\",\"args\":[5]}";
        String other = clientExchange(tokens.get(Actor.OTHER_TENANT).orElseThrow(), call, false);
        assertThat(other).contains("no function named 'a/fn'");
        // a browser cannot set headers on a WebSocket: the token may come as ?access_token=
        String own = clientExchange(tokens.get(Actor.SUBMITTER).orElseThrow(), call, true);
        assertThat(own).doesNotContain("no function named");
    }

    /** Sends {@code request} on a raw socket; the answer's head and body (by its Content-Length). */
    static String rawExchange(String request) throws Exception {
        try (java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return got.toString(StandardCharsets.UTF_8);
                }
                got.write(b);
                String text = got.toString(StandardCharsets.UTF_8);
                int end = text.indexOf("\r\n\r\n");
                if (end >= 0) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                            .matcher(text);
                    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
                    return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
                }
            }
        }
    }

    @Test
    void partitaClient_presentsItsToken() throws Exception {
        try (io.partita.client.PartitaClient anonymous = io.partita.client.PartitaClient.builder(base)
                        .timeout(Duration.ofSeconds(10))
                        .build();
                io.partita.client.PartitaClient other = io.partita.client.PartitaClient.builder(base)
                        .token(tokens.get(Actor.OTHER_TENANT).orElseThrow())
                        .timeout(Duration.ofSeconds(10))
                        .build()) {
            assertThat(catchCall(() -> anonymous.call("a/fn", 1)))
                    .contains("refused the WebSocket upgrade: HTTP/1.1 401");
            assertThat(catchCall(() -> other.call("a/fn", 1))).contains("no function named 'a/fn'");
        }
    }

    static String catchCall(java.util.concurrent.Callable<CompletableFuture<JsonNode>> call) {
        try {
            return String.valueOf(call.call().get(15, TimeUnit.SECONDS));
        } catch (Exception e) {
            return String.valueOf(e);
        }
    }

    /** The HTTP status of a refused WebSocket upgrade, through a raw socket. */
    static int upgradeStatus(String path, Map<String, String> headers) throws Exception {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + base.getRawAuthority()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("\r\n");
        try (java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            int n = s.getInputStream().readNBytes(head, 0, 12);
            String line = new String(head, 0, n, StandardCharsets.US_ASCII);
            return Integer.parseInt(line.substring(9, 12));
        }
    }

    /** Sends one call frame on /ws/client and returns the first answer frame. */
    static String clientExchange(String token, String frame, boolean inQuery) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        URI uri =
                URI.create("ws://" + base.getRawAuthority() + "/ws/client" + (inQuery ? "?access_token=" + token : ""));
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
        if (!inQuery) {
            b.header("Authorization", "Bearer " + token);
        }
        WebSocket ws;
        try {
            ws = b.buildAsync(uri, new WebSocket.Listener() {
                        final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                answer.complete(text.toString());
                            }
                            w.request(1);
                            return null;
                        }
                    })
                    .join();
        } catch (CompletionException e) {
            throw new AssertionError("upgrade refused: " + e.getCause(), e);
        }
        ws.sendText(frame, true).join();
        try {
            return answer.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return ""; // no answer yet: the call runs (no workers here)
        } finally {
            ws.abort();
        }
    }
}
