package io.partita.testing;

import io.partita.api.Function;
import io.partita.api.LongSum;
import io.partita.api.TaskContext;

/**
 * {@code test/fail}: partition {@code params.partition} throws on its first {@code params.failures}
 * attempts (default: always) with the message {@code params.message}; every other partition
 * outputs 1. {@code params.sleepPartition} instead sleeps for {@code params.sleepMillis} on its
 * first attempt, to exercise timeouts.
 */
@Function(value = "test/fail", pure = false)
public final class FailingFunction extends LongSum {

    @Override
    public Long compute(Long partition, TaskContext context) throws Exception {
        var params = context.params();
        if (partition == params.getLong("partition", -1)
                && context.attempt() <= params.getLong("failures", Long.MAX_VALUE)) {
            throw new IllegalStateException(params.getString("message", "boom"));
        }
        if (partition == params.getLong("sleepPartition", -1) && context.attempt() == 1) {
            Thread.sleep(params.getLong("sleepMillis", 60_000));
        }
        return 1L;
    }
}
