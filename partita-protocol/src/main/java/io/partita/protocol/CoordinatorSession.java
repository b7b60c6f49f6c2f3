package io.partita.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The coordinator's end of one worker-protocol connection: the rules a worker's frames must follow
 * and the coordinator's replies that need no scheduling, without any I/O. A transport (the
 * coordinator's WebSocket listener, or a relay's) feeds it frames; the session checks their size,
 * decodes them, insists on hello first and once, checks the protocol version, answers with the
 * welcome and heartbeats, and hands each worker message to a {@link Handler}. A frame that breaks a
 * rule closes the connection through {@link Transport#close} with 1009 (too large), 1003 (binary) or
 * 1008 (anything else) and a reason naming the problem.
 *
 * <p>Not thread-safe for input: the {@code receive} methods must be called by one thread at a time
 * (a WebSocket's reading thread); {@link #closed()} and the accessors may be called from any thread.
 */
public final class CoordinatorSession {
    /*
     * States: NEW (waiting for hello) -> WELCOMED (handler.hello gave the worker an id; welcome
     * sent) -> CLOSED (a violation, or the transport reported the socket closed). In NEW the only
     * acceptable message is a hello of this protocol version; in WELCOMED a hello or any
     * coordinator-only type is a violation. A violation closes exactly once; after CLOSED all input
     * is ignored. A ProtocolException thrown by the handler is a violation too (for example a
     * result whose output cannot be encoded).
     */

    /**
     * What the coordinator announces in its welcome.
     *
     * @param coordinator the id of this coordinator process, new at each start
     * @param heartbeat how often the worker must send heartbeats (at least 1 ms)
     * @param maxMessageBytes the largest frame accepted, in bytes of UTF-8 (at least 1)
     * @param maxBatch the most tasks sent in one {@code tasks} frame (at least 1)
     */
    public record Settings(String coordinator, Duration heartbeat, int maxMessageBytes, int maxBatch) {
        /** Checks the settings. */
        public Settings {
            Objects.requireNonNull(coordinator, "coordinator");
            Objects.requireNonNull(heartbeat, "heartbeat");
            if (heartbeat.toMillis() < 1) {
                throw new IllegalArgumentException("heartbeat must be at least 1 ms, was " + heartbeat);
            }
            if (maxMessageBytes < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 1, was " + maxMessageBytes);
            }
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
            }
        }
    }

    /** Where a {@link CoordinatorSession} writes. Its methods must not block for long. */
    public interface Transport {
        /** Sends one frame to the worker (the welcome, a heartbeat, an error). */
        void send(Message message);

        /**
         * Closes the socket at once with {@code code} and {@code reason} (already cut to fit a close
         * frame), dropping frames not yet sent. Called once, after {@link Handler#violation}.
         */
        void close(int code, String reason);
    }

    /**
     * What a {@link CoordinatorSession} tells the coordinator, on the thread that called {@code
     * receive}. Every method but {@link #hello} and {@link #violation} is called only after the
     * welcome; each may throw {@link ProtocolException} to close the connection with 1008.
     */
    public interface Handler {
        /**
         * A worker says hello (protocol version already checked): register it.
         *
         * @return the id the coordinator gives this connection, sent in the welcome
         */
        String hello(Message.Hello hello);

        /**
         * The public id of the record of the worker's host (docs/verification.md), sent in the
         * welcome so that a volunteer can look up its credit; null if none. Called after {@link
         * #hello}.
         */
        default String volunteer() {
            return null;
        }

        /** Called before each message after the hello: the worker is alive. */
        default void heard() {}

        /** The worker grants {@code credits} more tasks (0..1,000,000). */
        void pull(int credits);

        /**
         * Finished task attempts.
         *
         * @return a description of results for attempts the worker does not hold, answered with
         *     {@code error {code: "not_held"}}; empty if all were held
         */
        Optional<String> results(Message.Results results);

        /** Leased tasks given back unstarted. */
        void returned(List<Message.TaskRef> tasks);

        /** The worker wants no more tasks. */
        void drain(Message.Drain drain);

        /** Grid calls made by the worker's tasks. */
        void calls(Message.Calls calls);

        /** Tasks that wait for grid calls ({@code suspended}), or run again ({@code !suspended}). */
        void suspended(List<Message.TaskRef> tasks, boolean suspended);

        /** The worker reports a problem that does not end the connection. */
        default void error(Message.Error error) {}

        /**
         * The worker broke the protocol and the connection is about to be closed with {@code code};
         * {@code reason} is not cut. Called at most once, before {@link Transport#close}.
         */
        default void violation(int code, String reason) {}
    }

    private final Settings settings;
    private final Ticker ticker;
    private final Transport transport;
    private final Handler handler;
    private StringBuilder partial;
    private volatile String workerId;
    private volatile boolean closed;

    /** A session for one new connection. */
    public CoordinatorSession(Settings settings, Ticker ticker, Transport transport, Handler handler) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Takes a text frame, or a fragment of one ({@code last} false until the final fragment).
     * Fragments are joined; a message above {@code maxMessageBytes} closes with 1009.
     */
    public void receiveText(String text, boolean last) {
        if (closed) {
            return;
        }
        int max = settings.maxMessageBytes();
        if (!last || partial != null) {
            if (partial == null) {
                partial = new StringBuilder();
            }
            partial.append(text);
            if (partial.length() > max) {
                violation(CloseCodes.TOO_BIG, "message larger than " + max + " bytes");
                return;
            }
            if (!last) {
                return;
            }
            text = partial.toString();
            partial = null;
        }
        if (text.length() > max && text.getBytes(StandardCharsets.UTF_8).length > max) {
            violation(CloseCodes.TOO_BIG, "message larger than " + max + " bytes");
            return;
        }
        Message message;
        try {
            message = Codec.decode(text);
        } catch (ProtocolException e) {
            violation(CloseCodes.POLICY, e.getMessage());
            return;
        }
        receive(message);
    }

    /** Takes a binary frame, which the protocol does not use: closes with 1003. */
    public void receiveBinary() {
        violation(CloseCodes.UNSUPPORTED, "binary messages are not part of the protocol");
    }

    /** Takes one decoded message from the worker (a relay passes messages without text). */
    public void receive(Message message) {
        if (closed) {
            return;
        }
        try {
            handle(message);
        } catch (ProtocolException e) {
            violation(CloseCodes.POLICY, e.getMessage());
        }
    }

    private void handle(Message message) {
        if (workerId == null) {
            if (!(message instanceof Message.Hello hello)) {
                throw new ProtocolException("the first message must be hello, was " + WorkerSession.typeName(message));
            }
            if (hello.protocol() != Message.VERSION) {
                throw new ProtocolException("unsupported protocol version " + hello.protocol()
                        + "; this coordinator speaks " + Message.VERSION);
            }
            bounded("functions", hello.functions());
            bounded("catalog", hello.catalog());
            bounded("runtimes", hello.runtimes());
            bounded("features", hello.features());
            bounded("jobs", hello.jobs());
            if (hello.engines() != null && hello.engines().size() > MAX_HELLO_LIST) {
                throw new ProtocolException("hello lists " + hello.engines().size() + " engines; at most "
                        + MAX_HELLO_LIST + " are accepted");
            }
            String id = Objects.requireNonNull(handler.hello(hello), "the handler gave the worker no id");
            workerId = id;
            transport.send(new Message.Welcome(
                    Message.VERSION,
                    id,
                    settings.coordinator(),
                    settings.heartbeat().toMillis(),
                    settings.maxMessageBytes(),
                    settings.maxBatch(),
                    handler.volunteer()));
            return;
        }
        handler.heard();
        switch (message) {
            case Message.Pull pull -> handler.pull(pull.credits());
            case Message.Results results ->
                handler.results(results).ifPresent(held -> transport.send(new Message.Error("not_held", held)));
            case Message.Heartbeat h -> transport.send(new Message.Heartbeat(ticker.millis()));
            case Message.Return r -> handler.returned(r.tasks());
            case Message.Drain d -> handler.drain(d);
            case Message.Calls c -> handler.calls(c);
            case Message.Suspend s -> handler.suspended(s.tasks(), true);
            case Message.Resume r -> handler.suspended(r.tasks(), false);
            case Message.Error e -> {
                countError();
                handler.error(e);
            }
            case Message.Hello h -> throw new ProtocolException("hello was already sent");
            default ->
                throw new ProtocolException("message type " + WorkerSession.typeName(message)
                        + " is sent by the coordinator, not by workers");
        }
    }

    /**
     * Most entries of each list of a hello ({@code functions}, {@code catalog}, {@code runtimes},
     * {@code features}, {@code jobs}, {@code engines}). A longer list closes the connection with
     * 1008 and a reason that counts the entries but never quotes them (issue 18: a hello of 20,000
     * names made a 3.9 MB error).
     */
    public static final int MAX_HELLO_LIST = 1000;

    /**
     * Most {@code error} messages a worker may send in a minute; more closes the connection with
     * 1008 (each one is logged by the coordinator, so a stream of them would flood its log).
     */
    public static final int MAX_ERRORS_PER_MINUTE = 100;

    private long errorWindowStart;
    private int errorsInWindow;

    private void countError() {
        long now = ticker.nanos();
        if (errorsInWindow == 0 || now - errorWindowStart > 60_000_000_000L) {
            errorWindowStart = now;
            errorsInWindow = 0;
        }
        if (++errorsInWindow > MAX_ERRORS_PER_MINUTE) {
            throw new ProtocolException("more than " + MAX_ERRORS_PER_MINUTE + " error messages in a minute");
        }
    }

    private static void bounded(String field, java.util.Collection<?> list) {
        if (list != null && list.size() > MAX_HELLO_LIST) {
            throw new ProtocolException(
                    "hello lists " + list.size() + " " + field + "; at most " + MAX_HELLO_LIST + " are accepted");
        }
    }

    private void violation(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        partial = null;
        handler.violation(code, reason);
        transport.close(code, CloseCodes.reason(reason));
    }

    /** The socket closed (either side) or failed: all later input is ignored. Idempotent. */
    public void closed() {
        closed = true;
    }

    /** Whether the session is closed. */
    public boolean isClosed() {
        return closed;
    }

    /** The id given to the worker in the welcome, once it said hello. */
    public Optional<String> workerId() {
        return Optional.ofNullable(workerId);
    }

    /** The settings announced in the welcome. */
    public Settings settings() {
        return settings;
    }
}
