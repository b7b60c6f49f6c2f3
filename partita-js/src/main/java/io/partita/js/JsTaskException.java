package io.partita.js;

/**
 * A JavaScript call that failed: the module did not load, the function threw, or a limit ended it.
 * The message says what happened, for example {@code "SyntaxError at line 3, column 7: ..."}, {@code
 * "timed out after PT2S"}, {@code "statement limit exceeded (1000000 statements)"} or {@code "Error:
 * boom (at line 4)"}. The runtime stays usable after any of them.
 */
public final class JsTaskException extends Exception {

    /** What kind of failure this is. */
    public enum Kind {
        /** The module does not parse. */
        SYNTAX,
        /** The module parsed but failed while loading (an {@code import}, a top-level throw). */
        LOAD,
        /** The module does not export the function called. */
        MISSING_EXPORT,
        /** The function threw, or its returned promise rejected. */
        ERROR,
        /** The call ran longer than its time limit. */
        TIMEOUT,
        /** The call executed more statements than {@link JsOptions#statementLimit()}. */
        STATEMENT_LIMIT,
        /** The call ran out of memory or stack. */
        RESOURCES,
        /** The result could not be turned into JSON, or was too large. */
        OUTPUT
    }

    private static final long serialVersionUID = 1L;

    private final Kind kind;

    JsTaskException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    JsTaskException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** What kind of failure this is. */
    public Kind kind() {
        return kind;
    }
}
