package io.partita.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.partita.api.GridCallException;
import io.partita.api.Params;
import io.partita.js.JsOptions;
import io.partita.js.JsRuntime;
import io.partita.protocol.Codec;
import io.partita.protocol.Message;
import io.partita.protocol.Ticker;
import io.partita.protocol.WorkerSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Java worker: connects to a coordinator over the worker protocol, runs the tasks it is given on
 * {@code slots} threads, and sends results back in batches. It reconnects with jittered exponential
 * backoff when the coordinator goes away. Thread-safe.
 *
 * <p>Lifecycle: RUNNING → DRAINING ({@link #shutdownGracefully()}: stop taking work, give back
 * queued tasks, finish running ones, wait for their acks) → STOPPED; {@link #close()} stops at once.
 * With {@code idleExit} set, a worker without tasks for that long drains itself.
 *
 * <p>Credits: the worker grants the coordinator credits (one per task it may send). It starts with
 * a few per slot and raises the grant as it measures its own throughput, aiming to hold about a
 * quarter of a second of work: fast no-op tasks get deep pipelines, minute-long tasks are not
 * hoarded.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);

    private enum State {
        RUNNING,
        DRAINING,
        STOPPED
    }

    private final WorkerConfig config;
    private final FunctionRegistry functions;
    private final TaskRunner runner;
    private final ObjectMapper mapper = Codec.mapper();
    private final Slots pool;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private final Optional<JsRuntime> js;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ReentrantLock waitLock = new ReentrantLock();
    private final Condition changed = waitLock.newCondition();
    private final AtomicLong tasksDone = new AtomicLong();
    private volatile long lastTaskNanos = System.nanoTime();
    private volatile Connection current;

    private Worker(WorkerConfig config, FunctionRegistry functions, Optional<javax.net.ssl.SSLContext> tls) {
        this.config = config;
        this.functions = functions;
        this.js = startJs();
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        tls.ifPresent(hb::sslContext);
        this.http = hb.build();
        CodeCache code = new CodeCache(config.coordinator(), http);
        this.runner = new TaskRunner(
                functions, mapper, js, code, new DataTasks(functions, mapper, js, code, config.coordinator(), http));
        AtomicInteger n = new AtomicInteger();
        this.pool = new Slots(
                config.slots(),
                r -> Thread.ofPlatform()
                        .name("partita-task-" + n.incrementAndGet())
                        .daemon(true)
                        .uncaughtExceptionHandler((t, e) -> log.error("Task thread failed", e))
                        .unstarted(r));
        this.timer = Executors.newSingleThreadScheduledExecutor(r ->
                Thread.ofPlatform().name("partita-worker-timer").daemon(true).unstarted(r));
    }

    /** The JavaScript runtime, if GraalJS can start here; without it the worker runs Java only. */
    private static Optional<JsRuntime> startJs() {
        try {
            return Optional.of(JsRuntime.create(JsOptions.defaults())); // logs which engine it got
        } catch (RuntimeException | LinkageError e) {
            log.warn("JavaScript is unavailable on this worker ({}); it runs Java functions only", e.toString());
            return Optional.empty();
        }
    }

    /** Starts a worker in the background; it connects (and reconnects) on its own. */
    public static Worker start(WorkerConfig config) {
        return start(config, Thread.currentThread().getContextClassLoader());
    }

    /** Starts a worker offering the functions found through {@code loader}. */
    public static Worker start(WorkerConfig config, ClassLoader loader) {
        return start(config, loader, Optional.empty());
    }

    /**
     * Starts a worker offering the functions found through {@code loader}, checking an {@code
     * https} coordinator's certificate with {@code tls} (default: the JVM's default context; see
     * {@code io.partita.protocol.TlsTrust} for a self-signed or private-CA certificate).
     */
    public static Worker start(WorkerConfig config, ClassLoader loader, Optional<javax.net.ssl.SSLContext> tls) {
        Worker worker = new Worker(config, FunctionRegistry.load(loader, config.functions()), tls);
        worker.timer.scheduleWithFixedDelay(worker::tick, 200, 200, TimeUnit.MILLISECONDS);
        Thread.ofPlatform().name("partita-worker-loop").daemon(true).start(worker::loop);
        return worker;
    }

    /** The names of the functions this worker offers. */
    public List<String> functions() {
        return functions.names();
    }

    /** Tasks finished since start (successfully or not). */
    public long tasksDone() {
        return tasksDone.get();
    }

    /** Whether the worker currently has a welcomed connection. */
    public boolean connected() {
        Connection c = current;
        return c != null && c.welcome != null && !c.closed;
    }

    /** Waits until the worker has stopped; returns false on timeout. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Starts a graceful stop: the worker takes no more work, gives queued tasks back, lets running
     * tasks finish (up to the drain timeout) and waits for their results to be acknowledged, then
     * closes. Returns at once; see {@link #awaitTermination}.
     */
    public void shutdownGracefully() {
        if (state.compareAndSet(State.RUNNING, State.DRAINING)) {
            Thread.ofPlatform().name("partita-worker-drain").start(this::drain);
        }
    }

    /** Stops at once: running tasks are interrupted and their results lost (they will run again). */
    @Override
    public void close() {
        State previous = state.getAndSet(State.STOPPED);
        if (previous == State.STOPPED) {
            return;
        }
        Connection c = current;
        if (c != null) {
            c.abort();
        }
        finish();
    }

    private void finish() {
        pool.shutdownNow();
        js.ifPresent(JsRuntime::close);
        timer.shutdownNow();
        signal();
        stopped.countDown();
    }

    // ------------------------------------------------------------------------------- connection loop

    private void loop() {
        long backoff = MIN_BACKOFF.toMillis();
        while (state.get() == State.RUNNING) {
            Connection c = new Connection();
            current = c;
            try {
                c.open();
                c.awaitClosed();
            } catch (Exception e) {
                log.debug("Connection to {} failed", config.coordinator(), e);
            }
            if (c.welcome != null) {
                backoff = MIN_BACKOFF.toMillis();
                if (state.get() == State.RUNNING) {
                    log.warn("Lost the coordinator at {} ({}); reconnecting", config.coordinator(), c.closeReason);
                }
            } else if (state.get() == State.RUNNING) {
                log.info("Cannot reach the coordinator at {}; retrying in about {} ms", config.coordinator(), backoff);
            }
            if (state.get() != State.RUNNING) {
                break;
            }
            long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            awaitChange(Duration.ofMillis(jittered), () -> state.get() != State.RUNNING);
            backoff = Math.min(config.maxBackoff().toMillis(), backoff * 2);
        }
    }

    private void drain() {
        Connection c = current;
        if (c != null && c.welcome != null && !c.closed) {
            log.info("Draining: returning queued tasks and finishing running ones");
            c.session.drain("worker stopping");
            c.returnQueued(t -> true);
            long deadline = System.nanoTime() + config.drainTimeout().toNanos();
            awaitChange(Duration.ofNanos(deadline - System.nanoTime()), () -> c.inFlight.isEmpty() || c.closed);
            awaitChange(Duration.ofSeconds(5), () -> c.session.settled() || c.closed);
            c.closeNormally("worker stopping");
        }
        state.set(State.STOPPED);
        // Logged before finishing: whoever awaits termination may exit the process at once.
        log.info("Worker stopped after {} tasks", tasksDone.get());
        finish();
    }

    private void tick() {
        try {
            Connection c = current;
            if (c != null && c.welcome != null && !c.closed && state.get() == State.RUNNING) {
                c.session.tick(); // raises the credit grant to about 250 ms of work
            }
            // Idle time counts only on a working connection: a worker still starting up (or
            // reconnecting) under load is not idle.
            if (config.idleExit().isPresent()
                    && state.get() == State.RUNNING
                    && c != null
                    && c.welcome != null
                    && !c.closed
                    && c.inFlight.isEmpty()
                    && System.nanoTime() - lastTaskNanos
                            > config.idleExit().get().toNanos()) {
                log.info("No work for {}; exiting", config.idleExit().get());
                shutdownGracefully();
            }
        } catch (RuntimeException e) {
            log.error("Worker timer failed", e);
        }
    }

    private void awaitChange(Duration timeout, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        waitLock.lock();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waitLock.unlock();
        }
    }

    private void signal() {
        waitLock.lock();
        try {
            changed.signalAll();
        } finally {
            waitLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------- one connection

    /** A task on this worker, from lease to result. */
    private final class Running implements GridFuture.Waiter {
        static final int QUEUED = 0;
        static final int STARTED = 1;
        static final int RETURNED = 2;

        final Message.Task task;
        final Connection connection;
        final AtomicInteger phase = new AtomicInteger(QUEUED);
        final AtomicInteger waits = new AtomicInteger();
        volatile Thread thread;
        volatile boolean cancelled;

        Running(Message.Task task, Connection connection) {
            this.task = task;
            this.connection = connection;
        }

        /** The task waits for grid calls: its slot runs other work, and the coordinator knows. */
        @Override
        public void waiting() {
            if (waits.getAndIncrement() == 0) {
                pool.suspend();
                connection.session.suspend(ref());
            }
        }

        @Override
        public void running() {
            if (waits.decrementAndGet() == 0) {
                connection.session.resume(ref());
                pool.resume();
            }
        }

        Message.TaskRef ref() {
            return new Message.TaskRef(task.job(), task.level(), task.index(), task.attempt());
        }
    }

    private static String key(String job, int level, long index, int attempt) {
        return job + '/' + level + '/' + index + '#' + attempt;
    }

    /**
     * One WebSocket connection: moves frames between the socket and its {@link WorkerSession}, which
     * decides what they mean, and runs the tasks the session hands over.
     */
    private final class Connection implements WebSocket.Listener, WorkerSession.Transport, WorkerSession.Handler {
        final Map<String, Running> inFlight = new ConcurrentHashMap<>();
        final WorkerSession session = new WorkerSession(config.slots(), Ticker.system(), this, this);

        private final Map<String, TaskRunner.JobContext> jobs = new ConcurrentHashMap<>();
        /** Released when the session has frames to send; the sender thread waits on it. */
        private final Semaphore outputReady = new Semaphore(0);

        private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket ws;
        volatile Message.Welcome welcome;
        volatile boolean closed;
        volatile String closeReason = "";

        void open() {
            URI base = config.coordinator();
            String scheme = base.getScheme().equals("https") ? "wss" : "ws";
            // the coordinator URL's query (e.g. ?tenant=lab) goes to the socket's
            String query = base.getRawQuery() == null ? "" : "?" + base.getRawQuery();
            URI uri = URI.create(scheme + "://" + base.getRawAuthority() + "/ws/worker" + query);
            WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            config.token().ifPresent(t -> builder.header("Authorization", "Bearer " + t));
            ws = builder.buildAsync(uri, this).join();
            Thread.ofPlatform().name("partita-worker-sender").daemon(true).start(this::sendLoop);
            long memory = Runtime.getRuntime().maxMemory();
            session.start(new Message.Hello(
                    Message.VERSION,
                    config.kind(),
                    config.name(),
                    js.isPresent() ? List.of("java", "js") : List.of("java"),
                    Runtime.getRuntime().availableProcessors(),
                    memory,
                    functions.names(),
                    config.slots(),
                    js.map(r -> Map.of("js", r.implementation() + (r.jit() ? " (JIT)" : " (interpreted)")))
                            .orElse(Map.of()),
                    List.of("data"),
                    null,
                    null,
                    null,
                    functions.catalog()));
        }

        void awaitClosed() throws InterruptedException {
            try {
                closedFuture.get();
            } catch (java.util.concurrent.ExecutionException e) {
                // closed with an error: already logged
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            webSocket.request(1);
            if (!last) {
                return null;
            }
            String text = partial.toString();
            partial.setLength(0);
            try {
                session.receive(text);
            } catch (RuntimeException e) {
                log.error("Cannot handle a coordinator message", e);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason);
            if (statusCode != 1000) {
                log.warn("Coordinator closed the connection: {}", closeReason);
            }
            closed();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeReason = String.valueOf(error.getMessage());
            closed();
        }

        private void closed() {
            if (closed) {
                return;
            }
            closed = true;
            // Calls in flight are answered on the coordinator's side; here their tasks are lost.
            session.closed();
            outputReady.release(); // the sender sees closed and ends
            // Queued tasks die with the connection: the coordinator requeued them already.
            for (Running r : inFlight.values()) {
                if (r.phase.compareAndSet(Running.QUEUED, Running.RETURNED)) {
                    inFlight.remove(key(r.task.job(), r.task.level(), r.task.index(), r.task.attempt()));
                }
            }
            closedFuture.complete(null);
            signal();
        }

        /** Makes a grid call for a running task. */
        GridFuture<JsonNode> call(Running r, String function, JsonNode args) {
            GridFuture<JsonNode> future = new GridFuture<>(r);
            if (function == null || function.isEmpty()) {
                future.completeExceptionally(new GridCallException("the function name of a grid call is required"));
                return future;
            }
            session.call(function, args, r.ref(), a -> {
                if (a.ok()) {
                    future.complete(a.value() == null ? NullNode.getInstance() : a.value());
                } else {
                    future.completeExceptionally(new GridCallException(a.error()));
                }
            });
            return future;
        }

        void abort() {
            WebSocket socket = ws;
            if (socket != null) {
                socket.abort();
            }
            closed();
        }

        void closeNormally(String reason) {
            WebSocket socket = ws;
            if (socket != null && !closed) {
                try {
                    socket.sendClose(WebSocket.NORMAL_CLOSURE, reason).get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    socket.abort();
                }
            }
            closed();
        }

        // ------------------------------------------------------------- WorkerSession.Handler

        @Override
        public void welcomed(Message.Welcome w) {
            welcome = w;
            lastTaskNanos = System.nanoTime(); // idle time counts from a working connection
            log.info("Connected to {} as {} with {} slots", config.coordinator(), w.workerId(), config.slots());
            timer.scheduleWithFixedDelay(
                    () -> {
                        if (!session.heartbeat()) {
                            throw new IllegalStateException("connection closed"); // cancels this schedule
                        }
                    },
                    w.heartbeatMillis(),
                    w.heartbeatMillis(),
                    TimeUnit.MILLISECONDS);
        }

        @Override
        public void acked(Message.Ack ack) {
            signal();
        }

        @Override
        public void error(Message.Error e) {
            log.warn("Coordinator reports {}: {}", e.code(), e.message());
        }

        @Override
        public void unexpected(Message message) {
            log.warn(
                    "Ignoring unexpected {} from the coordinator",
                    message.getClass().getSimpleName());
        }

        @Override
        public void tasks(Message.Tasks message) {
            for (Message.JobInfo info : message.jobs()) {
                jobs.put(info.id(), new TaskRunner.JobContext(info, Params.of(info.params()), welcome.coordinator()));
            }
            if (message.tasks().isEmpty()) {
                return;
            }
            if (state.get() != State.RUNNING) {
                // sent before the coordinator saw our drain: give them back unstarted
                session.returnTasks(
                        message.tasks().stream().map(WorkerSession::ref).toList());
                return;
            }
            lastTaskNanos = System.nanoTime();
            for (Message.Task task : message.tasks()) {
                Running r = new Running(task, this);
                String key = key(task.job(), task.level(), task.index(), task.attempt());
                inFlight.put(key, r);
                try {
                    pool.execute(() -> run(key, r));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    inFlight.remove(key);
                    return; // stopping
                }
            }
        }

        private void run(String key, Running r) {
            if (!r.phase.compareAndSet(Running.QUEUED, Running.STARTED) || closed) {
                return;
            }
            r.thread = Thread.currentThread();
            Message.Result result;
            try {
                TaskRunner.JobContext job = jobs.get(r.task.job());
                if (job == null) {
                    result = new Message.Result(
                            r.task.job(),
                            r.task.level(),
                            r.task.index(),
                            r.task.attempt(),
                            false,
                            null,
                            "job descriptor missing",
                            0);
                } else {
                    result = runner.run(job, r.task, () -> r.cancelled, (fn, args) -> call(r, fn, args));
                }
            } finally {
                r.thread = null;
                Thread.interrupted(); // clear a cancellation interrupt before the next task
            }
            tasksDone.incrementAndGet();
            lastTaskNanos = System.nanoTime();
            session.result(result); // dropped if the connection closed meanwhile
            inFlight.remove(key);
            if (inFlight.isEmpty()) {
                signal();
            }
        }

        @Override
        public void cancel(Message.Cancel c) {
            if (c.tasks().isEmpty()) {
                returnQueued(r -> r.task.job().equals(c.job()));
                for (Running r : inFlight.values()) {
                    if (r.task.job().equals(c.job())) {
                        interrupt(r);
                    }
                }
                jobs.remove(c.job());
                return;
            }
            for (Message.TaskRef ref : c.tasks()) {
                Running r = inFlight.get(key(ref.job(), ref.level(), ref.index(), ref.attempt()));
                if (r != null) {
                    interrupt(r);
                }
            }
        }

        private void interrupt(Running r) {
            r.cancelled = true;
            Thread t = r.thread;
            if (t != null) {
                t.interrupt();
            }
        }

        void returnQueued(java.util.function.Predicate<Running> which) {
            List<Message.TaskRef> refs = new ArrayList<>();
            for (Map.Entry<String, Running> e : inFlight.entrySet()) {
                Running r = e.getValue();
                if (which.test(r) && r.phase.compareAndSet(Running.QUEUED, Running.RETURNED)) {
                    inFlight.remove(e.getKey());
                    refs.add(r.ref());
                }
            }
            if (!refs.isEmpty()) {
                session.returnTasks(refs);
                signal();
            }
        }

        // ------------------------------------------------------------- WorkerSession.Transport

        @Override
        public void outputReady() {
            outputReady.release();
        }

        @Override
        public void abort(String reason) {
            log.warn("{}; reconnecting", reason);
            closeReason = reason;
            abort();
        }

        /** The connection's only writer: flushes the session whenever it has frames to send. */
        private void sendLoop() {
            try {
                while (true) {
                    outputReady.acquire();
                    outputReady.drainPermits();
                    if (closed) {
                        return;
                    }
                    session.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.debug("Sending to the coordinator failed", e);
                abort();
            }
        }

        @Override
        public void send(Message message) {
            WebSocket socket = ws;
            if (socket == null || closed) {
                return;
            }
            try {
                socket.sendText(Codec.encode(message), true).get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending", e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot send to the coordinator: " + e.getMessage(), e);
            }
        }
    }
}
