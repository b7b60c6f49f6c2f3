package io.partita.coordinator.wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.websocket.WsUpgradeException;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.auth.Audit;
import io.partita.coordinator.auth.Tokens;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may open a worker connection: browsers only from the configured page origins, and no IP
 * address more often than {@code connectionsPerMinute} (a token bucket per address holding up to
 * half a minute's worth, so a page that opens and closes quickly, or a crowd behind one NAT joining
 * at once, still gets in, while a reconnect loop does not). Thread-safe.
 *
 * <p>It also holds the deadlines of connections (issue 18: 400 slowloris connections and sockets
 * that never said hello were held for ever):
 *
 * <ul>
 *   <li>at most {@code maxConnectionsPerIp} WebSocket connections open at once from one address
 *       ({@link #register}); a connection counts while the thread that reads its frames lives,
 *       since Helidon does not always tell the endpoint that a socket closed;
 *   <li>a worker connection that has not said hello within {@code helloTimeout} is closed
 *       ({@link #expectHello});
 *   <li>an HTTP request whose headers have not all arrived within {@code headerTimeout} of its
 *       request line has its socket closed, and so has a connection that waits (or dribbles its
 *       next request line) longer than {@link #keepAlive} after a response ({@link
 *       #headerListeners}). Helidon 4.3 has no such deadline: its idle sweep (5 min) interrupts a
 *       connection only while it reads a request line, and a per-read time-out is defeated by a
 *       byte every few seconds. Helidon's listeners tell when a request line and its headers have
 *       been read and when a response switches to WebSocket (which leaves the watch); a routing
 *       filter tells when a response is complete. A new connection that never completes its first
 *       request line is left to Helidon's idle sweep.
 * </ul>
 */
public final class ConnectionGate implements AutoCloseable {
    /** Where workers connect. */
    public static final String WORKER_PATH = "/ws/worker";
    /** Where clients connect to make grid calls. */
    public static final String CLIENT_PATH = "/ws/client";

    private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);
    private static final int MAX_TRACKED = 10_000;
    private static final Duration MIN_KEEP_ALIVE = Duration.ofMinutes(1);
    private static final ThreadLocal<ConnectionContext> CURRENT = new ThreadLocal<>();

    private final List<String> origins;
    private final int maxPerIp;
    private final Duration helloTimeout;
    private final Duration headerTimeout;
    private final Map<InetAddress, List<Thread>> open = new HashMap<>();
    private int registrations;
    private final Map<ConnectionContext, Watch> watched = Collections.synchronizedMap(new WeakHashMap<>());
    private final ScheduledThreadPoolExecutor timer;
    private final double perNano;
    private final double burst;
    private final LongSupplier nanos;
    private final Map<InetAddress, double[]> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, double[]> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    private final CoordinatorConfig config;
    private final io.partita.coordinator.http.HostCheck hosts;
    private volatile java.util.function.Predicate<String> otherWorkerCredential = t -> false;
    private final Optional<Tokens> tokens;
    private final Optional<Audit> audit;

    /** A gate with {@code config}'s allowed origins and connection rate, timed by {@code nanos}. */
    public ConnectionGate(CoordinatorConfig config, LongSupplier nanos) {
        this(config, nanos, Optional.empty(), Optional.empty());
    }

    /**
     * A gate that also checks the tokens of connections with {@code tokens} (docs/security.md):
     * workers may present a worker or admin token and are anonymous otherwise (unless anonymous
     * workers are closed); clients must present a submitter or admin token.
     */
    public ConnectionGate(
            CoordinatorConfig config, LongSupplier nanos, Optional<Tokens> tokens, Optional<Audit> audit) {
        this.config = config;
        this.hosts = new io.partita.coordinator.http.HostCheck(config);
        this.tokens = tokens;
        this.audit = audit;
        this.origins = config.allowedOrigins();
        this.perNano = config.connectionsPerMinute() / 60e9;
        this.burst = Math.max(1, config.connectionsPerMinute() / 2.0);
        this.nanos = nanos;
        this.maxPerIp = config.maxConnectionsPerIp();
        this.helloTimeout = config.helloTimeout();
        this.headerTimeout = config.headerTimeout();
        this.timer = new ScheduledThreadPoolExecutor(
                1,
                r -> Thread.ofPlatform()
                        .name("partita-deadlines")
                        .daemon(true)
                        .uncaughtExceptionHandler((t, e) -> log.error("Connection deadline task failed", e))
                        .unstarted(r));
        timer.setRemoveOnCancelPolicy(true);
        long period = Math.max(100, Math.min(1000, headerTimeout.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::sweepHeaders, period, period, TimeUnit.MILLISECONDS);
    }

    /** Stops the deadline timer. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    // ------------------------------------------------------------------ WebSocket connections

    /**
     * Counts a new WebSocket connection from {@code address}, read by {@code reader}; false if the
     * address already has {@code maxConnectionsPerIp} open (the caller closes it, saying so).
     */
    synchronized boolean register(InetAddress address, Thread reader) {
        if (++registrations % 1024 == 0) {
            open.values().removeIf(list -> {
                list.removeIf(t -> !t.isAlive());
                return list.isEmpty();
            });
        }
        List<Thread> list = open.computeIfAbsent(address, a -> new ArrayList<>());
        list.removeIf(t -> !t.isAlive());
        if (maxPerIp > 0 && list.size() >= maxPerIp) {
            return false;
        }
        list.add(reader);
        return true;
    }

    /**
     * {@link #register} for an endpoint's {@code onOpen}, logging a refusal; an unknown address
     * (not an IP socket) is not counted.
     */
    boolean admitOpen(InetAddress address, Thread reader, String kind) {
        if (address == null || register(address, reader)) {
            return true;
        }
        log.warn("Refused a {} connection from {}: {} connections from it are open", kind, address, maxPerIp);
        return false;
    }

    /** The close reason of a connection refused by {@link #register}. */
    String perIpRefusal() {
        return "too many open connections from your address (max-connections-per-ip " + maxPerIp + ")";
    }

    /**
     * Runs {@code close} after the hello deadline unless {@code helloed} says the hello came.
     *
     * @return the deadline's task, to cancel when the connection ends first
     */
    Future<?> expectHello(BooleanSupplier helloed, Runnable close) {
        return timer.schedule(
                () -> {
                    if (!helloed.getAsBoolean()) {
                        close.run();
                    }
                },
                helloTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The hello deadline, for messages. */
    Duration helloTimeout() {
        return helloTimeout;
    }

    // ------------------------------------------------------------------ HTTP header deadline

    /** Where one HTTP connection is in its current request. */
    private static final class Watch {
        static final int IDLE = 0;
        static final int HEADERS = 1;
        static final int REQUEST = 2;
        static final int UPGRADED = 3;
        volatile int state = IDLE;
        volatile long since;
    }

    private Watch watch(ConnectionContext ctx) {
        return watched.computeIfAbsent(ctx, c -> new Watch());
    }

    /**
     * The HTTP/1 listeners that time request headers: add the first with {@code
     * addReceiveListener}, the second with {@code addSendListener}.
     */
    public List<Http1ConnectionListener> headerListeners() {
        Http1ConnectionListener receive = new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                CURRENT.set(ctx);
                Watch w = watch(ctx);
                if (w.state != Watch.UPGRADED) {
                    w.since = nanos.getAsLong();
                    w.state = Watch.HEADERS;
                }
            }

            @Override
            public void headers(ConnectionContext ctx, io.helidon.http.Headers headers) {
                Watch w = watch(ctx);
                if (w.state != Watch.UPGRADED) {
                    w.state = Watch.REQUEST;
                }
            }
        };
        Http1ConnectionListener send = new Http1ConnectionListener() {
            @Override
            public void status(ConnectionContext ctx, Status status) {
                if (status.code() == 101) {
                    watch(ctx).state = Watch.UPGRADED;
                }
            }
        };
        return List.of(receive, send);
    }

    /**
     * Marks the connection idle once a request's response is complete (Helidon routes a request
     * on the thread that read it, so the listener's thread-local names its connection).
     */
    private void afterRequest(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        ConnectionContext ctx = CURRENT.get();
        try {
            chain.proceed();
        } finally {
            if (ctx != null) {
                Watch w = watched.get(ctx);
                if (w != null && w.state != Watch.UPGRADED) {
                    w.since = nanos.getAsLong();
                    w.state = Watch.IDLE;
                }
            }
        }
    }

    /** How long a connection may wait between requests, or dribble a request line: 3 header deadlines, at least 1 min. */
    Duration keepAlive() {
        return headerTimeout.multipliedBy(3).compareTo(MIN_KEEP_ALIVE) > 0
                ? headerTimeout.multipliedBy(3)
                : MIN_KEEP_ALIVE;
    }

    /** Closes the sockets of requests whose headers are overdue. */
    void sweepHeaders() {
        long now = nanos.getAsLong();
        List<Map.Entry<ConnectionContext, Watch>> overdue = new ArrayList<>();
        synchronized (watched) {
            for (Map.Entry<ConnectionContext, Watch> e : watched.entrySet()) {
                Watch w = e.getValue();
                long age = now - w.since;
                if ((w.state == Watch.HEADERS && age > headerTimeout.toNanos())
                        || (w.state == Watch.IDLE
                                && w.since != 0
                                && age > keepAlive().toNanos())) {
                    overdue.add(e);
                }
            }
        }
        for (Map.Entry<ConnectionContext, Watch> e : overdue) {
            watched.remove(e.getKey());
            log.debug(
                    "Closed an HTTP connection from {}: no complete request headers within {}",
                    e.getKey().remotePeer().address(),
                    headerTimeout);
            try {
                e.getKey().serverSocket().close();
            } catch (RuntimeException x) {
                log.debug("Cannot close an overdue connection", x);
            }
        }
    }

    /**
     * Refuses an upgrade whose {@code Host} is not one of this coordinator's names (the DNS
     * rebinding defence): Helidon then routes it as plain HTTP, where the access filter answers 421
     * and logs it.
     */
    void checkHost(Headers headers) throws WsUpgradeException {
        if (!hosts.allows(headers.first(HeaderNames.HOST))) {
            throw new WsUpgradeException("host not allowed");
        }
    }

    /** Why a worker's WebSocket upgrade with this {@code Origin} header is refused, if it is. */
    Optional<String> refuseOrigin(Optional<String> origin) {
        return refuseOrigin(origin, "connect workers");
    }

    /**
     * Why a WebSocket upgrade with this {@code Origin} header is refused, if it is: {@code "origin X
     * is not allowed to <what>"}.
     */
    Optional<String> refuseOrigin(Optional<String> origin, String what) {
        if (origins.isEmpty() || origin.isEmpty()) {
            return Optional.empty();
        }
        return origins.contains(origin.get())
                ? Optional.empty()
                : Optional.of("origin " + origin.get() + " is not allowed to " + what);
    }

    /**
     * Why a client's upgrade ({@code /ws/client}) with this {@code Origin} is refused, if it is: a
     * browser page may make grid calls only from the coordinator's own origin or an allowed one,
     * even when any origin may connect workers (a page of another site must not read calls).
     */
    Optional<String> refuseClientOrigin(Optional<String> origin, Optional<String> host) {
        if (origin.isEmpty()) {
            return Optional.empty();
        }
        String o = origin.get();
        boolean same = host.isPresent() && (o.equals("http://" + host.get()) || o.equals("https://" + host.get()));
        return same || origins.contains(o)
                ? Optional.empty()
                : Optional.of("origin " + o + " is not allowed to make grid calls");
    }

    /**
     * Adds the HTTP routes of the WebSocket paths. Helidon answers an upgrade only when the
     * endpoint accepts it; a refused upgrade (a browser page of an origin not allowed), or a plain
     * {@code GET}, reaches these: a refused origin is a 403 naming the origin, logged once; anything
     * else is a 426 saying to upgrade.
     */
    public void routing(HttpRouting.Builder routing) {
        routing.addFilter(this::afterRequest);
        routing.get(WORKER_PATH, (req, res) -> refuse(req, WORKER_PATH, "connect workers"))
                .get(CLIENT_PATH, (req, res) -> refuse(req, CLIENT_PATH, "make grid calls"));
    }

    /**
     * The principal of a worker's upgrade: present if it carries a worker or admin token, empty for
     * an anonymous worker.
     *
     * @throws WsUpgradeException (then answered by {@link #routing}) for a bad token, a token of
     *     another role, or no token when anonymous workers are closed
     */
    Optional<Principal> workerPrincipal(HttpPrologue prologue, Headers headers, String remote)
            throws WsUpgradeException {
        try {
            return worker(token(prologue, headers), remote);
        } catch (PartitaException e) {
            throw new WsUpgradeException(e.getMessage());
        }
    }

    /**
     * The principal of a client's upgrade: a submitter or admin.
     *
     * @throws WsUpgradeException (then answered by {@link #routing}) otherwise
     */
    Principal clientPrincipal(HttpPrologue prologue, Headers headers, String remote) throws WsUpgradeException {
        try {
            return client(token(prologue, headers), remote);
        } catch (PartitaException e) {
            throw new WsUpgradeException(e.getMessage());
        }
    }

    /**
     * Lets workers present a credential that is not an API token (e.g. the coordinator's own local
     * worker's start-up token, which the trust classes recognise): such a connection is neither
     * refused nor given a principal here.
     */
    public void acceptWorkerCredential(java.util.function.Predicate<String> isOther) {
        this.otherWorkerCredential = java.util.Objects.requireNonNull(isOther, "isOther");
    }

    private Optional<Principal> worker(Optional<String> token, String remote) {
        if (!config.auth() || tokens.isEmpty()) {
            return Optional.empty();
        }
        if (token.isPresent() && otherWorkerCredential.test(token.get())) {
            return Optional.empty();
        }
        if (token.isEmpty()) {
            if (!config.anonymousWorkers()) {
                throw unauthorized(
                        remote,
                        WORKER_PATH,
                        "this coordinator takes workers with a worker token only:"
                                + " give the worker --token or PARTITA_TOKEN");
            }
            return Optional.empty();
        }
        Principal p = verify(token.get(), remote, WORKER_PATH);
        if (!p.canWork()) {
            throw PartitaException.forbidden(
                    "forbidden", "role " + p.role().wireName() + " may not connect workers; use a worker token");
        }
        return Optional.of(p);
    }

    private Principal client(Optional<String> token, String remote) {
        if (!config.auth() || tokens.isEmpty()) {
            return Principal.OPEN;
        }
        if (token.isEmpty()) {
            throw unauthorized(remote, CLIENT_PATH, "grid calls need a token: Authorization: Bearer TOKEN");
        }
        Principal p = verify(token.get(), remote, CLIENT_PATH);
        if (!p.canSubmit()) {
            throw PartitaException.forbidden(
                    "forbidden", "role " + p.role().wireName() + " may not make grid calls; it needs submitter");
        }
        return p;
    }

    private Principal verify(String token, String remote, String path) {
        Optional<Principal> p = tokens.get().verify(token);
        if (p.isEmpty()) {
            throw unauthorized(remote, path, "the token is unknown, revoked or expired");
        }
        return p.get();
    }

    private PartitaException unauthorized(String remote, String path, String message) {
        audit.ifPresent(a -> a.refused("anonymous", "GET " + path, message, remote));
        return new PartitaException(PartitaException.Kind.UNAUTHORIZED, "unauthorized", message);
    }

    /** The token of an upgrade: {@code Authorization: Bearer}, else {@code ?access_token=} (browsers). */
    private static Optional<String> token(HttpPrologue prologue, Headers headers) {
        Optional<String> bearer = io.partita.coordinator.http.Access.bearer(headers.first(HeaderNames.AUTHORIZATION));
        if (bearer.isPresent()) {
            return bearer;
        }
        var query = prologue.query();
        return query.contains(io.partita.coordinator.http.Access.TOKEN_PARAM)
                ? Optional.of(query.get(io.partita.coordinator.http.Access.TOKEN_PARAM))
                : Optional.empty();
    }

    private static Optional<String> token(ServerRequest req) {
        Optional<String> bearer =
                io.partita.coordinator.http.Access.bearer(req.headers().first(HeaderNames.AUTHORIZATION));
        if (bearer.isPresent()) {
            return bearer;
        }
        return req.query().contains(io.partita.coordinator.http.Access.TOKEN_PARAM)
                ? Optional.of(req.query().get(io.partita.coordinator.http.Access.TOKEN_PARAM))
                : Optional.empty();
    }

    private void refuse(ServerRequest req, String path, String what) {
        // an upgrade refused for its credentials: the same reason, now as a 401 or 403
        String remote = String.valueOf(req.remotePeer().address());
        Optional<String> refused = path.equals(CLIENT_PATH)
                ? refuseClientOrigin(
                        req.headers().first(HeaderNames.ORIGIN), req.headers().first(HeaderNames.HOST))
                : refuseOrigin(req.headers().first(HeaderNames.ORIGIN), what);
        if (refused.isPresent()) {
            log.warn(
                    "Refused a WebSocket connection to {} from {}: {}",
                    path,
                    req.remotePeer().address(),
                    refused.get());
            throw PartitaException.forbidden("origin_not_allowed", refused.get());
        }
        if (path.equals(WORKER_PATH)) {
            worker(token(req), remote);
        } else {
            client(token(req), remote);
        }
        throw PartitaException.badRequest(
                "websocket_only", path + " is a WebSocket endpoint: connect with a WebSocket upgrade");
    }

    /** Takes a token for a new connection from this address; false if it has none left. */
    synchronized boolean admit(InetAddress address) {
        if (perNano == 0) {
            return true;
        }
        long now = nanos.getAsLong();
        double[] bucket = buckets.get(address);
        if (bucket == null) {
            bucket = new double[] {burst, now};
            buckets.put(address, bucket);
        }
        bucket[0] = Math.min(burst, bucket[0] + (now - (long) bucket[1]) * perNano);
        bucket[1] = now;
        if (bucket[0] < 1) {
            return false;
        }
        bucket[0] -= 1;
        return true;
    }
}
