package io.partita.js;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.SandboxPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs JavaScript job modules in sandboxed GraalJS contexts that share one polyglot engine.
 *
 * <p>Design: one {@link Engine} per runtime holds the parsed and compiled code, so contexts are cheap
 * (about half a millisecond and 80 KiB each). Each module, keyed by its content hash, owns a pool of
 * contexts created lazily and reused across calls; a context runs on one thread at a time. Every
 * context uses {@link SandboxPolicy#CONSTRAINED} with no host access, no class lookup, no IO, no
 * polyglot access, no threads, no processes, no native access and no environment; values cross as
 * JSON text only. One platform watchdog thread enforces per-call time limits by cancelling the
 * context ({@code close(true)}), which is then discarded. See {@code docs/javascript.md}.
 *
 * <p>Thread-safe. {@link #close()} closes every context and the engine.
 */
public final class JsRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JsRuntime.class);

    /** The implementation name GraalJS reports when no optimizing compiler is available. */
    static final String INTERPRETED = "Interpreted";

    /** The system property in which the launcher says why it did not enable the JIT. */
    static final String INTERPRETED_REASON_PROPERTY = "partita.js.interpreted-reason";

    private static final String DEFAULT_INTERPRETED_REASON =
            "the Graal compiler is not on the JVM's upgrade module path (start through ./partita)";

    private final JsOptions options;
    private final Engine engine;
    private final ScheduledExecutorService watchdog;
    private final ConcurrentHashMap<String, PooledModule> modules = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String harness;

    private JsRuntime(JsOptions options) {
        this.options = options;
        this.engine = newEngine();
        this.harness = resource("harness.js");
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "partita-js-watchdog");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> LOG.error("JavaScript watchdog failed", e));
            return t;
        });
    }

    /**
     * Creates a runtime with its own engine and logs which implementation it got: {@code "JavaScript:
     * GraalVM CE (JIT)"} at INFO, or one warning line when JavaScript runs interpreted.
     */
    public static JsRuntime create(JsOptions options) {
        Objects.requireNonNull(options, "options");
        JsRuntime runtime = new JsRuntime(options);
        if (runtime.jit()) {
            LOG.info("JavaScript: {} (JIT)", runtime.implementation());
        } else {
            LOG.warn(
                    "JavaScript runs interpreted (~20x slower): {}; see docs/javascript.md",
                    System.getProperty(INTERPRETED_REASON_PROPERTY, DEFAULT_INTERPRETED_REASON));
        }
        return runtime;
    }

    /** The engine's implementation name, for example {@code "GraalVM CE"} or {@code "Interpreted"}. */
    public String implementation() {
        return engine.getImplementationName();
    }

    /** Whether JavaScript is compiled by the optimizing JIT, that is, not interpreted. */
    public boolean jit() {
        return !INTERPRETED.equals(implementation());
    }

    /** The options this runtime was created with. */
    public JsOptions options() {
        return options;
    }

    /**
     * The module with that content hash. The first call for a hash registers {@code source}; later
     * calls return the same module and ignore {@code source}. Nothing is evaluated until the first
     * call on the module, so load errors surface there.
     *
     * @param hash an identifier of the source, such as its SHA-256; used as the module's file name
     * @param source the ES module's text
     */
    public JsModule module(String hash, String source) {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(source, "source");
        if (hash.isBlank() || hash.length() > 200) {
            throw new IllegalArgumentException("hash must be 1 to 200 non-blank characters, was '" + hash + "'");
        }
        if (closed.get()) {
            throw new IllegalStateException("JsRuntime is closed");
        }
        return modules.computeIfAbsent(hash, h -> new PooledModule(this, h, source));
    }

    /** Closes the pooled contexts of a module and forgets it; a call still running finishes first. */
    public void discard(String hash) {
        PooledModule module = modules.remove(hash);
        if (module != null) {
            module.close();
        }
    }

    /** Closes every context and the engine, cancelling calls still running. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        modules.values().forEach(PooledModule::close);
        modules.clear();
        watchdog.shutdownNow();
        engine.close(true);
    }

    Engine engine() {
        return engine;
    }

    ScheduledExecutorService watchdog() {
        return watchdog;
    }

    String harness() {
        return harness;
    }

    private volatile org.graalvm.polyglot.Source engineSource;

    /** The data engine ({@code PartitaData}, from partita-data), evaluated before the harness. */
    org.graalvm.polyglot.Source engineSource() {
        org.graalvm.polyglot.Source source = engineSource;
        if (source == null) {
            try (java.io.InputStream in = JsRuntime.class.getResourceAsStream("/io/partita/data/engine.js")) {
                if (in == null) {
                    throw new IllegalStateException("engine.js is missing from partita-data-engine");
                }
                source = org.graalvm.polyglot.Source.newBuilder(
                                "js",
                                new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
                                "partita-data-engine.js")
                        .build();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            engineSource = source;
        }
        return source;
    }

    boolean isClosed() {
        return closed.get();
    }

    static Engine newEngine() {
        return Engine.newBuilder("js")
                .sandbox(SandboxPolicy.CONSTRAINED)
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .in(InputStream.nullInputStream())
                // JsRuntime.create logs its own single line instead of GraalJS's multi-line warning.
                .option("engine.WarnInterpreterOnly", "false")
                .build();
    }

    private static String resource(String name) {
        try (InputStream in = JsRuntime.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource io/partita/js/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
