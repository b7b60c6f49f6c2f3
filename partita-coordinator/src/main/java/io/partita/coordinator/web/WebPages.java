package io.partita.coordinator.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.http.HttpSupport;
import io.partita.coordinator.http.PngRenderer;
import io.partita.coordinator.http.Routes;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What browsers load: {@code /volunteer.js} (the script tag that turns a page's visitors into
 * workers), {@code /sandbox.html} (the opaque-origin iframe in which volunteer.js runs job code),
 * {@code /volunteer/manifest} (what a volunteer's browser runs, as JSON or HTML), the join pages
 * {@code /join} and {@code /join/{jobId}}, and QR codes of URLs. The files
 * are resources under {@code io/partita/coordinator/web}; with the environment variable {@code
 * PARTITA_WEB_DIR} set they are read from that directory at each request instead (for working on
 * them without rebuilding).
 */
public final class WebPages {
    static final int MAX_QR_TEXT = 1000;
    private static final String RESOURCES = "/io/partita/coordinator/web/";
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The longest a task runs in a volunteer's browser, whatever its job's time-out: 60 s. */
    public static final Duration DEFAULT_BROWSER_TASK_LIMIT = Duration.ofSeconds(60);

    /**
     * The policy of {@code /sandbox.html}. {@code sandbox allow-scripts} gives the document an opaque
     * origin even when a page frames it without the attribute (no cookies, storage or IndexedDB of
     * anyone); scripts only from the coordinator, and job modules and Web Workers from the
     * sandbox's own Blob URLs (which job code inherits: it can reach the coordinator over HTTP and
     * nothing else, no WebSocket, no third origin).
     */
    static final String SANDBOX_POLICY = "sandbox allow-scripts; default-src 'none'; "
            + "script-src 'self' blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'";

    private static final int MANIFEST_JOBS = 100;

    private final Store store;
    private final Duration browserTaskLimit;
    private final Optional<Path> devDir;
    private final Map<String, byte[]> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile Optional<java.net.URI> publicUrl = Optional.empty();

    /** The meta tag of the pages that build links for other devices (join page, dashboard). */
    static final String PUBLIC_URL_META = "<meta name=\"partita-public-url\" content=\"\">";

    /** The pages, scripts and images of the web UI, with the default browser task limit. */
    public WebPages(Store store) {
        this(store, DEFAULT_BROWSER_TASK_LIMIT);
    }

    /**
     * The pages, scripts and images of the web UI.
     *
     * @param browserTaskLimit the longest a task may run in a volunteer's browser (its Web Worker is
     *     ended then), at least one second
     */
    public WebPages(Store store, Duration browserTaskLimit) {
        if (browserTaskLimit.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("browserTaskLimit must be at least 1 s, was " + browserTaskLimit);
        }
        this.store = store;
        this.browserTaskLimit = browserTaskLimit;
        String dir = System.getenv("PARTITA_WEB_DIR");
        this.devDir = dir == null || dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir));
    }

    /**
     * Sets the coordinator's public URL ({@code --public-url}): the join page, its QR code and the
     * dashboard's join links use it instead of the address the browser used. Returns this.
     */
    public WebPages publicUrl(Optional<java.net.URI> value) {
        this.publicUrl = java.util.Objects.requireNonNull(value, "value");
        return this;
    }

    /** Adds the page routes to {@code routing}. */
    public void routing(HttpRouting.Builder routing) {
        Routes.on(routing)
                .get("/volunteer.js", (req, res) -> {
                    // Embedded on other sites: any origin may load it (and the worker code it starts).
                    HttpSupport.allowAnyOrigin(res);
                    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
                    send(res, "text/javascript; charset=utf-8", file("volunteer.js"));
                })
                .get("/sandbox.html", this::sandbox)
                .get("/volunteer/manifest", this::manifest)
                .get(
                        "/",
                        (req, res) ->
                                send(res, "text/html; charset=utf-8", withPublicUrl(file("dashboard/index.html"))))
                .get("/dashboard/{file}", this::dashboardFile)
                .get("/join", (req, res) -> send(res, "text/html; charset=utf-8", withPublicUrl(file("join.html"))))
                .get("/join/{id}", this::joinJob)
                .get("/api/qr.png", this::qr);
    }

    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_-]+\\.(html|js|css|svg|png)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png");

    /** The dashboard's static files ({@code /dashboard/app.js}, ...). */
    private void dashboardFile(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("file");
        var m = FILE.matcher(name);
        byte[] body = m.matches() ? fileIfExists("dashboard/" + name) : null;
        if (body == null) {
            throw PartitaException.notFound("no dashboard file '" + name + "'");
        }
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        send(res, TYPES.get(m.group(1)), body);
    }

    /** The sandbox document: volunteer.js in sandbox mode, under {@link #SANDBOX_POLICY}. */
    private void sandbox(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.create("Content-Security-Policy"), SANDBOX_POLICY);
        res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        String page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Partita sandbox</title>"
                + "<script src=\"/volunteer.js\" data-sandbox data-max-task-millis=\""
                + browserTaskLimit.toMillis() + "\"></script></head><body></body></html>";
        send(res, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code GET /volunteer/manifest}: what a volunteer's browser may run here: the coordinator,
     * the unfinished jobs (id, name, function, code hash), the CPU share the embedding page asked
     * for ({@code ?cpu=}) and the browser's task limit. JSON, or HTML with {@code ?format=html} or a
     * request that accepts HTML first. Not signed: the coordinator's TLS is what vouches for it.
     */
    private void manifest(ServerRequest req, ServerResponse res) {
        HttpSupport.allowAnyOrigin(res);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        double cpu = 0.5;
        if (req.query().contains("cpu")) {
            try {
                cpu = Double.parseDouble(req.query().get("cpu"));
            } catch (NumberFormatException e) {
                cpu = Double.NaN;
            }
            if (!(cpu > 0 && cpu <= 1)) {
                throw PartitaException.invalidQuery("cpu", "cpu must be a number with 0 < cpu <= 1");
            }
        }
        String host = req.headers().first(HeaderNames.HOST).orElse("localhost");
        String coordinator =
                publicUrl.map(java.net.URI::toString).orElse((req.isSecure() ? "https://" : "http://") + host);
        ObjectNode out = mapper.createObjectNode();
        out.put("coordinator", coordinator);
        out.put("cpuShare", cpu);
        out.put("browserTaskLimitMillis", browserTaskLimit.toMillis());
        out.put(
                "isolation",
                "job code runs in Web Workers of an opaque-origin iframe of the coordinator,"
                        + " one per job; it can reach the coordinator and nothing else");
        out.put("signed", false);
        ArrayNode jobs = out.putArray("jobs");
        List<StoredJob> unfinished = store.unfinishedJobs();
        for (StoredJob job : unfinished.subList(0, Math.min(MANIFEST_JOBS, unfinished.size()))) {
            ObjectNode j = jobs.addObject();
            j.put("id", job.id());
            j.put("name", job.name());
            j.put("function", job.function());
            j.put("status", job.status().name().toLowerCase(java.util.Locale.ROOT));
            try {
                JsonNode code = mapper.readTree(job.spec()).path("code");
                if (code.path("hash").isTextual()) {
                    j.put("code", coordinator + "/api/code/" + code.get("hash").asText());
                }
            } catch (IOException e) {
                // a spec that does not parse names no code
            }
        }
        out.put("moreJobs", Math.max(0, unfinished.size() - MANIFEST_JOBS));
        String format = req.query().contains("format") ? req.query().get("format") : "";
        String accept = req.headers().first(HeaderNames.ACCEPT).orElse("");
        if (format.equals("html") || (format.isEmpty() && accept.startsWith("text/html"))) {
            send(res, "text/html; charset=utf-8", manifestHtml(out).getBytes(StandardCharsets.UTF_8));
        } else {
            send(res, "application/json", out.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String manifestHtml(ObjectNode m) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>What runs on my machine</title><style>body{font:16px/1.5 system-ui,sans-serif;")
                .append("max-width:760px;margin:24px auto;padding:0 16px}td,th{text-align:left;padding:4px 8px;")
                .append("border-bottom:1px solid #ddd}code{word-break:break-all}</style></head><body>")
                .append("<h1>What runs on my machine</h1><p>This browser computes for the Partita coordinator <code>")
                .append(escape(m.get("coordinator").asText()))
                .append("</code>, using at most ")
                .append(Math.round(m.get("cpuShare").asDouble() * 100))
                .append("% of each of its Web Workers' time, and no task longer than ")
                .append(m.get("browserTaskLimitMillis").asLong() / 1000)
                .append(" s. ")
                .append(escape(m.get("isolation").asText()))
                .append(". It stops when you close the page, press Stop, or pause it.</p>")
                .append("<h2>Jobs</h2><table><tr><th>Job</th><th>Name</th><th>Function</th><th>Status</th>")
                .append("<th>Code</th></tr>");
        for (JsonNode j : m.get("jobs")) {
            b.append("<tr><td><code>")
                    .append(escape(j.get("id").asText()))
                    .append("</code></td><td>")
                    .append(escape(j.get("name").asText()))
                    .append("</td><td>")
                    .append(escape(j.get("function").asText()))
                    .append("</td><td>")
                    .append(escape(j.get("status").asText()))
                    .append("</td><td>");
            if (j.has("code")) {
                b.append("<a href=\"").append(escape(j.get("code").asText())).append("\">source</a>");
            }
            b.append("</td></tr>");
        }
        b.append("</table>");
        if (m.get("moreJobs").asLong() > 0) {
            b.append("<p>and ").append(m.get("moreJobs").asLong()).append(" more.</p>");
        }
        return b.append("</body></html>").toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private void joinJob(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!JOB_ID.matcher(id).matches() || store.job(id).isEmpty()) {
            res.status(Status.NOT_FOUND_404);
            send(
                    res,
                    "text/html; charset=utf-8",
                    ("<!doctype html><title>No such job</title>"
                                    + "<p>There is no job with this id. <a href=\"/join\">Help whichever job needs it</a>.")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        send(res, "text/html; charset=utf-8", withPublicUrl(file("join.html")));
    }

    /** The page with its public-URL meta tag filled in, when a public URL is set. */
    private byte[] withPublicUrl(byte[] page) {
        Optional<java.net.URI> url = publicUrl;
        if (url.isEmpty()) {
            return page;
        }
        String html = new String(page, StandardCharsets.UTF_8);
        return html.replace(
                        PUBLIC_URL_META,
                        "<meta name=\"partita-public-url\" content=\""
                                + escape(url.get().toString()) + "\">")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** {@code GET /api/qr.png?text=...}: a QR code of the text (at most 1000 characters), as PNG. */
    private void qr(ServerRequest req, ServerResponse res) {
        if (!req.query().contains("text") || req.query().get("text").isEmpty()) {
            throw PartitaException.invalidQuery("text", "text is required");
        }
        String text = req.query().get("text");
        if (text.length() > MAX_QR_TEXT) {
            throw PartitaException.invalidQuery(
                    "text", "text must be at most " + MAX_QR_TEXT + " characters, was " + text.length());
        }
        res.header(HeaderNames.CACHE_CONTROL, "max-age=86400");
        byte[] png;
        try {
            png = PngRenderer.qrCode(text, 8);
        } catch (IllegalArgumentException e) {
            throw PartitaException.invalidQuery("text", "cannot be encoded as a QR code: " + e.getMessage());
        }
        send(res, "image/png", png);
    }

    private byte[] fileIfExists(String name) {
        try {
            return file(name);
        } catch (IllegalStateException | UncheckedIOException e) {
            return null;
        }
    }

    private byte[] file(String name) {
        if (devDir.isPresent()) {
            try {
                return Files.readAllBytes(devDir.get().resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cache.computeIfAbsent(name, n -> {
            try (InputStream in = WebPages.class.getResourceAsStream(RESOURCES + n)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + RESOURCES + n);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void send(ServerResponse res, String contentType, byte[] body) {
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.send(body);
    }
}
