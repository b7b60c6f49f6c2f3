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
import io.partita.coordinator.core.Trust;
import io.partita.coordinator.data.DataJobs;
import io.partita.coordinator.jobs.FunctionCatalog;
import io.partita.coordinator.sched.Scheduler;
import io.partita.coordinator.sched.StoreHealth;
import io.partita.coordinator.sched.TaskContents;
import io.partita.coordinator.sched.WorkerConn;
import io.partita.protocol.CloseCodes;
import io.partita.protocol.Codec;
import io.partita.protocol.CoordinatorSession;
import io.partita.protocol.Message;
import io.partita.protocol.ProtocolException;
import io.partita.protocol.Ticker;
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
 * One worker's WebSocket connection at {@code /ws/worker}: the transport of a {@link
 * CoordinatorSession}, which applies the protocol's rules (size limits, hello first, version, which
 * messages a worker may send, the welcome, the closes: docs/protocol.md), and its {@link
 * CoordinatorSession.Handler}, which feeds the {@link Scheduler}. Sends go through a per-connection
 * sender thread so that a slow worker never blocks the scheduler or the result writer. What this
 * class keeps for itself is what the protocol does not know: the origin check on upgrade, the
 * per-address connection gate, and building task batches from the store. When a worker breaks the
 * protocol, its leases go back to the queue at once.
 */
public final class WorkerEndpoint implements WsListener {
    private static final Logger log = LoggerFactory.getLogger(WorkerEndpoint.class);
    private static final byte[] NULL = "null".getBytes(StandardCharsets.UTF_8);

    private final Scheduler scheduler;
    private final FunctionCatalog catalog;
    private final CallService calls;
    private final CoordinatorConfig config;
    private final ConnectionGate gate;
    private final TrustGate trustGate;
    private final ObjectMapper mapper = Codec.mapper();
    private final TaskContents contents;
    private final CoordinatorSession.Settings settings;

    private WsSession session;
    private volatile Thread reader;
    private Sender sender;
    private CoordinatorSession protocol;
    private volatile WorkerConn conn;
    private volatile Optional<String> authorization = Optional.empty();
    private volatile String volunteerKey;
    private volatile String tenant;
    private volatile Optional<io.partita.coordinator.common.Principal> principal = Optional.empty();
    private volatile FailureGuard failures; // null for local and trusted workers, which are not judged

    /** A worker connection's session, fed to {@code scheduler}. */
    public WorkerEndpoint(
            Scheduler scheduler,
            Store store,
            FunctionCatalog catalog,
            CallService calls,
            DataJobs dataJobs,
            CoordinatorConfig config,
            ConnectionGate gate,
            TrustGate trustGate,
            StoreHealth health) {
        this.trustGate = trustGate;
        this.scheduler = scheduler;
        this.contents = new TaskContents(
                store, dataJobs, mapper, health, config.limits().maxCombineInputBytes());
        this.calls = calls;
        this.catalog = catalog;
        this.config = config;
        this.gate = gate;
        this.settings = new CoordinatorSession.Settings(
                scheduler.instance(), config.heartbeatInterval(), config.maxFrameBytes(), config.maxBatch());
    }

