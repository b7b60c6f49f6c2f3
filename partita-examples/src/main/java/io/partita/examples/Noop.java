package io.partita.examples;

import io.partita.api.Function;
import io.partita.api.JobFunction;
import io.partita.api.TaskContext;

/**
 * {@code examples/noop}: does nothing and outputs 1, so the result is the number of partitions.
 * Used to measure the per-task overhead of the grid.
 */
@Function("examples/noop")
public final class Noop implements JobFunction<Long, Long> {
    @Override
    public Class<Long> inputType() {
        return Long.class;
    }

    @Override
    public Class<Long> outputType() {
        return Long.class;
    }

    @Override
    public Long compute(Long input, TaskContext context) {
        return 1L;
    }

    @Override
    public Long combine(Long left, Long right) {
        return (left == null ? 0 : left) + (right == null ? 0 : right);
    }
}
