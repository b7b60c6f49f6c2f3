package io.partita.coordinator.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.calls.CallService;
import io.partita.coordinator.core.Lease;
import io.partita.coordinator.data.DataJobs;
import io.partita.coordinator.jobs.FunctionCatalog;
import io.partita.coordinator.sched.Scheduler;
import io.partita.coordinator.sched.StoreHealth;
import io.partita.coordinator.sched.TaskContents;
import io.partita.coordinator.sched.WorkerConn;
import io.partita.protocol.Codec;
import io.partita.protocol.Message;
import io.partita.protocol.ProtocolException;
import io.partita.store.Store;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's WebSocket connection at {@code /ws/worker}: decodes and checks each message, feeds
 * the {@link Scheduler}, and sends through a per-connection sender thread so that a slow worker
 * never blocks the scheduler or the result writer. A message that breaks the protocol closes the
 * socket with a reason (1008, or 1009 for a message above the size limit), and the worker's leases
 * go back to the queue at once.
 */
public final class WorkerEndpoint implements WsListener {
    private static final Logger log = LoggerFactory.getLogger(WorkerEndpoint.class);
    static final int CLOSE_POLICY = 1008;
    static final int CLOSE_TOO_BIG = 1009;
    static final int CLOSE_UNSUPPORTED = 1003;
    static final int CLOSE_TRY_AGAIN = 1013;

    private final Scheduler scheduler;
    private final Store store;
    private final FunctionCatalog catalog;
    private final CallService calls;
    private final DataJobs dataJobs;
    private final CoordinatorConfig config;
    private final ConnectionGate gate;
    private final ObjectMapper mapper = Codec.mapper();
    private final TaskContents contents;

    private WsSession session;
    private volatile Thread reader;
    private Sender sender;
    private WorkerConn conn;
    private StringBuilder partial;
    private boolean closed;

    /** A worker connection's session, fed to {@code scheduler}. */
    public WorkerEndpoint(
            Scheduler scheduler,
            Store store,
            FunctionCatalog catalog,
            CallService calls,
            DataJobs dataJobs,
            CoordinatorConfig config,
            ConnectionGate gate,
            StoreHealth health) {
        this.scheduler = scheduler;
        this.dataJobs = dataJobs;
        this.contents = new TaskContents(store, dataJobs, mapper, health);
        this.calls = calls;
        this.store = store;
        this.catalog = catalog;
        this.config = config;
        this.gate = gate;
    }

