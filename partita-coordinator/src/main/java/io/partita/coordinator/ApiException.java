package io.partita.coordinator;

/**
 * A {@link PartitaException} under the type that {@link ClientEndpoint} catches when it checks a
 * grid call ({@link CallService#request}). It adds nothing else and is rendered like any {@code
 * PartitaException}; once {@code ClientEndpoint} catches {@code PartitaException}, this class and
 * the one place that throws it can go.
 */
final class ApiException extends PartitaException {
    private static final long serialVersionUID = 1L;

    /** The same error as {@code e}: kind, code, message and field. */
    ApiException(PartitaException e) {
        super(e.kind(), e.code(), e.getMessage(), e.field().orElse(null));
    }
}
