package io.partita.store;

import java.util.Objects;

/**
 * How many attempts of one task of a job failed so far (a task's error or time-out; never a lost
 * worker or a store failure). Level -1 is a job's prepare task.
 *
 * @param jobId the job
 * @param level the task's level (-1 prepare, 0 partitions, 1.. combine nodes)
 * @param index the task's index within its level
 * @param failures failed attempts, at least 1
 */
public record TaskFailures(String jobId, int level, long index, int failures) {
    /** Validates the fields. */
    public TaskFailures {
        Objects.requireNonNull(jobId, "jobId");
        if (level < -1 || index < 0 || failures < 1) {
            throw new IllegalArgumentException("level must be >= -1, index >= 0 and failures >= 1, were " + level + ", "
                    + index + ", " + failures);
        }
    }
}
