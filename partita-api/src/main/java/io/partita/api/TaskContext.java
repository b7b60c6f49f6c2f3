package io.partita.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;

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

    /**
     * Calls a function through the grid ({@link CallFunction}): the call runs on some worker, or is
     * answered from the cache, or joins an identical call in flight. The future completes with the
     * result as JSON, or exceptionally with a {@link GridCallException} carrying the callee's error.
     *
     * <p>Wait for it with {@code get()} or {@code join()} (also on futures derived from it with
     * {@code then...}): while waiting, the task gives its worker slot up. A plain future made by
     * {@link CompletableFuture#allOf} does not; wait for each call's future instead.
     *
     * @param function the function's name
     * @param args the arguments, converted to JSON with Jackson
     * @throws UnsupportedOperationException where the task does not run on a connected worker
     */
    default CompletableFuture<JsonNode> call(String function, Object... args) {
        throw new UnsupportedOperationException("grid calls need a worker connected to a coordinator");
    }

    /** Like {@link #call(String, Object...)}, converting the result to {@code type} with Jackson. */
    default <T> CompletableFuture<T> call(Class<T> type, String function, Object... args) {
        throw new UnsupportedOperationException("grid calls need a worker connected to a coordinator");
    }
}
