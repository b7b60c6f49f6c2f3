package io.partita.js;

import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SourceSection;

/** Turns GraalJS exceptions into {@link JsTaskException}s whose message says what happened. */
final class Failures {

    private Failures() {}

    static JsTaskException translate(PolyglotException e, String hash, boolean loading) {
        String message = String.valueOf(e.getMessage());
        if (isStatementLimit(message)) {
            return new JsTaskException(
                    JsTaskException.Kind.STATEMENT_LIMIT, "statement limit exceeded (" + message + ")", e);
        }
        if (e.isSyntaxError()) {
            SourceSection at = e.getSourceLocation();
            String text = stripLocation(message);
            return new JsTaskException(
                    JsTaskException.Kind.SYNTAX,
                    at == null
                            ? "SyntaxError: " + text
                            : "SyntaxError at line " + at.getStartLine() + ", column " + at.getStartColumn() + ": "
                                    + text,
                    e);
        }
        if (e.isResourceExhausted()) {
            String what = message.contains("heap space") || message.contains("OutOfMemory")
                    ? "out of memory"
                    : "resources exhausted";
            return new JsTaskException(JsTaskException.Kind.RESOURCES, what + ": " + message, e);
        }
        if (e.isCancelled() || e.isInterrupted()) {
            return new JsTaskException(JsTaskException.Kind.ERROR, "cancelled: " + message, e);
        }
        if (e.isInternalError() || e.isHostException()) {
            return new JsTaskException(JsTaskException.Kind.ERROR, "internal error: " + message, e);
        }
        int line = moduleLine(e, hash);
        String where = line > 0 ? " (at line " + line + ")" : "";
        return new JsTaskException(
                loading ? JsTaskException.Kind.LOAD : JsTaskException.Kind.ERROR,
                (loading ? "the module failed to load: " : "") + message + where,
                e);
    }

    static boolean isStatementLimit(String message) {
        return message.contains("Statement count limit");
    }

    /** The line of the innermost stack frame in the module's own source, or 0. */
    static int moduleLine(PolyglotException e, String hash) {
        String name = hash + ".mjs";
        for (PolyglotException.StackFrame frame : e.getPolyglotStackTrace()) {
            SourceSection at = frame.getSourceLocation();
            if (frame.isGuestFrame() && at != null && name.equals(at.getSource().getName())) {
                return at.getStartLine();
            }
        }
        SourceSection at = e.getSourceLocation();
        if (at != null && name.equals(at.getSource().getName())) {
            return at.getStartLine();
        }
        return 0;
    }

    /** GraalJS prefixes syntax errors with "name:line:column "; the line and column are given apart. */
    static String stripLocation(String message) {
        String m = message.startsWith("SyntaxError: ") ? message.substring("SyntaxError: ".length()) : message;
        int space = m.indexOf(' ');
        if (space > 0 && m.substring(0, space).matches(".*:\\d+:\\d+")) {
            m = m.substring(space + 1);
        }
        return m;
    }

    /** Whether the context that threw {@code e} must not run anything again. */
    static boolean breaksContext(PolyglotException e) {
        return e.isCancelled() || e.isResourceExhausted() || e.isInterrupted() || e.isInternalError();
    }
}
