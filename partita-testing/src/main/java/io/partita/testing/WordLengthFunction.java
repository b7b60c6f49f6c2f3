package io.partita.testing;

import io.partita.api.Function;
import io.partita.api.JobFunction;
import io.partita.api.Params;
import io.partita.api.Preparation;
import io.partita.api.TaskContext;
import java.util.List;

/**
 * {@code test/words}: a prepare step that materialises its inputs, one partition per word of
 * {@code params.text}; each partition outputs its word's length, so the result is the number of
 * non-space characters.
 */
@Function("test/words")
public final class WordLengthFunction implements JobFunction<String, Long> {
    @Override
    public Class<String> inputType() {
        return String.class;
    }

    @Override
    public Class<Long> outputType() {
        return Long.class;
    }

    @Override
    public Preparation prepare(Params params) {
        return Preparation.inputs(List.of(params.getString("text", "").trim().split("\\s+")));
    }

    @Override
    public Long compute(String word, TaskContext context) {
        return (long) word.length();
    }

    @Override
    public Long combine(Long left, Long right) {
        return (left == null ? 0 : left) + (right == null ? 0 : right);
    }
}