    /** Refuses the upgrade (HTTP 400) for a browser page of an origin that is not allowed. */
    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        Optional<String> origin = headers.first(HeaderNames.ORIGIN);
        Optional<String> refused = gate.refuseOrigin(origin);
        if (refused.isPresent()) {
            log.warn("Refused a worker connection: {}", refused.get());
            throw new WsUpgradeException(refused.get());
        }
        return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        this.session = session;
        // Helidon reads frames on this thread; when the socket closes without a close frame it
        // leaves the read loop without telling the listener, and this thread ends.
        this.reader = Thread.currentThread();
        this.sender = new Sender(session);
        InetAddress address = address();
        if (address != null && !gate.admit(address)) {
            log.warn(
                    "Refused a worker connection from {}: more than {} a minute",
                    address,
                    config.connectionsPerMinute());
            closed = true;
            sender.close(CLOSE_TRY_AGAIN, "too many connections from your address; try again later");
        }
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (closed) {
            return;
        }
        if (!last || partial != null) {
            if (partial == null) {
                partial = new StringBuilder();
            }
            partial.append(text);
            if (partial.length() > config.maxFrameBytes()) {
                violation(CLOSE_TOO_BIG, "message larger than " + config.maxFrameBytes() + " bytes");
                return;
            }
            if (!last) {
                return;
            }
            text = partial.toString();
            partial = null;
        }
        if (text.length() > config.maxFrameBytes()
                && text.getBytes(StandardCharsets.UTF_8).length > config.maxFrameBytes()) {
            violation(CLOSE_TOO_BIG, "message larger than " + config.maxFrameBytes() + " bytes");
            return;
        }
        Message message;
        try {
            message = Codec.decode(text);
        } catch (ProtocolException e) {
            violation(CLOSE_POLICY, e.getMessage());
            return;
        }
        try {
            handle(message);
        } catch (ProtocolException e) {
            violation(CLOSE_POLICY, e.getMessage());
        }
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        violation(CLOSE_UNSUPPORTED, "binary messages are not part of the protocol");
    }

    private void handle(Message message) {
        if (conn == null) {
            if (!(message instanceof Message.Hello hello)) {
                throw new ProtocolException("the first message must be hello, was " + typeName(message));
            }
            if (hello.protocol() != Message.VERSION) {
                throw new ProtocolException("unsupported protocol version " + hello.protocol()
                        + "; this coordinator speaks " + Message.VERSION);
            }
            Set<String> callNames = new HashSet<>();
            for (Message.FunctionInfo info : hello.catalogList()) {
                if (info != null && "call".equals(info.kind())) {
                    callNames.add(info.name());
                }
            }
            catalog.announce(hello.functions().stream()
                    .filter(f -> !callNames.contains(f))
                    .toList());
            catalog.announceVersions(hello.catalogList());
            calls.functions().announce(hello.catalogList());
            conn = scheduler.connect(hello, remote(), sender);
            sender.send(new Message.Welcome(
                    Message.VERSION,
                    conn.id,
                    scheduler.instance(),
                    config.heartbeatInterval().toMillis(),
                    config.maxFrameBytes(),
                    config.maxBatch()));
            return;
        }
        scheduler.seen(conn);
        switch (message) {
            case Message.Pull pull -> scheduler.pull(conn, pull.credits());
            case Message.Results results -> results(results);
            case Message.Heartbeat h -> sender.send(new Message.Heartbeat(System.currentTimeMillis()));
            case Message.Return r -> scheduler.returned(conn, r.tasks());
            case Message.Drain d -> scheduler.drain(conn);
            case Message.Calls c -> calls.fromWorker(conn, c);
            case Message.Suspend sus -> scheduler.suspended(conn, sus.tasks(), true);
            case Message.Resume r -> scheduler.suspended(conn, r.tasks(), false);
            case Message.Error e -> log.warn("Worker {} reports {}: {}", conn.id, e.code(), e.message());
            case Message.Hello h -> throw new ProtocolException("hello was already sent");
            default ->
                throw new ProtocolException(
                        "message type " + typeName(message) + " is sent by the coordinator, not by workers");
        }
    }

    private void results(Message.Results results) {
        List<Message.Result> list = results.results();
        byte[][] outputs = new byte[list.size()][];
        for (int i = 0; i < outputs.length; i++) {
            Message.Result r = list.get(i);
            if (r.ok()) {
                try {
                    JsonNode output = r.output();
                    outputs[i] = output == null ? NULL : mapper.writeValueAsBytes(output);
                } catch (JsonProcessingException e) {
                    throw new ProtocolException("results[" + i + "].output is not encodable JSON");
                }
            }
        }
        Optional<String> error = scheduler.results(conn, results, outputs);
        error.ifPresent(message -> sender.send(new Message.Error("not_held", message)));
    }

    private static final byte[] NULL = "null".getBytes(StandardCharsets.UTF_8);

    private static String typeName(Message message) {
        return message.getClass().getSimpleName().toLowerCase();
    }

    private InetAddress address() {
        try {
            return session.socketContext().remotePeer().address() instanceof InetSocketAddress a
                    ? a.getAddress()
                    : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private String remote() {
        try {
            return session.socketContext().remotePeer().address().toString();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    private void violation(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Closing worker connection {}: {}", conn == null ? remote() : conn.id, reason);
        if (conn != null) {
            scheduler.disconnect(conn, "protocol violation: " + reason);
        }
        sender.closeNow(code, reason);
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        closed = true;
        if (conn != null) {
            scheduler.disconnect(
                    conn, "closed (" + status + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")");
        }
        sender.stop();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        log.debug("Worker connection error", t);
        closed = true;
        if (conn != null) {
            scheduler.disconnect(conn, "connection error: " + t.getMessage());
        }
        sender.stop();
    }

    /**
     * The connection's only writer: a virtual thread draining a queue. Tasks batches are turned into
     * messages here, reading combine inputs from the store off the scheduler's lock.
     */
    private final class Sender implements WorkerConn.Outbox {
        private record TasksItem(List<Message.JobInfo> jobs, List<Lease> leases) {}

        private record CloseItem(int code, String reason) {}

        private static final Object STOP = new Object();

        private final WsSession session;
        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private final ReentrantLock writeLock = new ReentrantLock();
        private volatile boolean stopped;

        Sender(WsSession session) {
            this.session = session;
            Thread.ofVirtual()
                    .name("partita-ws-sender")
                    .uncaughtExceptionHandler((t, e) -> log.error("Worker sender died", e))
                    .start(this::run);
        }

        @Override
        public void send(Message message) {
            if (!stopped) {
                queue.add(message);
            }
        }

        @Override
        public void sendTasks(List<Message.JobInfo> jobs, List<Lease> leases) {
            if (!stopped) {
                queue.add(new TasksItem(jobs, leases));
            }
        }

        @Override
        public void close(int code, String reason) {
            queue.add(new CloseItem(code, reason));
        }

        void closeNow(int code, String reason) {
            stopped = true;
            queue.clear();
            queue.add(STOP);
            write(() -> session.close(code, truncate(reason)));
        }

        void stop() {
            stopped = true;
            queue.add(STOP);
        }

        @Override
        public boolean open() {
            Thread r = reader;
            return !stopped && (r == null || r.isAlive());
        }

        private void run() {
            try {
                while (true) {
                    Object item = queue.take();
                    if (item == STOP) {
                        return;
                    }
                    switch (item) {
                        case Message m -> write(() -> session.send(Codec.encode(m), true));
                        case TasksItem t -> {
                            Message.Tasks tasks = tasks(t);
                            if (!tasks.tasks().isEmpty() || !tasks.jobs().isEmpty()) {
                                write(() -> session.send(Codec.encode(tasks), true));
                            }
                        }
                        case CloseItem c -> {
                            write(() -> session.close(c.code(), truncate(c.reason())));
                            return;
                        }
                        default -> throw new IllegalStateException("unexpected item " + item);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private Message.Tasks tasks(TasksItem item) {
            List<Message.Task> tasks = new ArrayList<>(item.leases().size());
            for (Lease lease : item.leases()) {
                try {
                    tasks.add(contents.content(lease));
                } catch (TaskContents.Unavailable e) {
                    if (e.storeFault()) {
                        log.debug("Cannot send {} of {} now", lease.work.describe(lease.key), lease.work.id, e);
                    } else if (lease.work.live()) {
                        log.error("Cannot send {} of {}", lease.work.describe(lease.key), lease.work.id, e);
                    }
                    scheduler.leaseBroken(conn, lease, e.getMessage(), !e.storeFault());
                }
            }
            return new Message.Tasks(item.jobs(), tasks);
        }

        private void write(Runnable action) {
            writeLock.lock();
            try {
                action.run();
            } catch (RuntimeException e) {
                log.debug("Cannot write to worker connection", e);
                stopped = true;
            } finally {
                writeLock.unlock();
            }
        }
    }

    private static String truncate(String reason) {
        // a close frame's reason is at most 123 bytes
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return reason;
        }
        String cut = new String(bytes, 0, 120, StandardCharsets.UTF_8);
        return cut.substring(0, Math.max(0, cut.length() - 1)) + "...";
    }
}
