package io.partita.coordinator.wire;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.common.PartitaException;
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

    /** A gate with {@code config}'s allowed origins and connection rate, timed by {@code nanos}. */
    public ConnectionGate(CoordinatorConfig config, LongSupplier nanos) {
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
     * Adds the HTTP routes of the WebSocket paths. Helidon answers an upgrade only when the
     * endpoint accepts it; a refused upgrade (a browser page of an origin not allowed), or a plain
     * {@code GET}, reaches these: a refused origin is a 403 naming the origin, logged once; anything
     * else is a 426 saying to upgrade.
     */
    public void routing(HttpRouting.Builder routing) {
        routing.get(WORKER_PATH, (req, res) -> refuse(req, WORKER_PATH, "connect workers"))
                .get(CLIENT_PATH, (req, res) -> refuse(req, CLIENT_PATH, "make grid calls"));
    }

    private void refuse(ServerRequest req, String path, String what) {
        Optional<String> refused = refuseOrigin(req.headers().first(HeaderNames.ORIGIN), what);
        if (refused.isPresent()) {
            log.warn(
                    "Refused a WebSocket connection to {} from {}: {}",
                    path,
                    req.remotePeer().address(),
                    refused.get());
            throw PartitaException.forbidden("origin_not_allowed", refused.get());
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
