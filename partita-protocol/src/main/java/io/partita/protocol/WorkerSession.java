package io.partita.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The worker's end of one worker-protocol connection: the state machine that decides which frames a
 * worker sends and what the coordinator's frames mean, without any I/O. A transport (a WebSocket
 * client, or another session in memory) feeds it the coordinator's frames with {@link
 * #receive(String)} and writes the frames it hands to {@link Transport#send}; the worker's task
 * machinery tells it about results, grid calls and suspended tasks. Thread-safe: the receiving
 * thread, task threads, a timer and one flushing thread may call it at once.
 *
 * <p>One session serves one connection; a reconnect starts a new session.
 */
public final class WorkerSession {
    /*
     * States: CONNECTED (hello queued) -> WELCOMED (welcome received; only now are other frames
     * accepted) -> CLOSED (closed() called, or the session gave up: invalid frame, silence). A
     * draining flag rides on WELCOMED: no more credit, tasks that still arrive go straight back.
     *
     * Output: every outgoing frame enters one FIFO (`out`), so frames leave in the order they were
     * made (a task's resume always before its result). flush() takes up to ITEMS_PER_FLUSH items at
     * a time and sends them as the worker always has: control frames at once, call requests of the
     * batch as one `calls` frame, then its results as `results` frames of at most
     * RESULTS_PER_MESSAGE, each with the next seq. A seq stays in `unacked` until its ack arrives;
     * unacked results are never re-sent on another connection: when a connection is lost the
     * coordinator requeues the worker's leases, so those tasks run again.
     *
     * Credits: the welcome is answered with a pull of max(8, 4 * slots); every tick raises the grant
     * to about TARGET_SECONDS of work at the rate measured since the previous tick (at least 4 per
     * slot, at most MAX_CREDITS). The grant is never lowered: credits come back with acks.
     */

    /** Most results in one {@code results} frame. */
    public static final int RESULTS_PER_MESSAGE = 2048;

    /** Most credits a worker grants in total. */
    public static final int MAX_CREDITS = 8192;

    /** A coordinator silent for this many heartbeat intervals is taken for lost. */
    public static final int SILENT_HEARTBEATS = 3;

    private static final int ITEMS_PER_FLUSH = 16_384;
    private static final double TARGET_SECONDS = 0.25;
    private static final String LOST = "the connection to the coordinator was lost";

    /**
     * Where a {@link WorkerSession} writes. {@link #send} is called only from {@link
     * WorkerSession#flush()}; the other methods from any thread and must not block.
     */
    public interface Transport {
        /** Writes one frame to the coordinator; may block. A failure should be thrown. */
        void send(Message message);

        /** Frames are waiting: call {@link WorkerSession#flush()} soon, on a thread of your choice. */
        void outputReady();

        /**
         * The session gave up on the connection (the coordinator broke the protocol or fell
         * silent): close the socket without ceremony and call {@link WorkerSession#closed()}.
         */
        void abort(String reason);
    }

    /** What a {@link WorkerSession} tells the worker. Called on the thread that called {@code receive}. */
    public interface Handler {
        /** The coordinator welcomed the worker; heartbeats are due every {@code heartbeatMillis}. */
        void welcomed(Message.Welcome welcome);

        /**
         * Task attempts leased to the worker, with descriptors of jobs new to this connection. While
         * draining the session has already given the tasks back and {@code tasks.tasks()} is empty.
         */
        void tasks(Message.Tasks tasks);

        /** The coordinator revokes attempts, or a whole job when {@code cancel.tasks()} is empty. */
        void cancel(Message.Cancel cancel);

        /** The coordinator made the results sent with {@code ack.seq()} durable (or ignored them). */
        default void acked(Message.Ack ack) {}

        /** The coordinator reports a problem that does not end the connection. */
        default void error(Message.Error error) {}

        /** A frame the coordinator should not send to a worker (ignored). */
        default void unexpected(Message message) {}
    }

    private final int slots;
    private final Ticker ticker;
    private final Transport transport;
    private final Handler handler;
    private final Queue<Object> out = new ConcurrentLinkedQueue<>();
    private final Map<Long, Integer> unacked = new ConcurrentHashMap<>();
    private final AtomicInteger unsent = new AtomicInteger();
    private final Map<Long, Consumer<Message.Answer>> calls = new ConcurrentHashMap<>();
    private final AtomicLong callIds = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final ReentrantLock creditLock = new ReentrantLock();
    private volatile Message.Welcome welcome;
    private volatile boolean draining;
    private volatile boolean closed;
    private volatile long lastHeardNanos;
    private long seq; // flushLock
    private int granted; // creditLock
    private long lastDone; // creditLock
    private long lastTickNanos; // creditLock

