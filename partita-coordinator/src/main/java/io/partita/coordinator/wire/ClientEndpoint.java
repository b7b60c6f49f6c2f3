package io.partita.coordinator.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.partita.coordinator.calls.CallService;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.sched.CallRun;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client connection ({@code /ws/client}, used by {@code PartitaClient}): one JSON text message per
 * call, {@code {"id": 7, "function": "examples/fib", "args": [30]}}, answered in any order by {@code
 * {"id": 7, "ok": true, "result": 832040, "cached": false}} or {@code {"id": 7, "ok": false, "error":
 * "...", "code": "failed"}}. A message may also be an array of calls (and answers may come as an
 * array). A client may have any number
 * of calls in flight (pipelining); a bad
 * request is answered with an error and the connection stays open. One instance per connection.
 */
public final class ClientEndpoint implements WsListener {
    private static final Logger log = LoggerFactory.getLogger(ClientEndpoint.class);
    private static final int MAX_BATCH = 256;

    private final CallService calls;
    private final ObjectMapper mapper;
    private final int maxFrameBytes;
    private final ConcurrentLinkedQueue<ObjectNode> out = new ConcurrentLinkedQueue<>();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private volatile WsSession session;
    private StringBuilder partial;
    private volatile boolean closed;

    /** A client connection's session: calls go to {@code calls}; frames are at most {@code maxFrameBytes}. */
    public ClientEndpoint(CallService calls, ObjectMapper mapper, int maxFrameBytes) {
        this.calls = calls;
        this.mapper = mapper;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void onOpen(WsSession session) {
        this.session = session;
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
        flush();
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
        flush(); // answers known now (cache hits, errors) go out on this thread, without a hand-off
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
        } catch (PartitaException e) {
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
                    flushLater();
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

    /**
     * Answers completed on another thread (the one that received a worker's result) are written by a
     * virtual thread, so that a slow client never holds up a worker's connection.
     */
    private void flushLater() {
        if (flushScheduled.compareAndSet(false, true)) {
            Thread.ofVirtual().name("partita-client-sender").start(() -> {
                flushScheduled.set(false);
                flush();
            });
        }
    }

    /** Writes queued answers, batched; one writer at a time, others leave theirs to it. */
    private void flush() {
        while (!out.isEmpty() && !closed && sendLock.tryLock()) {
            try {
                List<ObjectNode> items = new ArrayList<>();
                ObjectNode item;
                while (items.size() < MAX_BATCH && (item = out.poll()) != null) {
                    items.add(item);
                }
                if (!items.isEmpty()) {
                    byte[] bytes = mapper.writeValueAsBytes(items.size() == 1 ? items.get(0) : items);
                    session.send(new String(bytes, StandardCharsets.UTF_8), true);
                }
            } catch (Exception e) {
                log.debug("Cannot write to a client connection", e);
                closed = true;
                out.clear();
            } finally {
                sendLock.unlock();
            }
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        closed = true;
        out.clear();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        log.debug("Client connection error", t);
        closed = true;
        out.clear();
    }
}
