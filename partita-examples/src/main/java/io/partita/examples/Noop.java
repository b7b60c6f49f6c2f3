package io.partita.examples;

import io.partita.api.Function;
import io.partita.api.LongSum;
import io.partita.api.TaskContext;

/**
 * {@code examples/noop}: does nothing and outputs 1, so the result is the number of partitions.
 * Used to measure the per-task overhead of the grid.
 */
@Function("examples/noop")
public final class Noop extends LongSum {

    @Override
    public Long compute(Long input, TaskContext context) {
        return 1L;
    }
}