    /**
     * A session of a worker with {@code slots} task slots (at least 1).
     *
     * @throws IllegalArgumentException if {@code slots} is below 1
     */
    public WorkerSession(int slots, Ticker ticker, Transport transport, Handler handler) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        this.slots = slots;
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.lastHeardNanos = ticker.nanos();
        this.lastTickNanos = lastHeardNanos;
    }

    /** Opens the conversation: queues the worker's hello, which must be the first frame sent. */
    public void start(Message.Hello hello) {
        enqueue(Objects.requireNonNull(hello, "hello"));
    }

    // ------------------------------------------------------------------------------- input

    /**
     * Takes one complete text frame from the coordinator. A frame that is not a valid message closes
     * the session through {@link Transport#abort}.
     */
    public void receive(String text) {
        lastHeardNanos = ticker.nanos();
        Message message;
        try {
            message = Codec.decode(text);
        } catch (ProtocolException e) {
            giveUp("the coordinator sent an invalid message (" + e.getMessage() + ")");
            return;
        }
        receive(message);
    }

    /** Takes one decoded message from the coordinator. */
    public void receive(Message message) {
        lastHeardNanos = ticker.nanos();
        if (closed) {
            return;
        }
        Message.Welcome w = welcome;
        if (w == null) {
            if (!(message instanceof Message.Welcome first)) {
                giveUp("the coordinator's first message must be welcome, was " + typeName(message));
            } else if (first.protocol() != Message.VERSION) {
                giveUp("the coordinator speaks protocol " + first.protocol() + ", this worker " + Message.VERSION);
            } else {
                welcomed(first);
            }
            return;
        }
        switch (message) {
            case Message.Tasks t -> tasks(t);
            case Message.Ack a -> {
                unacked.remove(a.seq());
                handler.acked(a);
            }
            case Message.Cancel c -> handler.cancel(c);
            case Message.Answers a -> answers(a);
            case Message.Heartbeat h -> {}
            case Message.Error e -> handler.error(e);
            default -> handler.unexpected(message);
        }
    }

    private void welcomed(Message.Welcome w) {
        creditLock.lock();
        try {
            welcome = w;
            granted = Math.max(8, slots * 4);
            lastDone = done.get();
            lastTickNanos = ticker.nanos();
            enqueue(new Message.Pull(granted));
        } finally {
            creditLock.unlock();
        }
        handler.welcomed(w);
    }

    private void tasks(Message.Tasks t) {
        if (draining && !t.tasks().isEmpty()) {
            // sent before the coordinator saw our drain: give them back unstarted
            List<Message.TaskRef> refs = new ArrayList<>(t.tasks().size());
            for (Message.Task task : t.tasks()) {
                refs.add(ref(task));
            }
            returnTasks(refs);
            handler.tasks(new Message.Tasks(t.jobs(), List.of()));
            return;
        }
        handler.tasks(t);
    }

    private void answers(Message.Answers message) {
        for (Message.Answer a : message.answers()) {
            Consumer<Message.Answer> listener = calls.remove(a.id());
            if (listener != null) {
                listener.accept(a);
            }
        }
    }

    /**
     * The connection is gone (closed by either side, or failed): no more frames are sent, queued
     * ones are dropped, and the grid calls in flight are answered with an error. Idempotent.
     */
    public void closed() {
        if (closed) {
            return;
        }
        closed = true;
        out.clear();
        for (Long id : List.copyOf(calls.keySet())) {
            Consumer<Message.Answer> listener = calls.remove(id);
            if (listener != null) {
                listener.accept(new Message.Answer(id, false, null, LOST));
            }
        }
    }

    private void giveUp(String reason) {
        closed();
        transport.abort(reason);
    }

    // ------------------------------------------------------------------------------- output

    /**
     * Queues the result of a finished task attempt; it leaves in the next {@code results} frame.
     * Dropped once the session is closed (the coordinator requeues the task).
     */
    public void result(Message.Result result) {
        done.incrementAndGet();
        if (closed) {
            return;
        }
        unsent.incrementAndGet();
        enqueue(result);
    }

    /**
     * Makes a grid call for the running task {@code parent}; {@code answer} receives its outcome
     * exactly once: the coordinator's answer, or a failed answer if the connection is lost first.
     *
     * @return the call's id on this connection
     */
    public long call(String function, JsonNode args, Message.TaskRef parent, Consumer<Message.Answer> answer) {
        long id = callIds.incrementAndGet();
        calls.put(id, answer);
        if (closed) {
            if (calls.remove(id) != null) {
                answer.accept(new Message.Answer(id, false, null, LOST));
            }
            return id;
        }
        enqueue(new Message.CallRequest(id, function, args, parent));
        return id;
    }

    /** Tells the coordinator that a task waits for grid calls and gave its slot up. */
    public void suspend(Message.TaskRef task) {
        enqueue(new Message.Suspend(List.of(task)));
    }

    /** Tells the coordinator that a suspended task runs again. */
    public void resume(Message.TaskRef task) {
        enqueue(new Message.Resume(List.of(task)));
    }

    /** Gives leased tasks back unstarted; nothing is sent for an empty list. */
    public void returnTasks(List<Message.TaskRef> tasks) {
        if (!tasks.isEmpty()) {
            enqueue(new Message.Return(List.copyOf(tasks)));
        }
    }

    /**
     * Starts a graceful end: asks the coordinator for no more tasks, grants no more credit, and gives
     * back tasks that still arrive.
     */
    public void drain(String reason) {
        draining = true;
        enqueue(new Message.Drain(reason));
    }

    /**
     * Queues a heartbeat, unless the coordinator has been silent for {@value #SILENT_HEARTBEATS}
     * heartbeat intervals: then the session gives up through {@link Transport#abort}. Call it every
     * {@code welcome.heartbeatMillis()}.
     *
     * @return false once the session is closed (stop calling it)
     */
    public boolean heartbeat() {
        Message.Welcome w = welcome;
        if (closed || w == null) {
            return !closed;
        }
        long silence = ticker.nanos() - lastHeardNanos;
        if (silence > TimeUnit.MILLISECONDS.toNanos(w.heartbeatMillis() * SILENT_HEARTBEATS)) {
            giveUp("no word from the coordinator for " + silence / 1_000_000 + " ms");
            return false;
        }
        enqueue(new Message.Heartbeat(ticker.millis()));
        return true;
    }

    /**
     * Raises the credit grant to about a quarter of a second of work at the rate of results measured
     * since the previous tick. Call it periodically (the Java worker: every 200 ms); does nothing
     * before the welcome, while draining or once closed.
     */
    public void tick() {
        if (welcome == null || draining || closed) {
            return;
        }
        creditLock.lock();
        try {
            long now = ticker.nanos();
            long finished = done.get();
            double seconds = (now - lastTickNanos) / 1e9;
            double rate = (finished - lastDone) / Math.max(seconds, 1e-3);
            lastDone = finished;
            lastTickNanos = now;
            int target = (int) Math.min(MAX_CREDITS, Math.max(slots * 4L, (long) (rate * TARGET_SECONDS)));
            if (target > granted) {
                enqueue(new Message.Pull(target - granted));
                granted = target;
            }
        } finally {
            creditLock.unlock();
        }
    }

    /**
     * Sends every queued frame through {@link Transport#send}, batching results and grid calls. One
     * thread flushes at a time (others wait); an exception from the transport propagates and the
     * frames of that batch are lost (the connection should be aborted).
     */
    public void flush() {
        flushLock.lock();
        try {
            List<Object> items = new ArrayList<>();
            List<Message.Result> results = new ArrayList<>();
            List<Message.CallRequest> requests = new ArrayList<>();
            while (!closed) {
                Object item;
                while (items.size() < ITEMS_PER_FLUSH && (item = out.poll()) != null) {
                    items.add(item);
                }
                if (items.isEmpty()) {
                    return;
                }
                for (Object each : items) {
                    switch (each) {
                        case Message.Result r -> {
                            results.add(r);
                            if (results.size() >= RESULTS_PER_MESSAGE) {
                                sendResults(results);
                            }
                        }
                        case Message.CallRequest c -> requests.add(c);
                        case Message m -> {
                            // calls go before what follows them: a task's suspend must reach the
                            // coordinator after the calls it waits for (a suspension of a task
                            // waiting for no call is ignored there)
                            if (!requests.isEmpty()) {
                                transport.send(new Message.Calls(List.copyOf(requests)));
                                requests.clear();
                            }
                            transport.send(m);
                        }
                        default -> throw new IllegalStateException("unexpected item " + each);
                    }
                }
                if (!requests.isEmpty()) {
                    transport.send(new Message.Calls(List.copyOf(requests)));
                    requests.clear();
                }
                if (!results.isEmpty()) {
                    sendResults(results);
                }
                items.clear();
            }
        } finally {
            flushLock.unlock();
        }
    }

    private void sendResults(List<Message.Result> results) {
        long s = ++seq;
        unacked.put(s, results.size());
        unsent.addAndGet(-results.size());
        transport.send(new Message.Results(s, List.copyOf(results)));
        results.clear();
    }

    private void enqueue(Object item) {
        if (closed) {
            return;
        }
        out.add(item);
        transport.outputReady();
    }

    // ------------------------------------------------------------------------------- state

    /** The coordinator's welcome, once received. */
    public Optional<Message.Welcome> welcome() {
        return Optional.ofNullable(welcome);
    }

    /** Whether the coordinator welcomed the worker and the session is not closed. */
    public boolean open() {
        return welcome != null && !closed;
    }

    /** Whether the session is closed. */
    public boolean isClosed() {
        return closed;
    }

    /** Whether {@link #drain} was called. */
    public boolean draining() {
        return draining;
    }

    /**
     * Whether every result handed to {@link #result} was sent and acknowledged: what a graceful stop
     * waits for.
     */
    public boolean settled() {
        return unsent.get() == 0 && unacked.isEmpty();
    }

    /** The credits granted so far on this connection. */
    public int granted() {
        creditLock.lock();
        try {
            return granted;
        } finally {
            creditLock.unlock();
        }
    }

    /** The identity of a leased task attempt. */
    public static Message.TaskRef ref(Message.Task task) {
        return new Message.TaskRef(task.job(), task.level(), task.index(), task.attempt());
    }

    static String typeName(Message message) {
        return message.getClass().getSimpleName().toLowerCase();
    }
}
