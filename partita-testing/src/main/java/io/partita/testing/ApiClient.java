package io.partita.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON client of the coordinator's REST API, for tests. Thread-safe. */
public final class ApiClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A response: status code and body (parsed as JSON when it is JSON, else a text node). */
    public record Response(int status, JsonNode json, String body) {}

    private final java.util.Optional<String> token;

    public ApiClient(URI base) {
        this.base = base;
        this.token = java.util.Optional.empty();
    }

    /** A client that presents {@code token} as {@code Authorization: Bearer} (docs/security.md). */
    public ApiClient(URI base, String token) {
        this.base = base;
        this.token = java.util.Optional.of(token);
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    public Response post(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Response post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Posts raw bytes (a dataset upload): {@code path} carries the query, e.g. {@code ?format=csv}. */
    public Response upload(String path, byte[] body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Streams a file as a dataset upload. */
    public Response upload(String path, java.nio.file.Path file) {
        try {
            return send(HttpRequest.newBuilder(base.resolve(path))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(file)));
        } catch (java.io.FileNotFoundException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The raw body of a GET (a job's output), failing unless the answer is 200. */
    public byte[] bytes(String path) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(Duration.ofMinutes(2))
                    .GET();
            // It ignored the token before, so it failed against a coordinator with auth on.
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new AssertionError("GET " + path + ": " + response.statusCode() + " "
                        + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Submits a job and returns its id; fails unless the answer is 201. */
    public String submit(String spec) {
        Response r = post("/api/jobs", spec);
        if (r.status() != 201) {
            throw new AssertionError("submit failed: " + r.status() + " " + r.body());
        }
        return r.json().get("id").asText();
    }

    /** The job's status document. */
    public JsonNode job(String id) {
        Response r = get("/api/jobs/" + id);
        if (r.status() != 200) {
            throw new AssertionError("job " + id + ": " + r.status() + " " + r.body());
        }
        return r.json();
    }

    private Response send(HttpRequest.Builder request) {
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response =
                    http.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = response.body().isEmpty() ? MissingNode.getInstance() : MAPPER.readTree(response.body());
            } catch (IOException e) {
                json = MissingNode.getInstance();
            }
            return new Response(response.statusCode(), json, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
