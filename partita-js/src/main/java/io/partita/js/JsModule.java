package io.partita.js;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * One JavaScript job module, loaded from {@link JsRuntime#module(String, String)}.
 *
 * <p>Thread-safe: each call borrows a context from the module's pool, so calls run in parallel on
 * separate contexts. Values cross in both directions as JSON text only; {@code undefined} comes back
 * as JSON {@code null}. A failing call throws {@link JsTaskException} and leaves the module usable;
 * a context that was cancelled (timeout, statement limit) is discarded, never reused.
 */
public interface JsModule {

    /** The module's content hash, as given to {@link JsRuntime#module(String, String)}. */
    String hash();

    /**
     * Whether the module exports a function of that name. False also when the module does not load
     * (the calls then say why).
     */
    boolean has(String export);

    /** Runs {@code prepare(params)}: an array of inputs, or {@code {count: n}}. */
    JsonNode prepare(JsonNode params, Duration timeout) throws JsTaskException;

    /** Runs {@code input(params, index)}: the input of partition {@code index}. */
    JsonNode input(JsonNode params, long index, Duration timeout) throws JsTaskException;

    /** Runs {@code compute(input, ctx)}, awaiting a returned promise. */
    JsonNode compute(JsonNode input, JsTaskContext ctx, Duration timeout) throws JsTaskException;

    /**
     * Runs {@code log(event, ctx)}, the module's logger, for one job event; returns what it returned
     * (what it printed goes to {@code ctx.log}).
     */
    JsonNode log(JsonNode event, JsTaskContext ctx, Duration timeout) throws JsTaskException;

    /**
     * Runs {@code call(args, ctx)}, the export of a module registered as a grid function, awaiting a
     * returned promise. The time limit does not run while the call waits for its own grid calls.
     */
    JsonNode invoke(JsonNode args, JsTaskContext ctx, Duration timeout) throws JsTaskException;

    /** Runs {@code combine(a, b)}. */
    JsonNode combine(JsonNode a, JsonNode b, Duration timeout) throws JsTaskException;

    /** Runs {@code collect(outputs, params)}. */
    JsonNode collect(List<JsonNode> outputs, JsonNode params, Duration timeout) throws JsTaskException;

    /**
     * What the data engine made of a map or reduce task: the runs (map) or the single output
     * (reduce) as text, and the counters as JSON text.
     */
    record DataResult(List<String> parts, String counters) {}

    /**
     * Runs the map side of a MapReduce task over one split with the module's {@code map} (and
     * {@code combine}, if exported), through the data engine ({@code PartitaData.map}).
     *
     * @param info the split info as JSON text (format, columns, onBadRecord, firstLine)
     */
    DataResult mapSplit(String text, String info, int reducers, Duration timeout) throws JsTaskException;

    /** Runs the reduce side of a MapReduce task over the runs of every map task, in map order. */
    DataResult reduceRuns(List<String> runs, Duration timeout) throws JsTaskException;
}
