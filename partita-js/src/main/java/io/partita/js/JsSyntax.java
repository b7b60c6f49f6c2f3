package io.partita.js;

import java.util.Objects;
import java.util.Optional;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.io.IOAccess;

/** Checks the syntax of a JavaScript ES module without running it. Thread-safe. */
public final class JsSyntax {

    /** A syntax error at a 1-based line and column. */
    public record Error(int line, int column, String message) {}

    private JsSyntax() {}

    /** A private engine created on first use; parsing runs no code, so one is shared by all checks. */
    private static final class Holder {
        static final Engine ENGINE = JsRuntime.newEngine();
    }

    /**
     * Parses {@code source} as an ES module; nothing is evaluated and imports are not resolved.
     *
     * @return the first syntax error, or empty when the module parses
     */
    public static Optional<Error> check(String source) {
        Objects.requireNonNull(source, "source");
        try (Context context = Context.newBuilder("js")
                .engine(Holder.ENGINE)
                .sandbox(SandboxPolicy.CONSTRAINED)
                .out(java.io.OutputStream.nullOutputStream())
                .err(java.io.OutputStream.nullOutputStream())
                .in(java.io.InputStream.nullInputStream())
                .allowHostAccess(HostAccess.CONSTRAINED)
                .allowIO(IOAccess.NONE)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .build()) {
            context.parse(Source.newBuilder("js", source, "module.mjs")
                    .mimeType("application/javascript+module")
                    .buildLiteral());
            return Optional.empty();
        } catch (PolyglotException e) {
            if (!e.isSyntaxError()) {
                throw e;
            }
            SourceSection at = e.getSourceLocation();
            String message = Failures.stripLocation(String.valueOf(e.getMessage()));
            return Optional.of(
                    at == null ? new Error(1, 1, message) : new Error(at.getStartLine(), at.getStartColumn(), message));
        }
    }
}
