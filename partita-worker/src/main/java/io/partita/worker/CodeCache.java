package io.partita.worker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Job code by content hash: fetched once from the coordinator ({@code GET /api/code/{hash}}),
 * checked against its hash, and kept for the life of the worker. Thread-safe.
 */
final class CodeCache {
    private final URI coordinator;
    private final HttpClient http;
    private final Map<String, String> sources = new ConcurrentHashMap<>();

    CodeCache(URI coordinator, HttpClient http) {
        this.coordinator = coordinator;
        this.http = http;
    }

    /**
     * The source with this hash.
     *
     * @throws IllegalStateException if it cannot be fetched or does not match its hash
     */
    String get(String hash) throws InterruptedException {
        String cached = sources.get(hash);
        if (cached != null) {
            return cached;
        }
        if (!hash.matches("[0-9a-f]{64}")) {
            throw new IllegalStateException("not a code hash: " + hash);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(
                    HttpRequest.newBuilder(coordinator.resolve("/api/code/" + hash))
                            .timeout(Duration.ofSeconds(30))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot fetch code " + hash + ": " + e.getMessage(), e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("cannot fetch code " + hash + ": HTTP " + response.statusCode());
        }
        String actual = sha256(response.body());
        if (!actual.equals(hash)) {
            throw new IllegalStateException("code " + hash + " arrived with hash " + actual + "; refusing to run it");
        }
        String source = new String(response.body(), StandardCharsets.UTF_8);
        sources.put(hash, source);
        return source;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