    /** Refuses the upgrade (HTTP 400) for a browser page of an origin that is not allowed. */
    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        gate.checkHost(headers);
        Optional<String> origin = headers.first(HeaderNames.ORIGIN);
        Optional<String> refused = gate.refuseOrigin(origin);
        if (refused.isPresent()) {
            // Helidon then routes the request as plain HTTP: ConnectionGate.routing answers 403 and logs.
            throw new WsUpgradeException(refused.get());
        }
        authorization = headers.first(HeaderNames.AUTHORIZATION);
        volunteerKey = volunteerKey(prologue);
        tenant = tenant(prologue);
        principal = gate.workerPrincipal(prologue, headers, "worker");
        return Optional.empty();
    }

    /**
     * The principal of the worker token this connection presented at its upgrade (docs/security.md);
     * empty for an anonymous worker (a browser, a Java worker without {@code --token}). Set before
     * the connection opens and never changed.
     */
    public Optional<io.partita.coordinator.common.Principal> principal() {
        return principal;
    }

    /** Whether this connection presented a worker or admin token: the mark of a trusted worker. */
    public boolean authenticated() {
        return principal.isPresent();
    }

    @Override
    public void onOpen(WsSession session) {
        this.session = session;
        // Helidon reads frames on this thread; when the socket closes without a close frame it
        // leaves the read loop without telling the listener, and this thread ends.
        this.reader = Thread.currentThread();
        Sender sender = new Sender(session);
        this.sender = sender;
        this.protocol = new CoordinatorSession(
                settings,
                Ticker.system(),
                new CoordinatorSession.Transport() {
                    @Override
                    public void send(Message message) {
                        sender.send(message);
                    }

                    @Override
                    public void close(int code, String reason) {
                        sender.closeNow(code, reason);
                    }
                },
                new Handler());
        InetAddress address = address();
        if (address != null && !gate.admit(address)) {
            log.warn(
                    "Refused a worker connection from {}: more than {} a minute",
                    address,
                    config.connectionsPerMinute());
            protocol.closed();
            sender.close(CloseCodes.TRY_AGAIN, "too many connections from your address; try again later");
            return;
        }
        if (!gate.admitOpen(address, reader, "worker")) {
            protocol.closed();
            sender.close(CloseCodes.TRY_AGAIN, gate.perIpRefusal());
            return;
        }
        if (tenant != null && !io.partita.coordinator.auth.Tokens.validName(tenant)) {
            protocol.closed();
            sender.close(CloseCodes.POLICY, "tenant must be 1 to 64 letters, digits or ._@- (the ?tenant= of the URL)");
            return;
        }
        gate.expectHello(() -> conn != null || !sender.open(), () -> {
            protocol.closed();
            sender.closeNow(
                    CloseCodes.POLICY, "no hello within " + gate.helloTimeout().toMillis() + " ms");
        });
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        protocol.receiveText(text, last);
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        protocol.receiveBinary();
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        protocol.closed();
        WorkerConn conn = this.conn;
        if (conn != null) {
            scheduler.disconnect(
                    conn, "closed (" + status + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")");
        }
        sender.stop();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        log.debug("Worker connection error", t);
        protocol.closed();
        WorkerConn conn = this.conn;
        if (conn != null) {
            scheduler.disconnect(conn, "connection error: " + t.getMessage());
        }
        sender.stop();
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max
                ? text
                : text.substring(0, max) + "... (" + text.length() + " chars)";
    }

    /**
     * A volunteer's secret key from {@code ?volunteer=} on the upgrade URL: 16 to 64 characters of
     * {@code [A-Za-z0-9_-]}, made and kept by the volunteer's browser so that its record follows it
     * across visits; null if absent or malformed (the record is then keyed by address and name).
     */
    /** The tenant from {@code ?tenant=} on the upgrade URL (a lab's join link); null if absent. */
    static String tenant(HttpPrologue prologue) {
        try {
            var query = prologue.query();
            if (!query.contains("tenant")) {
                return null;
            }
            return query.get("tenant");
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String volunteerKey(HttpPrologue prologue) {
        try {
            var query = prologue.query();
            if (!query.contains("volunteer")) {
                return null;
            }
            String key = query.get("volunteer");
            return key.matches("[A-Za-z0-9_-]{16,64}") ? key : null;
        } catch (RuntimeException e) {
            return null;
        }
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

    /**
     * What the session's checked messages do: each becomes a call into the {@link Scheduler}, the
     * {@link CallService} or the catalog, on the reading thread. A nested class rather than methods
     * of the endpoint, so that nothing but the session can call them.
     */
    private final class Handler implements CoordinatorSession.Handler {
        @Override
        public String hello(Message.Hello hello) {
            Set<String> callNames = new HashSet<>();
            for (Message.FunctionInfo info : hello.catalogList()) {
                if (info != null && "call".equals(info.kind())) {
                    callNames.add(info.name());
                }
            }
            InetAddress address = address();
            Trust trust = trustGate.classify(authorization, principal.isPresent(), address);
            if (!trust.vouches()) {
                // strangers only: the operator's own (local or trusted) workers are not closed for a
                // job whose tasks fail on them, which is the job's fault
                failures = new FailureGuard(config.limits().maxTaskFailuresPerMinute(), System::nanoTime);
            }
            if (trust.vouches()) {
                // Only workers the coordinator trusts may add Java functions to the catalog; an
                // untrusted worker's functions are its own to run and replace nothing (docs/verification.md).
                catalog.announce(hello.functions().stream()
                        .filter(f -> !callNames.contains(f))
                        .toList());
                catalog.announceVersions(hello.catalogList());
                calls.functions().announce(hello.catalogList());
            }
            String host = address == null ? remote() : address.getHostAddress();
            WorkerConn connected = scheduler.connect(
                    hello,
                    remote(),
                    trust,
                    trustGate.eachConnectionAHost() ? null : host,
                    volunteerKey,
                    tenant,
                    sender);
            conn = connected;
            return connected.id;
        }

        @Override
        public String volunteer() {
            WorkerConn c = conn;
            return c == null ? null : c.volunteerId();
        }

        @Override
        public void heard() {
            scheduler.seen(conn);
        }

        @Override
        public void pull(int credits) {
            scheduler.pull(conn, credits);
        }

        @Override
        public Optional<String> results(Message.Results results) {
            FailureGuard guard = failures;
            Optional<String> refusal = guard == null ? Optional.empty() : guard.judge(results);
            if (refusal.isPresent()) {
                throw new ProtocolException(refusal.get()); // closed with 1008 and logged by the session
            }
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
            return scheduler.results(conn, results, outputs);
        }

        @Override
        public void returned(List<Message.TaskRef> tasks) {
            scheduler.returned(conn, tasks);
        }

        @Override
        public void drain(Message.Drain drain) {
            scheduler.drain(conn);
        }

        @Override
        public void calls(Message.Calls message) {
            calls.fromWorker(conn, message);
        }

        @Override
        public void suspended(List<Message.TaskRef> tasks, boolean suspended) {
            scheduler.suspended(conn, tasks, suspended);
        }

        @Override
        public void error(Message.Error error) {
            // a worker's text, so cut: the session bounds how many, this how long
            log.warn("Worker {} reports {}: {}", conn.id, cut(error.code(), 100), cut(error.message(), 1000));
        }

        @Override
        public void violation(int code, String reason) {
            WorkerConn conn = WorkerEndpoint.this.conn;
            log.info("Closing worker connection {}: {}", conn == null ? remote() : conn.id, reason);
            if (conn != null) {
                scheduler.disconnect(conn, "protocol violation: " + reason);
            }
        }
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

        /** Closes at once, dropping what is queued; {@code reason} is already cut to fit. */
        void closeNow(int code, String reason) {
            stopped = true;
            queue.clear();
            queue.add(STOP);
            write(() -> session.close(code, reason));
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
                            write(() -> session.close(c.code(), CloseCodes.reason(c.reason())));
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
                } catch (TaskContents.OverLimit e) {
                    scheduler.leaseRefused(lease, e.getMessage());
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
}
