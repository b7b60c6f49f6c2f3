package io.partita.worker;

import io.partita.api.Function;
import io.partita.api.JobFunction;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java job functions on this worker's classpath, by name: every {@link JobFunction} registered
 * with {@link ServiceLoader} and annotated with {@link Function}. Immutable once built.
 */
final class FunctionRegistry {
    private static final Logger log = LoggerFactory.getLogger(FunctionRegistry.class);

    private final Map<String, JobFunction<?, ?>> functions;

    private FunctionRegistry(Map<String, JobFunction<?, ?>> functions) {
        this.functions = Map.copyOf(functions);
    }

    @SuppressWarnings("rawtypes")
    static FunctionRegistry load(ClassLoader loader) {
        Map<String, JobFunction<?, ?>> found = new TreeMap<>();
        for (ServiceLoader.Provider<JobFunction> provider :
                ServiceLoader.load(JobFunction.class, loader).stream().toList()) {
            Function name = provider.type().getAnnotation(Function.class);
            if (name == null) {
                log.warn(
                        "{} has no @Function annotation; it is not offered",
                        provider.type().getName());
                continue;
            }
            JobFunction<?, ?> previous = found.putIfAbsent(name.value(), provider.get());
            if (previous != null) {
                log.warn(
                        "Two functions are named '{}': {} and {}; keeping the first",
                        name.value(),
                        previous.getClass().getName(),
                        provider.type().getName());
            }
        }
        return new FunctionRegistry(found);
    }

    Optional<JobFunction<?, ?>> get(String name) {
        return Optional.ofNullable(functions.get(name));
    }

    java.util.List<String> names() {
        return java.util.List.copyOf(functions.keySet());
    }
}
