package io.partita.coordinator.web;

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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What browsers load: {@code /volunteer.js} (the script tag that turns a page's visitors into
 * workers), the join pages {@code /join} and {@code /join/{jobId}}, and QR codes of URLs. The files
 * are resources under {@code io/partita/coordinator/web}; with the environment variable {@code
 * PARTITA_WEB_DIR} set they are read from that directory at each request instead (for working on
 * them without rebuilding).
 */
public final class WebPages {
    static final int MAX_QR_TEXT = 1000;
    private static final String RESOURCES = "/io/partita/coordinator/web/";
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Store store;
    private final Optional<Path> devDir;
    private final Map<String, byte[]> cache = new java.util.concurrent.ConcurrentHashMap<>();

    /** The pages, scripts and images of the web UI. */
    public WebPages(Store store) {
        this.store = store;
        String dir = System.getenv("PARTITA_WEB_DIR");
        this.devDir = dir == null || dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir));
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
                .get("/", (req, res) -> send(res, "text/html; charset=utf-8", file("dashboard/index.html")))
                .get("/dashboard/{file}", this::dashboardFile)
                .get("/join", (req, res) -> send(res, "text/html; charset=utf-8", file("join.html")))
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
        send(res, "text/html; charset=utf-8", file("join.html"));
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
