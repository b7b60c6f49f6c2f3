package io.partita.coordinator.common;

import java.util.Optional;

/**
 * The coordinator's one unchecked domain error: a request that cannot be carried out, with its
 * {@link Kind}, a short machine-readable code, a message naming the problem and the bad value and,
 * where one field is at fault, that field. Domain classes throw it without knowing about HTTP;
 * {@code HttpSupport.errors} maps it to a status and a JSON body in one place. Immutable; carries
 * no stack trace (it is an expected answer, not a bug).
 */
public class PartitaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, independent of the transport that reports it. */
    public enum Kind {
        /** The request is malformed (unreadable body, bad JSON, a bad query parameter): HTTP 400. */
        BAD_REQUEST,
        /** The request is well-formed but a value in it is not acceptable: HTTP 422. */
        INVALID,
        /** The request carries no credentials, or bad ones: HTTP 401. */
        UNAUTHORIZED,
        /** The request is not allowed from where it comes (e.g. a page's origin): HTTP 403. */
        FORBIDDEN,
        /** What the request names does not exist: HTTP 404. */
        NOT_FOUND,
        /** The request conflicts with the current state (already finished, not done yet): HTTP 409. */
        CONFLICT,
        /** The request body is of a type the endpoint does not take: HTTP 415. */
        UNSUPPORTED_MEDIA_TYPE,
        /** The request is over a size limit: HTTP 413. */
        TOO_LARGE,
        /** The coordinator cannot serve the request now; it may later: HTTP 503. */
        UNAVAILABLE,
        /** A quota of what is in use is full; it frees as work ends: HTTP 429. */
        TOO_MANY,
        /** The request was addressed to a host name this coordinator does not answer for: HTTP 421. */
        MISDIRECTED
    }

    private final Kind kind;
    private final String code;
    private final String field;

    /** An error about the request as a whole, naming no field. */
    public PartitaException(Kind kind, String code, String message) {
        this(kind, code, message, (String) null);
    }

    /** An error about one field of the request ({@code ""} for the whole body). */
    public PartitaException(Kind kind, String code, String message, String field) {
        super(message, null, false, false);
        this.kind = kind;
        this.code = code;
        this.field = field;
    }

    /** A malformed request: {@link Kind#BAD_REQUEST} with {@code code}. */
    public static PartitaException badRequest(String code, String message) {
        return new PartitaException(Kind.BAD_REQUEST, code, message);
    }

    /** A bad value of {@code field}: {@link Kind#INVALID}, code {@code invalid_field}. */
    public static PartitaException invalid(String field, String message) {
        return new PartitaException(Kind.INVALID, "invalid_field", message, field);
    }

    /** A bad query parameter {@code name}: {@link Kind#BAD_REQUEST}, code {@code invalid_query}. */
    public static PartitaException invalidQuery(String name, String message) {
        return new PartitaException(Kind.BAD_REQUEST, "invalid_query", message, name);
    }

    /** Not allowed from where it comes: {@link Kind#FORBIDDEN} with {@code code}. */
    public static PartitaException forbidden(String code, String message) {
        return new PartitaException(Kind.FORBIDDEN, code, message);
    }

    /** Nothing by that name: {@link Kind#NOT_FOUND}, code {@code not_found}. */
    public static PartitaException notFound(String message) {
        return new PartitaException(Kind.NOT_FOUND, "not_found", message);
    }

    /** A clash with the current state: {@link Kind#CONFLICT} with {@code code}. */
    public static PartitaException conflict(String code, String message) {
        return new PartitaException(Kind.CONFLICT, code, message);
    }

    /** Over a size limit: {@link Kind#TOO_LARGE}, code {@code too_large}. */
    public static PartitaException tooLarge(String message) {
        return new PartitaException(Kind.TOO_LARGE, "too_large", message);
    }

    /** Cannot serve now: {@link Kind#UNAVAILABLE} with {@code code}. */
    static PartitaException unavailable(String code, String message) {
        return new PartitaException(Kind.UNAVAILABLE, code, message);
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /** The machine-readable code, e.g. {@code invalid_field}, {@code not_found}. */
    public String code() {
        return code;
    }

    /** The field at fault, if one is. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
