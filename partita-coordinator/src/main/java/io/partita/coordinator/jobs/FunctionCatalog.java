package io.partita.coordinator.jobs;

import io.partita.api.Function;
import io.partita.api.FunctionVersion;
import io.partita.api.JobFunction;
import io.partita.coordinator.common.PartitaException;
import io.partita.protocol.Message;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The function names a job may use: those on the coordinator's classpath (read from the {@link
 * Function} annotation without instantiating anything, so no user code runs here) and those any
 * worker has announced in its hello. Thread-safe.
 */
public final class FunctionCatalog {
    private final Set<String> names = new ConcurrentSkipListSet<>();
    private final Map<String, String> versions = new ConcurrentHashMap<>();

    /** A catalog that knows no functions yet. */
    public FunctionCatalog() {
        for (ServiceLoader.Provider<JobFunction> provider :
                ServiceLoader.load(JobFunction.class).stream().toList()) {
            Function annotation = provider.type().getAnnotation(Function.class);
            if (annotation != null) {
                names.add(annotation.value());
                if (annotation.pure()) {
                    versions.put(annotation.value(), FunctionVersion.of(provider.type()));
                }
            }
        }
    }

    /** Learns the versions of job functions from a worker's hello; the newest announcement wins. */
    public void announceVersions(List<Message.FunctionInfo> catalog) {
        for (Message.FunctionInfo info : catalog) {
            if (info != null
                    && "job".equals(info.kind())
                    && info.name() != null
                    && info.version() != null
                    && info.version().length() <= 200
                    && names.contains(info.name())) {
                if (info.isPure()) {
                    versions.put(info.name(), info.version());
                } else {
                    versions.remove(info.name()); // an impure function's jobs never reuse outputs
                }
            }
        }
    }

    /**
     * The version of a pure job function's code, if known: part of a job's fingerprint. Empty for a
     * function declared impure ({@code @Function(pure = false)}).
     */
    public Optional<String> version(String function) {
        return Optional.ofNullable(versions.get(function));
    }

    /** Learns the job functions a worker offers (names longer than 200 characters are ignored). */
    public void announce(Collection<String> functions) {
        for (String f : functions) {
            if (f != null && !f.isBlank() && f.length() <= 200 && (names.size() < MAX_NAMES || names.contains(f))) {
                names.add(f);
            }
        }
    }

    boolean knows(String function) {
        return names.contains(function);
    }

    /**
     * Checks that a worker has announced {@code function}.
     *
     * @throws PartitaException ({@code unknown_function}, naming {@code function}) if none has
     */
    public void require(String function) {
        if (!knows(function)) {
            throw new PartitaException(
                    PartitaException.Kind.INVALID,
                    "unknown_function",
                    "unknown function '" + function + "'; known functions are " + someNames(),
                    "function");
        }
    }

    /** Most names an error lists; the rest are counted. */
    static final int LISTED_NAMES = 20;

    /** Most names the catalog keeps; later announcements of new names are ignored. */
    public static final int MAX_NAMES = 10_000;

    /** At most {@link #LISTED_NAMES} names, then how many more: an error must not grow with the catalog. */
    private String someNames() {
        Set<String> all = names();
        if (all.size() <= LISTED_NAMES) {
            return all.toString();
        }
        return all.stream().limit(LISTED_NAMES).toList().toString().replaceFirst("]$", "") + ", and "
                + (all.size() - LISTED_NAMES) + " more]";
    }

    Set<String> names() {
        return new TreeSet<>(names);
    }
}
