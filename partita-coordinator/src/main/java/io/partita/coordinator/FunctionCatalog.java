package io.partita.coordinator;

import io.partita.api.Function;
import io.partita.api.JobFunction;
import java.util.Collection;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The function names a job may use: those on the coordinator's classpath (read from the {@link
 * Function} annotation without instantiating anything, so no user code runs here) and those any
 * worker has announced in its hello. Thread-safe.
 */
final class FunctionCatalog {
    private final Set<String> names = new ConcurrentSkipListSet<>();

    FunctionCatalog() {
        ServiceLoader.load(JobFunction.class).stream()
                .map(provider -> provider.type().getAnnotation(Function.class))
                .filter(annotation -> annotation != null)
                .forEach(annotation -> names.add(annotation.value()));
    }

    void announce(Collection<String> functions) {
        for (String f : functions) {
            if (f != null && !f.isBlank() && f.length() <= 200) {
                names.add(f);
            }
        }
    }

    boolean knows(String function) {
        return names.contains(function);
    }

    Set<String> names() {
        return new TreeSet<>(names);
    }
}
