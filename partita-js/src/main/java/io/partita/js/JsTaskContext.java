package io.partita.js;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What a {@code compute} call sees as its {@code ctx} argument: {@code ctx.params}, {@code
 * ctx.partition}, {@code ctx.attempt}, {@code ctx.partitions} and {@code ctx.log(message)}.
 *
 * <p>Messages passed to {@code ctx.log} (and {@code console.log}) are buffered inside the context and
 * handed to {@code log} after the call ends, successful or not, in order; at most 1000 per call, each
 * cut to 4096 characters.
 *
 * @param params the job's parameters
 * @param partition the index of the partition being computed, from 0
 * @param attempt the attempt number, from 1
 * @param partitions the number of partitions of the job
 * @param log receives the messages the call logged
 * @param calls makes the task's grid calls ({@code await ctx.call(fn, ...args)}); null where the
 *     task cannot make any
 */
public record JsTaskContext(
        JsonNode params, long partition, int attempt, long partitions, Consumer<String> log, Calls calls) {

    /** Validates the fields. */
    public JsTaskContext {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(log, "log");
    }

    /** A context whose task makes no grid calls. */
    public JsTaskContext(JsonNode params, long partition, int attempt, long partitions, Consumer<String> log) {
        this(params, partition, attempt, partitions, log, null);
    }

    /**
     * How a task makes grid calls. Waiting on the returned future with {@code get()} must be allowed
     * to block the calling thread: the module's code awaits the answer on it.
     */
    @FunctionalInterface
    public interface Calls {
        /** Calls {@code function} with {@code args} (a JSON array) through the grid. */
        CompletableFuture<JsonNode> call(String function, JsonNode args);
    }
}
