package io.partita.coordinator.wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.websocket.WsUpgradeException;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.auth.Audit;
import io.partita.coordinator.auth.Tokens;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may open a worker connection: browsers only from the configured page origins, and no IP
 * address more often than {@code connectionsPerMinute} (a token bucket per address holding up to
 * half a minute's worth, so a page that opens and closes quickly, or a crowd behind one NAT joining
 * at once, still gets in, while a reconnect loop does not). Thread-safe.
 */
public final class ConnectionGate {
    /** Where workers connect. */
    public static final String WORKER_PATH = "/ws/worker";
    /** Where clients connect to make grid calls. */
    public static final String CLIENT_PATH = "/ws/client";

    private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);
    private static final int MAX_TRACKED = 10_000;

    private final List<String> origins;
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
        this.tokens = tokens;
        this.audit = audit;
        this.origins = config.allowedOrigins();
        this.perNano = config.connectionsPerMinute() / 60e9;
        this.burst = Math.max(1, config.connectionsPerMinute() / 2.0);
        this.nanos = nanos;
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
