package io.partita.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client connection ({@code /ws/client}, used by {@code PartitaClient}): one JSON text message per
 * call, {@code {"id": 7, "function": "examples/fib", "args": [30]}}, answered in any order by {@code
 * {"id": 7, "ok": true, "result": 832040, "cached": false}} or {@code {"id": 7, "ok": false, "error":
 * "...", "code": "failed"}}. A message may also be an array of calls. A client may have any number
 * of calls in flight (pipelining); a bad
 * request is answered with an error and the connection stays open. One instance per connection.
 */
final class ClientEndpoint implements WsListener {
    private static final Logger log = LoggerFactory.getLogger(ClientEndpoint.class);
    private static final Object STOP = new Object();

    private final CallService calls;
    private final ObjectMapper mapper;
    private final int maxFrameBytes;
    private final LinkedBlockingQueue<Object> out = new LinkedBlockingQueue<>();
    private StringBuilder partial;
    private volatile boolean closed;

    ClientEndpoint(CallService calls, ObjectMapper mapper, int maxFrameBytes) {
        this.calls = calls;
        this.mapper = mapper;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void onOpen(WsSession session) {
        Thread.ofVirtual().name("partita-client-sender").start(() -> send(session));
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (!last || partial != null) {
            if (partial == null) {
                partial = new StringBuilder();
            }
            partial.append(text);
            if (partial.length() > maxFrameBytes) {
                closed = true;
                out.add(STOP);
                session.close(1009, "message larger than " + maxFrameBytes + " bytes");
                return;
            }
            if (!last) {
                return;
            }
            text = partial.toString();
            partial = null;
        }
        handle(text);
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        out.add(error(null, "invalid", "send calls as JSON text messages"));
    }

    private void handle(String text) {
        JsonNode message;
        try {
            message = mapper.readTree(text);
        } catch (Exception e) {
            out.add(error(null, "malformed_json", "the message is not valid JSON"));
            return;
        }
        if (message != null && message.isArray()) {
            message.forEach(this::call); // a client batches the requests it has queued
        } else {
            call(message);
        }
    }

    private void call(JsonNode request) {
        JsonNode id = request == null ? null : request.get("id");
        if (request == null || !request.isObject() || id == null || !(id.isIntegralNumber() || id.isTextual())) {
            out.add(error(id, "invalid", "expected {\"id\": n, \"function\": \"...\", \"args\": [...]}"));
            return;
        }
        CallService.Request call;
        try {
            call = calls.request(request.get("function"), request.get("args"));
        } catch (ApiException e) {
            ObjectNode answer = error(id, e.code(), e.getMessage());
            e.field().ifPresent(f -> answer.put("field", f));
            out.add(answer);
            return;
        }
        CompletableFuture<CallRun.Outcome> future = calls.submit(call);
        CallRun.Outcome done = future.getNow(null);
        if (done != null) {
            out.add(answer(id, done));
        } else {
            future.thenAccept(outcome -> {
                if (!closed) {
                    out.add(answer(id, outcome));
                }
            });
        }
    }

    private static ObjectNode answer(JsonNode id, CallRun.Outcome outcome) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.set("id", id);
        answer.put("ok", outcome.ok());
        if (outcome.ok()) {
            answer.set("result", outcome.value());
            answer.put("cached", outcome.cached());
        } else {
            answer.put("error", outcome.error());
            answer.put("code", "failed");
        }
        return answer;
    }

    private static ObjectNode error(JsonNode id, String code, String message) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.set("id", id);
        answer.put("ok", false);
        answer.put("error", message);
        answer.put("code", code);
        return answer;
    }

    /** The connection's only writer. */
    private void send(WsSession session) {
        List<Object> items = new ArrayList<>();
        try {
            while (true) {
                items.add(out.take());
                out.drainTo(items, 1024);
                for (Object item : items) {
                    if (item == STOP) {
                        return;
                    }
                    byte[] bytes = mapper.writeValueAsBytes(item);
                    session.send(new String(bytes, StandardCharsets.UTF_8), true);
                }
                items.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Cannot write to a client connection", e);
            closed = true;
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        closed = true;
        out.add(STOP);
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        log.debug("Client connection error", t);
        closed = true;
        out.add(STOP);
    }
}
