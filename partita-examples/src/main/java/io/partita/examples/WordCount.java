package io.partita.examples;

import io.partita.api.Function;
import io.partita.api.MapReduceFunction;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Word count, the MapReduce classic: a word is a maximal run of characters other than ASCII white
 * space ({@code [ \t\n\x0B\f\r]}), counted case-sensitively. The map side combines, so a map task
 * sends each word once with its count.
 *
 * <p>It counts the words of any dataset: a text line is split as it is; a CSV row (a {@code Map} of
 * column to value) and a JSON-lines record (maps, lists, scalars) contribute the words of each of
 * their values, in order, never their column names or keys; {@code null} has none. Earlier it cast
 * every record to {@code String} and failed on the README's own CSV example with a raw {@code
 * ClassCastException}.
 *
 * <pre>{@code
 * POST /api/mapreduce {"dataset": "<id>", "function": "examples/wordcount", "reducers": 2}
 * }</pre>
 *
 * The JavaScript twin is {@code examples/js/wordcount.mjs}; both give the same output.
 */
@Function("examples/wordcount")
public final class WordCount implements MapReduceFunction {

    @Override
    public void map(Object record, Emitter emit) {
        switch (record) {
            case null -> {}
            case String line -> words(line, emit);
            case Map<?, ?> row -> {
                for (Object value : row.values()) {
                    map(value, emit);
                }
            }
            case Collection<?> values -> {
                for (Object value : values) {
                    map(value, emit);
                }
            }
            default -> words(record.toString(), emit);
        }
    }

    private static void words(String line, Emitter emit) {
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && space(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !space(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                emit.emit(line.substring(start, i), 1);
            }
        }
    }

    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    @Override
    public boolean combines() {
        return true;
    }

    @Override
    public void combine(Object word, List<Object> counts, Emitter emit) {
        reduce(word, counts, emit);
    }

    @Override
    public void reduce(Object word, List<Object> counts, Emitter emit) {
        long sum = 0;
        for (Object c : counts) {
            sum += ((Number) c).longValue();
        }
        emit.emit(word, sum);
    }
}
