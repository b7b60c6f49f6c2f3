package io.partita.data;

/**
 * An invalid query specification: {@link #field()} is the JSON path of the offending part
 * ({@code where[1].op}, {@code limit}, or {@code ""} for the whole specification) and the message
 * names the bad value, such as {@code unknown operator "=="} or {@code unknown column "agee"}.
 */
public final class QueryException extends DataException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String detail;

    /** An exception about {@code field}, a JSON path into the specification. */
    public QueryException(String field, String message) {
        super(field.isEmpty() ? message : field + ": " + message);
        this.field = field;
        this.detail = message;
    }

    /** The JSON path of the offending part of the specification, {@code ""} for the whole of it. */
    public String field() {
        return field;
    }

    /** The message without the field prefix that {@link #getMessage()} carries. */
    public String detail() {
        return detail;
    }
}
