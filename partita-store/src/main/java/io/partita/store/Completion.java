package io.partita.store;

import java.util.Objects;

/**
 * One task output to make durable.
 *
 * @param jobId the job
 * @param level 0 for a partition, k > 0 for a combine node
 * @param index index within the level
 * @param attempt the attempt that produced it
 * @param output the output, JSON bytes
 * @param childrenFrom for a combine node, the first child index (at level - 1) whose row is
 *     deleted in the same transaction; -1 for none
 * @param childrenTo exclusive end of the deleted children range
 * @param root whether this output is the job's result: the job is then marked done in the same
 *     transaction (unless it already reached a final status)
 */
public record Completion(
        String jobId,
        int level,
        long index,
        int attempt,
        byte[] output,
        long childrenFrom,
        long childrenTo,
        boolean root) {

    /** Checks the fields. */
    public Completion {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(output, "output");
        if (level < 0 || index < 0) {
            throw new IllegalArgumentException("level and index must not be negative");
        }
    }
}
