package io.partita.api;

import java.util.List;

/**
 * The code of a MapReduce job over a dataset: {@code map} turns each record into key/value pairs,
 * the optional {@code combine} merges a map task's values of one key before they leave the worker,
 * and {@code reduce} turns all values of one key into output pairs. Keys are routed to the job's
 * reduce partitions by a stable hash of their JSON form and reach {@code reduce} in the order of
 * that JSON text.
 *
 * <p>Records are what the dataset's format gives: a {@code String} per line of a text dataset, a
 * {@code Map<String, String>} (column to value, in header order) per row of a CSV dataset, and
 * the parsed value (maps, lists, strings, numbers, booleans, null) per line of a JSON-lines dataset.
 * Keys and values must be convertible to JSON with Jackson; after the shuffle they arrive as
 * plain JSON values, numbers as {@code Integer}, {@code Long} or {@code Double}.
 *
 * <p>Implementations are registered with {@link java.util.ServiceLoader} (a line in {@code
 * META-INF/services/io.partita.api.MapReduceFunction}), carry a {@link Function} annotation with
 * their name and have a public no-argument constructor. One instance may serve several tasks at
 * once, so they must be thread-safe.
 *
 * <pre>{@code
 * @Function("examples/wordcount")
 * public final class WordCount implements MapReduceFunction {
 *     public void map(Object line, Emitter emit) {
 *         for (String word : ((String) line).split("\\W+")) {
 *             if (!word.isEmpty()) emit.emit(word.toLowerCase(Locale.ROOT), 1);
 *         }
 *     }
 *     public boolean combines() { return true; }
 *     public void combine(Object word, List<Object> counts, Emitter emit) { reduce(word, counts, emit); }
 *     public void reduce(Object word, List<Object> counts, Emitter emit) {
 *         long sum = 0;
 *         for (Object c : counts) sum += ((Number) c).longValue();
 *         emit.emit(word, sum);
 *     }
 * }
 * }</pre>
 */
public interface MapReduceFunction {

    /** Receives the pairs a function emits. */
    @FunctionalInterface
    interface Emitter {
        /** Emits one key/value pair. */
        void emit(Object key, Object value);
    }

    /**
     * Maps one record to any number of pairs.
     *
     * @throws Exception any failure; the task fails with its message
     */
    void map(Object record, Emitter emit) throws Exception;

    /** Whether {@link #combine} is implemented and should run on map output. */
    default boolean combines() {
        return false;
    }

    /**
     * Merges some values of one key on the map side; it must emit pairs of the same key and must
     * not change the job's result when it runs on any subset of the values, any number of times.
     */
    default void combine(Object key, List<Object> values, Emitter emit) throws Exception {
        throw new UnsupportedOperationException("combine is not implemented");
    }

    /**
     * Reduces all values of one key, in map-task order, to output pairs.
     *
     * @throws Exception any failure; the task fails with its message
     */
    void reduce(Object key, List<Object> values, Emitter emit) throws Exception;
}
