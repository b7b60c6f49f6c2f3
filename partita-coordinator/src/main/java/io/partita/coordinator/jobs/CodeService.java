package io.partita.coordinator.jobs;

import io.partita.coordinator.common.FetchGuard;
import io.partita.coordinator.common.GuardedHttp;
import io.partita.coordinator.common.PartitaException;
import io.partita.js.JsSyntax;
import io.partita.store.Store;
import io.partita.store.StoredCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Job code: checks a JavaScript module's syntax (parsing only: the coordinator never runs it), names
 * it by the SHA-256 of its source, and stores it once. Also resolves a job spec's {@code code} (inline
 * source, the hash of uploaded code, or a URL) to a stored hash. Thread-safe.
 */
public final class CodeService {
    private static final Pattern FUNCTION_EXPORT =
            Pattern.compile("\\bexport\\s+(?:async\\s+)?function\\s*\\*?\\s*([A-Za-z_$][\\w$]*)");
    private static final Pattern VARIABLE_EXPORT =
            Pattern.compile("\\bexport\\s+(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)");
    private static final Pattern LIST_EXPORT = Pattern.compile("\\bexport\\s*\\{([^}]*)\\}");

    private final Store store;
    private final long maxBytes;
    private final GuardedHttp http;

    /**
     * The code kept in {@code store}; a module may have at most {@code maxBytes} bytes; a {@code
     * code.url} may reach only public addresses.
     */
    public CodeService(Store store, long maxBytes) {
        this(store, maxBytes, new FetchGuard(java.util.List.of()));
    }

    /** As above, with {@code guard} deciding which addresses {@code code.url} may reach. */
    public CodeService(Store store, long maxBytes, FetchGuard guard) {
        this.store = store;
        this.maxBytes = maxBytes;
        this.http = new GuardedHttp(guard, Duration.ofSeconds(10), Duration.ofSeconds(20));
    }

    /** What {@link #put} made of a source. */
    public record Stored(String hash, Set<String> exports) {}

    /**
     * Checks and stores a module.
     *
     * @param field the spec field to name in errors
     * @throws PartitaException (422) for a syntax error (with line and column) or a module without compute
     */
    public Stored put(String source, String field) {
        return put(source, field, "compute", "compute(input, ctx)");
    }

    /** Checks and stores a module that must export {@code required} (described as {@code signature}). */
    public Stored put(String source, String field, String required, String signature) {
        Optional<JsSyntax.Error> error = JsSyntax.check(source);
        if (error.isPresent()) {
            JsSyntax.Error e = error.get();
            throw new PartitaException(
                    PartitaException.Kind.INVALID,
                    "syntax_error",
                    "syntax error at line " + e.line() + ", column " + e.column()
                            // The text of a fetched module is not the requester's: never echo it.
                            + (field.equals("code.url") ? " of the fetched module" : ": " + e.message()),
                    field);
        }
        Set<String> exports = exports(source);
        if (!exports.contains(required)) {
            throw PartitaException.invalid(field, "the module must export a function " + signature);
        }
        String hash = sha256(source);
        store.putCode(new StoredCode(hash, "js", source, System.currentTimeMillis()));
        return new Stored(hash, exports);
    }

    /** The stored code with this hash. */
    public Optional<StoredCode> get(String hash) {
        return store.code(hash);
    }

    /** Resolves a spec's code to a stored hash. */
    public JobSpec resolve(JobSpec spec) {
        JobSpec.CodeSpec code = spec.code().orElseThrow();
        Stored stored;
        if (code.source().isPresent()) {
            stored = put(code.source().get(), "code.source");
        } else if (code.hash().isPresent()) {
            String hash = code.hash().get();
            StoredCode existing = store.code(hash)
                    .orElseThrow(() -> PartitaException.invalid(
                            "code.hash", "no code with hash " + hash + "; upload it with POST /api/code"));
            stored = new Stored(hash, exports(existing.source()));
        } else {
            stored = put(fetch(code.url().orElseThrow()), "code.url");
        }
        return spec.withCode(stored.hash(), stored.exports());
    }

    /** The module at {@code url}; errors name {@code code.url} and never quote what the server sent. */
    private String fetch(String url) {
        try (GuardedHttp.Response response = http.get(url, "code.url", Duration.ofSeconds(20))) {
            if (response.contentLength() > maxBytes) {
                throw tooBig(url);
            }
            byte[] body = response.body().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                throw tooBig(url);
            }
            return new String(body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw PartitaException.invalid("code.url", "cannot fetch code.url " + url + ": " + e.getMessage());
        }
    }

    private PartitaException tooBig(String url) {
        return PartitaException.invalid("code.url", "the code at " + url + " is over " + maxBytes + " bytes");
    }

    /**
     * The names a module exports, read from its text ({@code export function f}, {@code export const
     * f}, {@code export { a, b as c }}). Enough to tell whether it has {@code combine} or {@code
     * collect}; a name only mentioned in a comment or string may be counted too.
     */
    static Set<String> exports(String source) {
        Set<String> names = new TreeSet<>();
        for (Pattern p : new Pattern[] {FUNCTION_EXPORT, VARIABLE_EXPORT}) {
            Matcher m = p.matcher(source);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        Matcher m = LIST_EXPORT.matcher(source);
        while (m.find()) {
            for (String part : m.group(1).split(",")) {
                String[] words = part.trim().split("\\s+as\\s+");
                String name = words[words.length - 1].trim();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return Set.copyOf(names);
    }

    /** The SHA-256 of {@code source}'s UTF-8 bytes in lower-case hex: a module's hash. */
    public static String sha256(String source) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
