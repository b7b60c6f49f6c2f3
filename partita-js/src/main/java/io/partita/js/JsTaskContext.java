package io.partita.js;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
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
 */
public record JsTaskContext(JsonNode params, long partition, int attempt, long partitions, Consumer<String> log) {

    /** Validates the fields. */
    public JsTaskContext {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(log, "log");
    }
}
