package io.partita.coordinator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.partita.coordinator.common.PartitaException;
import io.partita.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP plumbing every endpoint class shares ({@link HttpApi}, {@link CallApi}, {@link DataApi},
 * {@code DashboardStreams}, {@code WebPages}): reading a JSON body within the size limit, writing
 * JSON, path and query parameters, and the one place where errors become responses. A {@link
 * PartitaException} becomes its status with {@code {"error": code, "message": ..., "field": ...}};
 * any other exception becomes a 500 that is logged once with the request line. Thread-safe.
 */
public final class HttpSupport {
    private static final Logger log = LoggerFactory.getLogger(HttpSupport.class);

    /** The media type of every JSON answer. */
    static final String JSON = "application/json";

    /** Longest {@code {id}} path parameter that can name anything. */
    static final int MAX_ID_LENGTH = 100;

    private final ObjectMapper mapper;
    private final long maxRequestBytes;

    /**
     * @param maxRequestBytes the largest JSON request body accepted, in bytes; larger is a 413
     */
    public HttpSupport(ObjectMapper mapper, long maxRequestBytes) {
        this.mapper = mapper;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Registers the error handlers: the one place where exceptions become responses. */
    public void errors(HttpRouting.Builder routing) {
        // An error answering a HEAD has the status and headers of the GET's error, and no body.
        routing.error(PartitaException.class, (req, res, e) -> error(req, headAware(req, res), e))
                .error(StoreException.class, (req, res, e) -> storeError(req, headAware(req, res), e))
                // a path no route serves (a browser's /favicon.ico): 404, not a logged 500
                .error(
                        io.helidon.http.NotFoundException.class,
                        (req, res, e) -> error(
                                req,
                                headAware(req, res),
                                PartitaException.notFound(
                                        "no such path: " + req.path().path())))
                .error(Exception.class, (req, res, e) -> unexpected(req, headAware(req, res), e));
    }

    private static ServerResponse headAware(ServerRequest req, ServerResponse res) {
        return Routes.isHead(req) ? new HeadResponse(res) : res;
    }

    /** A store failure is a 503 that says so (and that the request may be repeated); others are 500s. */
    private void storeError(ServerRequest req, ServerResponse res, StoreException e) {
        if (!e.isStoreFailure()) {
            unexpected(req, res, e);
            return;
        }
        log.debug(
                "{} {}: the store is unavailable: {}",
                req.prologue().method().text(),
                req.path().path(),
                e.getMessage());
        ObjectNode body = object();
        body.put("error", "store_unavailable");
        body.put("message", "the store is unavailable (" + e.publicMessage() + "); nothing was recorded, try again");
        body.putNull("field");
        res.header("Retry-After", "1");
        json(res, 503, body);
    }

    /** The HTTP status of an error of this kind. */
    static int status(PartitaException.Kind kind) {
        return switch (kind) {
            case BAD_REQUEST -> 400;
            case INVALID -> 422;
            case UNAUTHORIZED -> 401;
            case FORBIDDEN -> 403;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case UNAVAILABLE -> 503;
            case TOO_MANY -> 429;
            case MISDIRECTED -> 421;
        };
    }

    private void error(ServerRequest req, ServerResponse res, PartitaException e) {
        ObjectNode body = object();
        body.put("error", e.code());
        body.put("message", e.getMessage());
        if (e.field().isPresent()) {
            body.put("field", e.field().get());
        } else {
            body.putNull("field");
        }
        if (e.kind() == PartitaException.Kind.UNAUTHORIZED) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"partita\"");
        }
        json(res, status(e.kind()), body);
    }

    private void unexpected(ServerRequest req, ServerResponse res, Exception e) {
        log.error(
                "Unexpected error on {} {}",
                req.prologue().method().text(),
                req.path().path(),
                e);
        ObjectNode body = object();
        body.put("error", "internal");
        body.put("message", "internal error; see the coordinator's log");
        body.putNull("field");
        json(res, 500, body);
    }

    // ------------------------------------------------------------------------------- requests

    /**
     * The request body as JSON.
     *
     * @throws PartitaException 413 over the size limit; 400 {@code unreadable_body} or {@code
     *     malformed_json}
     */
    JsonNode readJson(ServerRequest req) {
        long limit = maxRequestBytes;
        var length = req.headers().contentLength();
        if (length.isPresent() && length.getAsLong() > limit) {
            throw PartitaException.tooLarge(
                    "request body of " + length.getAsLong() + " bytes is over the limit of " + limit + " bytes");
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (IOException | RuntimeException e) {
            throw PartitaException.badRequest("unreadable_body", "cannot read the request body: " + e.getMessage());
        }
        if (body.length > limit) {
            throw PartitaException.tooLarge("request body is over the limit of " + limit + " bytes");
        }
        if (body.length == 0) {
            throw PartitaException.badRequest("malformed_json", "the request body is empty; expected a JSON object");
        }
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw PartitaException.badRequest(
                    "malformed_json",
                    "the request body is not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " at line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw PartitaException.badRequest("malformed_json", "the request body is not valid JSON");
        }
    }

    /** The {@code {id}} path parameter; an over-long one cannot name anything (404). */
    static String id(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        if (id.length() > MAX_ID_LENGTH) {
            throw PartitaException.notFound("no job with that id");
        }
        return id;
    }

    /** The query parameter {@code name}, if the request has it. */
    static Optional<String> query(ServerRequest req, String name) {
        return req.query().contains(name) ? Optional.of(req.query().get(name)) : Optional.empty();
    }

    /** An integer query parameter in [min, max], or {@code defaultValue}; a bad one is a 400 naming it. */
    static int intQuery(ServerRequest req, String name, int defaultValue, int min, int max) {
        return (int) longQuery(req, name, defaultValue, min, max);
    }

    /** A long query parameter in [min, max], or {@code defaultValue}; a bad one is a 400 naming it. */
    static long longQuery(ServerRequest req, String name, long defaultValue, long min, long max) {
        if (!req.query().contains(name)) {
            return defaultValue;
        }
        String raw = req.query().get(name);
        try {
            long value = Long.parseLong(raw);
            if (value < min || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw PartitaException.invalidQuery(
                    name, name + " must be an integer between " + min + " and " + max + ", was '" + raw + "'");
        }
    }

    /** An integer query parameter of any value, if given; one that is not an integer is a 400 naming it. */
    static Optional<Integer> optionalIntQuery(ServerRequest req, String name) {
        Optional<String> raw = query(req, name);
        try {
            return raw.map(Integer::parseInt);
        } catch (NumberFormatException e) {
            throw PartitaException.invalidQuery(name, name + " must be an integer, was " + raw.get());
        }
    }

    // ------------------------------------------------------------------------------- responses

    /** Sends {@code body} as JSON with {@code status}. */
    void json(ServerResponse res, int status, JsonNode body) {
        try {
            send(res, status, JSON, mapper.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code text} as a JSON string literal. */
    String quote(String text) {
        try {
            return mapper.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code body} with {@code status} and {@code type}, never cached. */
    static void send(ServerResponse res, int status, String type, byte[] body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body);
    }

    /** Lets a page of any origin read the response (CORS). */
    public static void allowAnyOrigin(ServerResponse res) {
        res.header(HeaderNames.create("Access-Control-Allow-Origin"), "*");
    }

    /** A new, empty JSON object. */
    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /**
     * The bytes of a class-path resource that must exist.
     *
     * @throws IllegalStateException if it is missing or unreadable
     */
    static byte[] resource(Class<?> owner, String path) {
        try (InputStream in = owner.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + path, e);
        }
    }
}
