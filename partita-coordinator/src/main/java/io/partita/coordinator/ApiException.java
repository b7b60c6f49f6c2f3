package io.partita.coordinator;

import java.util.Optional;

/**
 * An error to report to an API client: an HTTP status, a short machine-readable code, a message
 * naming the problem and, where one field is at fault, that field. Rendered as {@code {"error":
 * code, "message": ..., "field": ...}} in one place.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Optional<String> field;

    ApiException(int status, String code, String message, Optional<String> field) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message, Optional.empty());
    }

    static ApiException invalid(String field, String message) {
        return new ApiException(422, "invalid_field", message, Optional.of(field));
    }

    /** A bad query parameter: 400 {@code invalid_query} naming it. */
    static ApiException invalidQuery(String name, String message) {
        return new ApiException(400, "invalid_query", message, Optional.of(name));
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message, Optional.empty());
    }

    static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message, Optional.empty());
    }

    static ApiException tooLarge(String message) {
        return new ApiException(413, "too_large", message, Optional.empty());
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Optional<String> field() {
        return field;
    }
}
