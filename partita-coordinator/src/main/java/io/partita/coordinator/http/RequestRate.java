package io.partita.coordinator.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Bounds the plain HTTP requests (REST API, pages, streams' first requests) one IP address may make:
 * a token bucket per address holding one second's worth times {@value #BURST_SECONDS}, refilled at
 * {@code requests-per-second} (issue 18: only WebSockets were capped per address). A request over
 * it is answered 429 with {@code Retry-After} and a JSON error naming the limit, before access
 * control or any handler runs.
 *
 * <p>A client on the server's own loopback address (a connection from 127.0.0.1 to 127.0.0.1: the
 * CLI, the tests, a reverse proxy on the same host) is exempt, so the first five minutes are
 * unaffected. Only the exact address: a client bound to another loopback address (127.0.0.2) is
 * counted like any other, which is also how the limit is tested. WebSocket upgrades are not
 * routed here: their own per-address bounds apply ({@code ConnectionGate}); nor are data tasks'
 * capability URLs ({@code /data/<token>/...}), which a lease bounds. Thread-safe.
 */
public final class RequestRate {
    /** How many seconds' worth of requests a bucket holds: the burst an address may send at once. */
    static final int BURST_SECONDS = 2;

    private static final int MAX_TRACKED = 10_000;

    /**
     * Capability URLs of data tasks: a worker's many slots read and write them at the pace of its
     * tasks, and each needs a live lease, which bounds them already.
     */
    private static final String CAPABILITIES = "/data/";

    private final int perSecond;
    private final LongSupplier nanos;
    private final Map<InetAddress, Bucket> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    /** At most {@code perSecond} requests a second per address (0: no limit), timed by {@code nanos}. */
    public RequestRate(int perSecond, LongSupplier nanos) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("requests-per-second must not be negative, was " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanos = nanos;
    }

    /** Adds the filter to {@code routing}; add it before access control. */
    public void routing(HttpRouting.Builder routing) {
        if (perSecond > 0) {
            routing.addFilter(this::filter);
        }
    }

    private void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        InetAddress remote = address(req.remotePeer().address());
        if (remote == null
                || exempt(remote, address(req.localPeer().address()))
                || req.path().path().startsWith(CAPABILITIES)) {
            chain.proceed();
            return;
        }
        long wait = take(remote);
        if (wait == 0) {
            chain.proceed();
            return;
        }
        String body = "{\"error\":\"too_many_requests\",\"message\":\"more than " + perSecond
                + " requests a second from your address (requests-per-second " + perSecond
                + "); try again later\",\"field\":null}";
        res.status(Status.TOO_MANY_REQUESTS_429);
        res.header(HeaderNames.RETRY_AFTER, String.valueOf(wait));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a client is exempt: on loopback, at the very address it reached the server at. */
    static boolean exempt(InetAddress remote, InetAddress local) {
        return remote.isLoopbackAddress() && remote.equals(local);
    }

    /** Takes a token for {@code address}: 0 if there was one, else the seconds to wait for one (at least 1). */
    synchronized long take(InetAddress address) {
        long now = nanos.getAsLong();
        double capacity = (double) perSecond * BURST_SECONDS;
        Bucket b = buckets.computeIfAbsent(address, a -> new Bucket(capacity, now));
        b.tokens = Math.min(capacity, b.tokens + (now - b.at) * perSecond / 1e9);
        b.at = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond));
    }

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private static InetAddress address(java.net.SocketAddress a) {
        return a instanceof InetSocketAddress s ? s.getAddress() : null;
    }
}
