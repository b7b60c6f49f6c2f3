package io.partita.api;

/**
 * What a running task knows about itself. Given to {@link JobFunction#compute}; one instance per
 * task attempt, used by one thread.
 */
public interface TaskContext {

    /** The job's id. */
    String jobId();

    /** The job's parameters. */
    Params params();

    /** The partition index, in [0, partitions). */
    long partition();

    /** The job's partition count. */
    long partitions();

    /** The attempt number, starting at 1; greater after a failure, timeout or lost worker. */
    int attempt();

    /**
     * An identifier of the coordinator process that leased this attempt; it changes when the
     * coordinator restarts. Useful to tell executions before and after a restart apart.
     */
    String coordinatorInstance();

    /** Whether the coordinator has cancelled this task or its job; long loops should check it. */
    boolean cancelled();

    /**
     * Prints a line for the job's event log: the lines a task prints are kept with its partition's
     * event ({@code GET /api/jobs/{id}/events}), at most 100 per task.
     */
    void log(String message);
}
