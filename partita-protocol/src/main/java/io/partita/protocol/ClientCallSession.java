package io.partita.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.api.GridCallException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's end of one connection of the client protocol ({@code /ws/client}): numbers each grid
 * call, keeps its future until the answer with that id arrives, batches queued requests into one
 * frame and fails every pending call when the connection is lost. No I/O of its own: a transport
 * writes the frames it hands to {@link Transport#send} and feeds it the coordinator's frames with
 * {@link #receive}. Thread-safe.
 *
 * <p>Wire format: a request is {@code {"id": 7, "function": "examples/fib", "args": [30]}}, several
 * queued requests go out as one JSON array; an answer is {@code {"id": 7, "ok": true, "result":
 * 832040, "cached": false}} or {@code {"id": 7, "ok": false, "error": "...", "code": "..."}}, alone
 * or in an array, in any order.
 */
public final class ClientCallSession {
    /*
     * Pending calls live in `pending` from call() until their answer, a timeout, or the connection's
     * loss, whichever comes first; each future completes once. Requests wait in `out` until a flush
     * sends up to MAX_BATCH of them in one frame: a lone call is flushed on the caller's thread at
     * once (lowest latency), a call made while others are in flight asks the transport to flush
     * soon, so that requests made meanwhile leave together. One thread sends at a time; the others
     * leave their requests to it (tryLock).
     */

    /** Most requests in one frame. */
    public static final int MAX_BATCH = 256;

    /** Where a {@link ClientCallSession} writes. */
    public interface Transport {
        /** Writes one text frame; may block. Called by one thread at a time. */
        void send(String text) throws Exception;

        /** Requests are waiting: call {@link ClientCallSession#flush()} soon on another thread. */
        void outputReady();

        /** The session gave up on the connection: close the socket. */
        void close();
    }

    private final ObjectMapper mapper;
    private final Transport transport;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Queue<ObjectNode> out = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong();
    private final ReentrantLock sendLock = new ReentrantLock();
    private volatile boolean closed;

    /** A session for one new connection, reading and writing JSON with {@code mapper}. */
    public ClientCallSession(ObjectMapper mapper, Transport transport) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /**
     * Calls {@code function} with {@code args}. The future completes with the result (JSON {@code
     * null} as a {@link NullNode}), or exceptionally with a {@link GridCallException} (the function
     * failed, the coordinator refused the call, the connection was lost) or a {@link
     * java.util.concurrent.TimeoutException} after {@code timeout}.
     */
    public CompletableFuture<JsonNode> call(String function, ArrayNode args, Duration timeout) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        pending.put(id, future);
        ObjectNode request = JsonNodeFactory.instance.objectNode();
        request.put("id", id);
        request.put("function", function);
        request.set("args", args);
        out.add(request);
        if (pending.size() <= 1) {
            flush(); // alone: out at once, on this thread
        } else {
            transport.outputReady(); // pipelining: a sender takes many requests along in one frame
        }
        if (closed) {
            fail(id);
        }
        return future.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((v, e) -> {
            if (e != null) {
                pending.remove(id);
            }
        });
    }

    /**
     * Sends what is queued. The calling thread sends itself unless another is sending, which then
     * takes its requests along. A failed send loses the connection.
     */
    public void flush() {
        while (!out.isEmpty() && !closed && sendLock.tryLock()) {
            try {
                List<ObjectNode> items = new ArrayList<>();
                ObjectNode item;
                while (items.size() < MAX_BATCH && (item = out.poll()) != null) {
                    items.add(item);
                }
                if (!items.isEmpty()) {
                    transport.send(mapper.writeValueAsString(items.size() == 1 ? items.get(0) : items));
                }
            } catch (Exception e) {
                lost("cannot send to the coordinator: " + e.getMessage());
            } finally {
                sendLock.unlock();
            }
        }
    }

    /** Takes one frame from the coordinator; one that cannot be read loses the connection. */
    public void receive(String text) {
        try {
            JsonNode message = mapper.readTree(text);
            if (message.isArray()) {
                message.forEach(this::answer);
            } else {
                answer(message);
            }
        } catch (Exception e) {
            lost("the coordinator sent an unreadable answer");
        }
    }

    private void answer(JsonNode a) {
        JsonNode id = a.get("id");
        if (id == null || !id.canConvertToLong()) {
            return; // an answer to no call of ours (the coordinator could not read a request)
        }
        CompletableFuture<JsonNode> f = pending.remove(id.longValue());
        if (f == null) {
            return; // timed out here already
        }
        if (a.path("ok").asBoolean(false)) {
            JsonNode result = a.get("result");
            f.complete(result == null ? NullNode.getInstance() : result);
        } else {
            f.completeExceptionally(new GridCallException(a.path("error").asText("the call failed")));
        }
    }

    private void fail(long id) {
        CompletableFuture<JsonNode> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(new GridCallException("the connection to the coordinator was lost"));
        }
    }

    /**
     * The connection is lost (or the client closes it): the socket is closed through the transport
     * and every pending call fails with a {@link GridCallException} saying {@code why}. Idempotent for
     * the calls: each fails once.
     */
    public void lost(String why) {
        closed = true;
        out.clear();
        transport.close();
        for (Long id : List.copyOf(pending.keySet())) {
            CompletableFuture<JsonNode> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(new GridCallException(why));
            }
        }
    }

    /** Whether the connection is lost. */
    public boolean isClosed() {
        return closed;
    }

    /** The calls waiting for an answer. */
    public int pending() {
        return pending.size();
    }
}
