package io.partita.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small blocking client of the coordinator's REST API ({@code /api/jobs}). Every failure becomes
 * a {@link CliException} with a one-line reason: "cannot reach coordinator at URL: ..." when the
 * connection fails, the server's {@code message} field for HTTP errors. Thread-safe.
 */
final class CoordinatorClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** How long a request answered {@code 503} is tried again, by default. */
    static final Duration UNAVAILABLE_PATIENCE = Duration.ofSeconds(60);

    private final URI base;
    private final HttpClient http;
    private final Duration unavailablePatience;

    private final java.util.Optional<String> token;

    CoordinatorClient(URI base) {
        this(base, UNAVAILABLE_PATIENCE);
    }

    CoordinatorClient(URI base, java.util.Optional<String> token) {
        this(base, UNAVAILABLE_PATIENCE, token);
    }

    CoordinatorClient(URI base, Duration unavailablePatience) {
        this(base, unavailablePatience, java.util.Optional.empty());
    }

    CoordinatorClient(URI base, Duration unavailablePatience, java.util.Optional<String> token) {
        this(base, unavailablePatience, token, java.util.Optional.empty());
    }

    /** A client checking an {@code https} coordinator's certificate with {@code tls} (default: the JVM's). */
    CoordinatorClient(
            URI base,
            Duration unavailablePatience,
            java.util.Optional<String> token,
            java.util.Optional<javax.net.ssl.SSLContext> tls) {
        this.token = token;
        this.unavailablePatience = unavailablePatience;
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL);
        tls.ifPresent(b::sslContext);
        this.http = b.build();
    }

    /** Parses and checks a coordinator URL given by the user. */
    static URI parseUrl(String url) {
        try {
            URI uri = new URI(url.strip());
            if (uri.getScheme() == null
                    || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new CliException(
                        "--coordinator must be an http:// or https:// URL with a host, was '" + url + "'");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new CliException("--coordinator is not a valid URL: '" + url + "'");
        }
    }

    URI base() {
        return base;
    }

    /** POST /api/jobs; returns the created job. */
    JsonNode submit(JsonNode spec) {
        HttpRequest req = request("api/jobs")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(write(spec)))
                .build();
        return send(req);
    }

    /** POST /api/jobs/{id}/rerun; returns the created job. */
    JsonNode rerun(String id, JsonNode body) {
        HttpRequest req = request("api/jobs/" + segment(id) + "/rerun")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(write(body)))
                .build();
        return send(req);
    }

    /** GET /api/jobs/{id}. */
    JsonNode job(String id) {
        return send(request("api/jobs/" + segment(id)).GET().build());
    }

    /** GET /api/jobs?offset&limit. */
    JsonNode jobs(int offset, int limit) {
        return send(
                request("api/jobs?offset=" + offset + "&limit=" + limit).GET().build());
    }

    /** DELETE /api/jobs/{id}; returns the job. */
    JsonNode cancel(String id) {
        return send(request("api/jobs/" + segment(id)).DELETE().build());
    }

    /** DELETE /api/jobs/{id}?purge=true: deletes a finished job; returns {@code {"id", "deleted"}}. */
    JsonNode deleteJob(String id) {
        return send(request("api/jobs/" + segment(id) + "?purge=true").DELETE().build());
    }

    /** DELETE /api/datasets/{id}; returns {@code {"id", "deleted"}}. */
    JsonNode deleteDataset(String id) {
        return send(request("api/datasets/" + segment(id)).DELETE().build());
    }

    /** GET /api/datasets. */
    JsonNode datasets() {
        return send(request("api/datasets").GET().build());
    }

    /** GET /api/jobs/{id}/result, copying the body to {@code sink} as it arrives. */
    void result(String id, OutputStream sink) {
        HttpRequest req = request("api/jobs/" + segment(id) + "/result").GET().build();
        HttpResponse<InputStream> resp = exchange(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            if (resp.statusCode() / 100 != 2) {
                throw httpError(resp, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            in.transferTo(sink);
        } catch (IOException e) {
            throw new CliException("reading the result from " + base + " failed: " + e.getMessage(), e);
        }
    }

    /** GET {@code path} (relative, e.g. {@code api/workers}) as JSON. */
    JsonNode get(String path) {
        return send(request(path).GET().build());
    }

    /** POST {@code path} with a JSON body; returns the answer. */
    JsonNode post(String path, JsonNode body) {
        return exchange("POST", path, body);
    }

    /**
     * POST /api/datasets: streams {@code file} as a dataset upload named {@code name}, of {@code
     * format}, with an upload Content-Type (application/octet-stream; the coordinator refuses
     * uploads without one).
     */
    JsonNode upload(java.nio.file.Path file, String name, String format) {
        String query = "api/datasets?name=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8) + "&format="
                + java.net.URLEncoder.encode(format, StandardCharsets.UTF_8);
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (java.io.FileNotFoundException e) {
            throw new CliException("file not found: " + file);
        }
        return send(request(query)
                .timeout(Duration.ofHours(1))
                .header("Content-Type", "application/octet-stream")
                .POST(body)
                .build());
    }

    /** GET {@code path}, copying the body to {@code sink} as it arrives (outputs, results). */
    void stream(String path, OutputStream sink) {
        HttpRequest req = request(path).GET().build();
        HttpResponse<InputStream> resp = exchange(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            if (resp.statusCode() / 100 != 2) {
                throw httpError(resp, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            in.transferTo(sink);
        } catch (IOException e) {
            throw new CliException("reading " + path + " from " + base + " failed: " + e.getMessage(), e);
        }
    }

    /** {@code method path} with an optional JSON body, for the admin commands; returns the answer. */
    JsonNode exchange(String method, String path, JsonNode body) {
        HttpRequest.Builder b = request(path);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(write(body)));
        }
        return send(b.build());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    /**
     * Sends a request; a {@code 503} (the coordinator's store is unavailable, nothing was recorded)
     * is sent again with backoff for up to {@link #UNAVAILABLE_PATIENCE}, saying so once on stderr,
     * so that a client rides through a database failover.
     */
    private JsonNode send(HttpRequest req) {
        long deadline = System.nanoTime() + unavailablePatience.toNanos();
        long delay = 250;
        boolean told = false;
        while (true) {
            HttpResponse<String> resp = exchange(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() / 100 == 2) {
                return json(resp);
            }
            if (resp.statusCode() != 503 || System.nanoTime() + delay * 1_000_000 - deadline > 0) {
                throw httpError(resp, resp.body());
            }
            if (!told) {
                told = true;
                System.err.println("partita: the coordinator is unavailable for now (" + message(resp.body())
                        + "); trying again for up to " + unavailablePatience.toSeconds() + "s");
            }
            try {
                Thread.sleep(delay); // backoff between tries of a request; nothing else waits here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted", 130, e);
            }
            delay = Math.min(4000, delay * 2);
        }
    }

    /** The {@code message} field of an error body, or the body itself. */
    private static String message(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node.hasNonNull("message") ? node.get("message").asText() : body;
        } catch (IOException e) {
            return body;
        }
    }

    private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(req, handler);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw unreachable(e);
        } catch (HttpTimeoutException e) {
            throw new CliException(
                    "coordinator at " + base + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + "s", e);
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", 130, e);
        }
    }

    private Unreachable unreachable(IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String why =
                root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        if (hasCause(e, java.nio.channels.UnresolvedAddressException.class)
                || hasCause(e, java.net.UnknownHostException.class)) {
            why = "unknown host " + base.getHost();
        } else if (e instanceof ConnectException && e.getMessage() == null) {
            why = "connection refused";
        }
        return new Unreachable("cannot reach coordinator at " + base + ": " + why, e);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** The coordinator could not be reached at all (as opposed to answering with an error). */
    static final class Unreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }

        CliException asCliException() {
            return new CliException(getMessage(), getCause());
        }
    }

    /** An HTTP error answer, with the status and the server's message. */
    static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final boolean fromCoordinator;

        HttpError(int status, String message, boolean fromCoordinator) {
            super(message);
            this.status = status;
            this.fromCoordinator = fromCoordinator;
        }

        int status() {
            return status;
        }

        /** Whether the answer was a coordinator's JSON error (not, say, a web server's HTML page). */
        boolean fromCoordinator() {
            return fromCoordinator;
        }
    }

    /**
     * The error of an answer that is not 2xx: the coordinator's {@code message} (and {@code field})
     * when the body is its JSON error, else a line saying that what answered does not look like a
     * coordinator, so a wrong {@code --coordinator} URL or path is recognisable as such.
     */
    static HttpError httpError(HttpResponse<?> resp, String body) {
        int status = resp.statusCode();
        String message = null;
        boolean fromCoordinator = false;
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.hasNonNull("message")) {
                message = node.get("message").asText();
                fromCoordinator = true;
                if (node.hasNonNull("field")
                        && !message.contains(node.get("field").asText())) {
                    message = node.get("field").asText() + ": " + message;
                }
            }
        } catch (IOException e) {
            // not JSON: fall through
        }
        if (message == null) {
            message = notACoordinator(resp, "HTTP " + status + contentType(resp));
        }
        if (status == 401) {
            message += " (give --token TOKEN or set PARTITA_TOKEN; on the coordinator's machine the admin"
                    + " token is in its data directory, file admin-token)";
        }
        return new HttpError(status, message, fromCoordinator);
    }

    /** The JSON body of a 2xx answer; anything else means that what answered is not a coordinator. */
    static JsonNode json(HttpResponse<String> resp) {
        try {
            JsonNode node = JSON.readTree(resp.body());
            if (node != null && !node.isMissingNode()) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // not JSON: below
        }
        throw new CliException(notACoordinator(resp, "HTTP " + resp.statusCode() + contentType(resp) + ", not JSON"));
    }

    private static String notACoordinator(HttpResponse<?> resp, String what) {
        return resp.request().method() + " " + resp.uri() + " answered " + what
                + ": is --coordinator the base URL of a Partita coordinator (e.g. http://localhost:8080)?";
    }

    private static String contentType(HttpResponse<?> resp) {
        return resp.headers()
                .firstValue("Content-Type")
                .map(t -> " (" + t.split(";")[0].strip() + ")")
                .orElse("");
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Percent-encodes one path segment (RFC 3986 unreserved characters pass through). */
    static String segment(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }
}
