package io.partita.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The coordinator's end of one connection of the client protocol ({@code /ws/client}): joins
 * fragments, reads each frame as one call or an array of calls, checks each request's shape, hands
 * it to a {@link Handler}, and answers every request exactly once, in any order, batching answers
 * that are ready together into one frame. No I/O of its own. A bad request is answered with an error
 * (codes {@code malformed_json}, {@code invalid}, or the handler's) and the connection stays open;
 * only a message above the size limit closes it (1009). See {@link ClientCallSession} for the wire
 * format.
 *
 * <p>Thread-safety: the {@code receive} methods must be called by one thread at a time (the
 * socket's reader); {@link #flush()}, {@link #closed()} and answers completing may happen on any
 * thread.
 */
public final class CoordinatorCallSession {
    /*
     * Answers wait in `out` until a flush writes up to MAX_BATCH of them as one frame (an object
     * when alone, else an array). After a frame is read, answers already known (errors, cache hits)
     * are flushed on the reading thread; an answer that completes later, on whatever thread
     * completed the call, asks the transport to flush soon, so that a slow client never holds up
     * that thread. One writer at a time; others leave their answers to it.
     */

    /** Most answers in one frame. */
    public static final int MAX_BATCH = 256;

    /**
     * The outcome of a call.
     *
     * @param ok whether the function succeeded
     * @param value its result when ok
     * @param cached whether the result came from the cache
     * @param error the function's error when not ok
     */
    public record Outcome(boolean ok, JsonNode value, boolean cached, String error) {}

    /** A call the coordinator refuses (unknown function, bad arguments); answered as an error. */
    public static final class RefusedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String code;
        private final String field;

        /**
         * A refusal with an error {@code code} (e.g. {@code not_found}), a message, and the name of
         * the offending request field, if one is to blame.
         */
        public RefusedException(String code, String message, Optional<String> field) {
            super(message);
            this.code = Objects.requireNonNull(code, "code");
            this.field = field.orElse(null);
        }

        /** The error code sent in the answer. */
        public String code() {
            return code;
        }

        /** The request field to blame, sent as {@code field}. */
        public Optional<String> field() {
            return Optional.ofNullable(field);
        }
    }

    /** What a {@link CoordinatorCallSession} asks of the coordinator. */
    public interface Handler {
        /**
         * Starts a call of {@code function} (as sent: may be missing or not text) with {@code args}.
         *
         * @return the call's outcome, possibly already complete
         * @throws RefusedException if the call cannot be made
         */
        CompletionStage<Outcome> call(JsonNode function, JsonNode args);
    }

    /** Where a {@link CoordinatorCallSession} writes. */
    public interface Transport {
        /**
         * Writes one text frame; may block. Called by one thread at a time. A failure thrown here
         * closes the session: no more answers are written.
         */
        void send(String text) throws Exception;

        /** Answers are waiting: call {@link CoordinatorCallSession#flush()} soon on another thread. */
        void outputReady();

        /** Closes the socket with {@code code} and {@code reason}. */
        void close(int code, String reason);
    }

    private final ObjectMapper mapper;
    private final int maxFrameBytes;
    private final Transport transport;
    private final Handler handler;
    private final Queue<ObjectNode> out = new ConcurrentLinkedQueue<>();
    private final ReentrantLock sendLock = new ReentrantLock();
    private StringBuilder partial;
    private volatile boolean closed;

    /**
     * A session for one new connection, reading and writing JSON with {@code mapper} and accepting
     * messages of at most {@code maxFrameBytes} characters.
     */
    public CoordinatorCallSession(ObjectMapper mapper, int maxFrameBytes, Transport transport, Handler handler) {
        if (maxFrameBytes < 1) {
            throw new IllegalArgumentException("maxFrameBytes must be at least 1, was " + maxFrameBytes);
        }
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.maxFrameBytes = maxFrameBytes;
        this.transport = Objects.requireNonNull(transport, "transport");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** Takes a text frame, or a fragment of one ({@code last} false until the final fragment). */
    public void receiveText(String text, boolean last) {
        if (closed) {
            return;
        }
        if (!last || partial != null) {
            if (partial == null) {
                partial = new StringBuilder();
            }
            partial.append(text);
            if (partial.length() > maxFrameBytes) {
                closed = true;
                partial = null;
                out.clear();
                transport.close(CloseCodes.TOO_BIG, "message larger than " + maxFrameBytes + " bytes");
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

    /** Takes a binary frame: answered with an {@code invalid} error; the connection stays open. */
    public void receiveBinary() {
        out.add(error(null, "invalid", "send calls as JSON text messages"));
        flush();
    }

    private void handle(String text) {
        JsonNode message;
        try {
            message = mapper.readTree(text);
        } catch (Exception e) {
            out.add(error(null, "malformed_json", "the message is not valid JSON"));
            flush();
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
        CompletableFuture<Outcome> future;
        try {
            future = handler.call(request.get("function"), request.get("args")).toCompletableFuture();
        } catch (RefusedException e) {
            ObjectNode answer = error(id, e.code(), e.getMessage());
            e.field().ifPresent(f -> answer.put("field", f));
            out.add(answer);
            return;
        }
        Outcome done = future.getNow(null);
        if (done != null) {
            out.add(answer(id, done));
        } else {
            future.thenAccept(outcome -> {
                if (!closed) {
                    out.add(answer(id, outcome));
                    transport.outputReady();
                }
            });
        }
    }

    private static ObjectNode answer(JsonNode id, Outcome outcome) {
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

    /** Writes queued answers, batched; one writer at a time, others leave theirs to it. */
    public void flush() {
        while (!out.isEmpty() && !closed && sendLock.tryLock()) {
            try {
                List<ObjectNode> items = new ArrayList<>();
                ObjectNode item;
                while (items.size() < MAX_BATCH && (item = out.poll()) != null) {
                    items.add(item);
                }
                if (!items.isEmpty()) {
                    byte[] bytes = mapper.writeValueAsBytes(items.size() == 1 ? items.get(0) : items);
                    transport.send(new String(bytes, StandardCharsets.UTF_8));
                }
            } catch (Exception e) {
                closed = true; // the transport logs what went wrong; the client's calls are lost with it
                out.clear();
            } finally {
                sendLock.unlock();
            }
        }
    }

    /** The socket closed or failed: answers still to come are dropped. Idempotent. */
    public void closed() {
        closed = true;
        out.clear();
    }

    /** Whether the session is closed. */
    public boolean isClosed() {
        return closed;
    }
}
