package io.partita.worker;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable, validated configuration of a {@link Worker}.
 *
 * @param coordinator base URL of the coordinator, {@code http://HOST:PORT} (the worker connects to
 *     {@code ws://HOST:PORT/ws/worker})
 * @param slots tasks run at once; default: available processors
 * @param name a human-readable name reported to the coordinator
 *     (its query, e.g. {@code ?tenant=lab}, is passed to the worker socket's URL: work only for that
 *     tenant)
 * @param kind the worker kind reported in hello: {@code java} or {@code local}
 * @param idleExit if present, the worker exits after this long without any task
 * @param maxBackoff the longest wait between reconnection attempts; default 5 s
 * @param drainTimeout how long a graceful shutdown waits for running tasks; default 30 s
 * @param functions the only Java functions to offer (job or call), by name; empty (the default)
 *     offers every function on the classpath
 * @param token the worker (or admin) token presented at connect ({@code Authorization: Bearer}),
 *     which makes the worker trusted; empty (the default) connects anonymously
 */
public record WorkerConfig(
        URI coordinator,
        int slots,
        String name,
        String kind,
        Optional<Duration> idleExit,
        Duration maxBackoff,
        Duration drainTimeout,
        java.util.List<String> functions,
        Optional<String> token) {

    /** Default longest reconnection backoff. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

    /** Default drain timeout on graceful shutdown. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    /** Validates every field. */
    public WorkerConfig {
        Objects.requireNonNull(coordinator, "coordinator");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(idleExit, "idleExit");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(token, "token");
        functions = java.util.List.copyOf(Objects.requireNonNull(functions, "functions"));
        String scheme = coordinator.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || coordinator.getHost() == null) {
            throw new IllegalArgumentException(
                    "coordinator must be an http:// or https:// URL with a host, was " + coordinator);
        }
        if (slots < 1 || slots > 4096) {
            throw new IllegalArgumentException("slots must be between 1 and 4096, was " + slots);
        }
        idleExit.ifPresent(d -> {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("idle-exit must be positive, was " + d);
            }
        });
        if (maxBackoff.toMillis() < 10) {
            throw new IllegalArgumentException("max-backoff must be at least 10ms, was " + maxBackoff);
        }
    }

    /** A configuration with defaults for everything but the coordinator URL. */
    public static WorkerConfig defaults(URI coordinator) {
        return new WorkerConfig(
                coordinator,
                Runtime.getRuntime().availableProcessors(),
                defaultName(),
                "java",
                Optional.empty(),
                DEFAULT_MAX_BACKOFF,
                DEFAULT_DRAIN_TIMEOUT,
                java.util.List.of(),
                Optional.empty());
    }

    /** Returns a copy with {@code slots} replaced. */
    public WorkerConfig withSlots(int value) {
        return new WorkerConfig(coordinator, value, name, kind, idleExit, maxBackoff, drainTimeout, functions, token);
    }

    /** Returns a copy with {@code name} replaced. */
    public WorkerConfig withName(String value) {
        return new WorkerConfig(coordinator, slots, value, kind, idleExit, maxBackoff, drainTimeout, functions, token);
    }

    /** Returns a copy with {@code kind} replaced. */
    public WorkerConfig withKind(String value) {
        return new WorkerConfig(coordinator, slots, name, value, idleExit, maxBackoff, drainTimeout, functions, token);
    }

    /** Returns a copy with {@code idleExit} replaced. */
    public WorkerConfig withIdleExit(Optional<Duration> value) {
        return new WorkerConfig(coordinator, slots, name, kind, value, maxBackoff, drainTimeout, functions, token);
    }

    /** Returns a copy with {@code drainTimeout} replaced. */
    public WorkerConfig withDrainTimeout(Duration value) {
        return new WorkerConfig(coordinator, slots, name, kind, idleExit, maxBackoff, value, functions, token);
    }

    /** Returns a copy offering only the named functions (empty: all). */
    public WorkerConfig withFunctions(java.util.List<String> value) {
        return new WorkerConfig(coordinator, slots, name, kind, idleExit, maxBackoff, drainTimeout, value, token);
    }

    private static String defaultName() {
        String host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("worker");
        return host + "-" + ProcessHandle.current().pid();
    }

    /** Returns a copy with {@code token} replaced. */
    public WorkerConfig withToken(Optional<String> value) {
        return new WorkerConfig(coordinator, slots, name, kind, idleExit, maxBackoff, drainTimeout, functions, value);
    }
}
