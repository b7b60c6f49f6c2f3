package io.partita.js;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.graalvm.polyglot.HostAccess;

/**
 * The one host object a module's context can reach, through the harness only: it makes the grid
 * calls of the task running in the context ({@code ctx.call}) and waits for their answers. Used by
 * one thread at a time (the one running the context). The time limit of the task pauses while it
 * waits.
 */
public final class CallBridge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsTaskContext.Calls calls;
    private Runnable pause = () -> {};
    private Runnable unpause = () -> {};
    private final Map<Long, CompletableFuture<JsonNode>> pending = new HashMap<>();
    private long next;

    CallBridge() {}

    void begin(JsTaskContext.Calls calls, Runnable pause, Runnable unpause) {
        this.calls = calls;
        this.pause = pause;
        this.unpause = unpause;
        pending.clear();
    }

    void end() {
        calls = null;
        pause = () -> {};
        unpause = () -> {};
        pending.clear();
    }

    /** Starts a call; returns its handle for {@link #await}. Arguments arrive as JSON text. */
    @HostAccess.Export
    public double call(String function, String argsJson) {
        if (calls == null) {
            throw new IllegalStateException("grid calls are not available here");
        }
        JsonNode args;
        try {
            args = JSON.readTree(argsJson);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the arguments are not JSON: " + e.getMessage());
        }
        long handle = ++next;
        pending.put(handle, calls.call(function, args));
        return handle;
    }

    /**
     * Waits for a call's answer: JSON text {@code {"ok": true, "value": ...}} or {@code {"ok": false,
     * "error": "..."}}.
     */
    @HostAccess.Export
    public String await(double handle) {
        CompletableFuture<JsonNode> future = pending.remove((long) handle);
        ObjectNode out = JSON.createObjectNode();
        if (future == null) {
            out.put("ok", false);
            out.put("error", "this call was already awaited");
            return out.toString();
        }
        boolean waited = !future.isDone();
        if (waited) {
            pause.run();
        }
        try {
            JsonNode value = future.get();
            out.put("ok", true);
            out.set("value", value);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            out.put("ok", false);
            out.put("error", cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.put("ok", false);
            out.put("error", "cancelled while waiting for a grid call");
        } finally {
            if (waited) {
                unpause.run();
            }
        }
        return out.toString();
    }
}
