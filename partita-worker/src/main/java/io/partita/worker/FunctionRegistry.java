package io.partita.worker;

import io.partita.api.CallFunction;
import io.partita.api.Function;
import io.partita.api.FunctionVersion;
import io.partita.api.JobFunction;
import io.partita.api.MapReduceFunction;
import io.partita.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java functions on this worker's classpath, by name: every {@link JobFunction} and {@link
 * CallFunction} registered with {@link ServiceLoader} and annotated with {@link Function}, with the
 * version of each. Immutable once built.
 */
final class FunctionRegistry {
    private static final Logger log = LoggerFactory.getLogger(FunctionRegistry.class);

    private final Map<String, JobFunction<?, ?>> functions;
    private final Map<String, CallFunction> calls;
    private final Map<String, MapReduceFunction> mapReduce;
    private final List<Message.FunctionInfo> catalog;

    private FunctionRegistry(
            Map<String, JobFunction<?, ?>> functions,
            Map<String, CallFunction> calls,
            Map<String, MapReduceFunction> mapReduce,
            List<Message.FunctionInfo> catalog) {
        this.functions = Map.copyOf(functions);
        this.calls = Map.copyOf(calls);
        this.mapReduce = Map.copyOf(mapReduce);
        this.catalog = List.copyOf(catalog);
    }

    static FunctionRegistry load(ClassLoader loader) {
        return load(loader, List.of());
    }

    /** The functions of the classpath, only those named in {@code only} unless it is empty. */
    static FunctionRegistry load(ClassLoader loader, List<String> only) {
        List<Message.FunctionInfo> catalog = new ArrayList<>();
        Map<String, JobFunction<?, ?>> jobs = find(JobFunction.class, loader, "job", catalog);
        Map<String, CallFunction> calls = find(CallFunction.class, loader, "call", catalog);
        Map<String, MapReduceFunction> mapReduce = find(MapReduceFunction.class, loader, "mapreduce", catalog);
        if (!only.isEmpty()) {
            for (String name : only) {
                if (!jobs.containsKey(name) && !calls.containsKey(name) && !mapReduce.containsKey(name)) {
                    log.warn("--function {}: no such function on this worker's classpath", name);
                }
            }
            jobs.keySet().retainAll(only);
            calls.keySet().retainAll(only);
            mapReduce.keySet().retainAll(only);
            catalog.removeIf(info -> !only.contains(info.name()));
        }
        for (String name : calls.keySet()) {
            if (jobs.containsKey(name)) {
                log.warn("'{}' names both a job function and a call function; calls get the call function", name);
            }
        }
        return new FunctionRegistry(jobs, calls, mapReduce, catalog);
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static <T> Map<String, T> find(
            Class<?> kind, ClassLoader loader, String label, List<Message.FunctionInfo> catalog) {
        Map<String, T> found = new TreeMap<>();
        for (ServiceLoader.Provider provider :
                ServiceLoader.load(kind, loader).stream().toList()) {
            Class<?> type = provider.type();
            Function name = type.getAnnotation(Function.class);
            if (name == null) {
                log.warn("{} has no @Function annotation; it is not offered", type.getName());
                continue;
            }
            T previous = found.putIfAbsent(name.value(), (T) provider.get());
            if (previous != null) {
                log.warn(
                        "Two functions are named '{}': {} and {}; keeping the first",
                        name.value(),
                        previous.getClass().getName(),
                        type.getName());
                continue;
            }
            catalog.add(new Message.FunctionInfo(name.value(), label, FunctionVersion.of(type), name.pure()));
        }
        return found;
    }

    Optional<JobFunction<?, ?>> get(String name) {
        return Optional.ofNullable(functions.get(name));
    }

    Optional<CallFunction> call(String name) {
        return Optional.ofNullable(calls.get(name));
    }

    Optional<MapReduceFunction> mapReduce(String name) {
        return Optional.ofNullable(mapReduce.get(name));
    }

    /** The names of all functions: job, call and MapReduce. */
    List<String> names() {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(functions.keySet());
        all.addAll(calls.keySet());
        all.addAll(mapReduce.keySet());
        return List.copyOf(all);
    }

    /** Each function's kind, version and purity, for the hello. */
    List<Message.FunctionInfo> catalog() {
        return catalog;
    }
}
