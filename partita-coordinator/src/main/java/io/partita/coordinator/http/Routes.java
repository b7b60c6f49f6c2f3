package io.partita.coordinator.http;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;

/**
 * Registers routes on a Helidon routing so that every {@code GET} route also answers {@code HEAD}
 * (RFC 9110 §9.3.2): the same handler, given a {@link HeadResponse} that sends the status and
 * headers without the body. The API's and the pages' route lists use it instead of the builder, so
 * a new {@code GET} route gets its {@code HEAD} without anyone remembering to add it.
 */
public final class Routes {
    /** The routes registered through this class, by routing: what {@link Access#requireRules} checks. */
    private static final java.util.Map<HttpRouting.Builder, java.util.List<String>> REGISTERED =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final HttpRouting.Builder routing;

    private Routes(HttpRouting.Builder routing) {
        this.routing = routing;
    }

    /** Routes added to {@code routing}. */
    public static Routes on(HttpRouting.Builder routing) {
        return new Routes(routing);
    }

    /** The routes ({@code "METHOD /path"}) registered on {@code routing} through this class. */
    public static java.util.List<String> registered(HttpRouting.Builder routing) {
        synchronized (REGISTERED) {
            return java.util.List.copyOf(REGISTERED.getOrDefault(routing, java.util.List.of()));
        }
    }

    /** Records a route registered elsewhere (streams, WebSocket paths), for the same check. */
    public static void record(HttpRouting.Builder routing, String method, String path) {
        REGISTERED
                .computeIfAbsent(routing, r -> java.util.Collections.synchronizedList(new java.util.ArrayList<>()))
                .add(method + " " + path);
    }

    /** {@code GET path} and {@code HEAD path}, both handled by {@code handler}. */
    public Routes get(String path, Handler handler) {
        record(routing, "GET", path);
        routing.get(path, handler);
        routing.route(Method.HEAD, path, head(handler));
        return this;
    }

    /** {@code POST path}. */
    public Routes post(String path, Handler handler) {
        record(routing, "POST", path);
        routing.post(path, handler);
        return this;
    }

    /** {@code PUT path}. */
    public Routes put(String path, Handler handler) {
        record(routing, "PUT", path);
        routing.put(path, handler);
        return this;
    }

    /** {@code DELETE path}. */
    public Routes delete(String path, Handler handler) {
        record(routing, "DELETE", path);
        routing.delete(path, handler);
        return this;
    }

    /** {@code OPTIONS path}. */
    public Routes options(String path, Handler handler) {
        record(routing, "OPTIONS", path);
        routing.options(path, handler);
        return this;
    }

    /** Every method on {@code path}; a {@code HEAD} gets no body. */
    public Routes any(String path, Handler handler) {
        record(routing, "ANY", path);
        routing.any(path, (req, res) -> handler.handle(req, isHead(req) ? new HeadResponse(res) : res));
        return this;
    }

    /** {@code handler} answering a {@code HEAD}: headers only. */
    static Handler head(Handler handler) {
        return (req, res) -> handler.handle(req, new HeadResponse(res));
    }

    /** Whether {@code req} is a {@code HEAD}. */
    static boolean isHead(ServerRequest req) {
        return req.prologue().method().equals(Method.HEAD);
    }
}
