package io.partita.coordinator.calls;

import io.partita.api.CallFunction;
import io.partita.api.Function;
import io.partita.api.FunctionVersion;
import io.partita.coordinator.common.PartitaException;
import io.partita.protocol.Message;
import io.partita.store.Store;
import io.partita.store.StoredFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The functions that answer grid calls, by name: Java {@link CallFunction}s on the coordinator's
 * classpath (read without instantiating them) or announced by workers, and JavaScript modules
 * registered through the API. Each has a version that is part of its results' cache keys. Kept in the
 * store, so a restarted coordinator knows them before workers come back. Thread-safe.
 */
public final class CallFunctions {
    private static final Logger log = LoggerFactory.getLogger(CallFunctions.class);

    /**
     * A function as calls see it.
     *
     * @param name its name
     * @param runtime {@code java} or {@code js}
     * @param version its code's version (for JS the module's SHA-256, also its code hash)
     * @param pure whether results are cached and identical calls merged
     * @param timeout the time limit of one execution (not counting the time it waits for its calls)
     */
    public record Def(String name, String runtime, String version, boolean pure, Duration timeout) {

        /** The id of the descriptor that tells workers about it, and of its tasks' {@code job}. */
        public String descriptorId() {
            return "call:" + name + "@" + version;
        }

        /** Whether the function is a JavaScript module. */
        public boolean js() {
            return "js".equals(runtime);
        }
    }

    private final Store store;
    private final Duration defaultTimeout;
    private final Map<String, Def> defs = new ConcurrentHashMap<>();

    /** The functions kept in {@code store} and those on the classpath; {@code defaultTimeout} limits one execution of a function that names no limit. */
    public CallFunctions(Store store, Duration defaultTimeout) {
        this.store = store;
        this.defaultTimeout = defaultTimeout;
        for (StoredFunction f : store.functions()) {
            defs.put(
                    f.name(),
                    new Def(f.name(), f.runtime(), f.version(), f.pure(), Duration.ofMillis(f.timeoutMillis())));
        }
        for (ServiceLoader.Provider<CallFunction> provider :
                ServiceLoader.load(CallFunction.class).stream().toList()) {
            Function annotation = provider.type().getAnnotation(Function.class);
            if (annotation != null) {
                remember(new Def(
                        annotation.value(),
                        "java",
                        FunctionVersion.of(provider.type()),
                        annotation.pure(),
                        defaultTimeout));
            }
        }
    }

    Optional<Def> get(String name) {
        return Optional.ofNullable(defs.get(name));
    }

    /** Every known function, by name. */
    public List<Def> all() {
        return List.copyOf(new TreeMap<>(defs).values());
    }

    /** The time limit of one execution of a function that names none. */
    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /** Learns the call functions of a worker's hello; a new version replaces the one known. */
    public void announce(List<Message.FunctionInfo> catalog) {
        for (Message.FunctionInfo info : catalog) {
            if (info == null
                    || !"call".equals(info.kind())
                    || info.name() == null
                    || info.name().isBlank()
                    || info.name().length() > 200
                    || info.version() == null
                    || info.version().length() > 200) {
                continue;
            }
            Def known = defs.get(info.name());
            if (known != null && known.js()) {
                log.warn("A worker offers Java function '{}', which is registered as JavaScript; ignored", info.name());
                continue;
            }
            if (known != null && known.version().equals(info.version()) && known.pure() == info.isPure()) {
                continue;
            }
            if (known != null) {
                log.warn(
                        "Function '{}' changes from version {} to {}: calls now use (and cache) the new one",
                        info.name(),
                        known.version(),
                        info.version());
            }
            Duration timeout = known == null ? defaultTimeout : known.timeout();
            remember(new Def(info.name(), "java", info.version(), info.isPure(), timeout));
        }
    }

    /** Registers (or replaces) a JavaScript function. */
    public Def registerJs(String name, String hash, boolean pure, Duration timeout) {
        Def known = defs.get(name);
        if (known != null && !known.js()) {
            throw new PartitaException(
                    PartitaException.Kind.CONFLICT,
                    "conflict",
                    "'" + name + "' is a Java function; choose another name",
                    "name");
        }
        Def def = new Def(name, "js", hash, pure, timeout);
        remember(def);
        return def;
    }

    private void remember(Def def) {
        Def previous = defs.put(def.name(), def);
        if (!def.equals(previous)) {
            try {
                store.putFunction(new StoredFunction(
                        def.name(),
                        def.runtime(),
                        def.version(),
                        def.pure(),
                        def.timeout().toMillis(),
                        System.currentTimeMillis()));
            } catch (RuntimeException e) {
                log.warn("Could not store function {}: {}", def.name(), e.getMessage());
            }
        }
    }

    /** Names of the known functions, for error messages. */
    List<String> names() {
        return new ArrayList<>(new TreeMap<>(defs).keySet());
    }
}
