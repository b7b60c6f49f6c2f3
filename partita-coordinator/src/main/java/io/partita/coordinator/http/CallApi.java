package io.partita.coordinator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.partita.coordinator.calls.CallFunctions;
import io.partita.coordinator.calls.CallService;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.jobs.CodeService;
import io.partita.coordinator.jobs.SpecRules;
import io.partita.coordinator.sched.CallRun;
import io.partita.coordinator.sched.Scheduler;
import io.partita.protocol.Durations;
import io.partita.store.Store;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side of grid calls: {@code POST /api/calls}, {@code GET /api/calls/{id}}, {@code GET
 * /api/cache/stats}, {@code DELETE /api/cache?function=}, {@code POST /api/functions} and {@code GET
 * /api/functions}. See {@code docs/calls.md}.
 */
public final class CallApi {
    static final long DEFAULT_WAIT_MILLIS = 30_000;
    static final long MAX_WAIT_MILLIS = 3_600_000;
    private static final Set<String> CALL_FIELDS = Set.of("function", "args", "async", "timeout");
    private static final Set<String> FUNCTION_FIELDS = Set.of("name", "code", "pure", "timeout");

    private final CallService calls;
    private final Scheduler scheduler;
    private final Store store;
    private final CodeService code;
    private final HttpSupport http;
    private final io.partita.coordinator.auth.Ownership ownership;
    private final io.partita.coordinator.auth.Audit audit;

    /** The grid-call routes, served by {@code calls}. */
    public CallApi(
            CallService calls,
            Scheduler scheduler,
            Store store,
            CodeService code,
            HttpSupport http,
            io.partita.coordinator.auth.Ownership ownership,
            io.partita.coordinator.auth.Audit audit) {
        this.ownership = ownership;
        this.audit = audit;
        this.calls = calls;
        this.scheduler = scheduler;
        this.store = store;
        this.code = code;
        this.http = http;
    }

    /** Adds the routes to {@code routing}. */
    public void routing(HttpRouting.Builder routing) {
        Routes.on(routing)
                .post("/api/calls", this::call)
                .get("/api/calls/{id}", this::get)
                .delete("/api/calls/{id}", this::cancel)
                .get("/api/cache/stats", this::stats)
                .delete("/api/cache", this::clear)
                .post("/api/functions", this::register)
                .get("/api/functions", this::list);
    }

    private void call(ServerRequest req, ServerResponse res) {
        JsonNode body = http.readJson(req);
        if (!body.isObject()) {
            throw PartitaException.invalid("", "expected {\"function\": \"...\", \"args\": [...]}");
        }
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!CALL_FIELDS.contains(field)) {
                throw PartitaException.invalid(field, "unknown field " + field + "; a call takes " + CALL_FIELDS);
            }
        }
        boolean async = false;
        JsonNode a = body.get("async");
        if (a != null && !a.isNull()) {
            if (!a.isBoolean()) {
                throw PartitaException.invalid("async", "async must be true or false, was " + a);
            }
            async = a.booleanValue();
        }
        long wait = waitMillis(body.get("timeout"));
        io.partita.coordinator.common.Principal principal = Access.required(req);
        requireFunction(body.get("function"), principal, ownership);
        CallService.Request request = calls.request(body.get("function"), body.get("args"));
        CompletableFuture<CallRun.Outcome> future = calls.submit(request, principal.tenant());
        if (async) {
            CallService.Tracked tracked = calls.track(request, future);
            ownership.claim(io.partita.coordinator.auth.Ownership.Kind.CALL, tracked.id(), principal);
            ObjectNode out = describe(tracked);
            res.header(HeaderNames.LOCATION, "/api/calls/" + tracked.id());
            http.json(res, 202, out);
            return;
        }
        try {
            CallRun.Outcome outcome = future.get(wait, TimeUnit.MILLISECONDS);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            out.put("function", request.def().name());
            outcome(out, outcome);
            http.json(res, outcome.ok() ? 200 : 500, out);
        } catch (TimeoutException e) {
            CallService.Tracked tracked = calls.track(request, future);
            ownership.claim(io.partita.coordinator.auth.Ownership.Kind.CALL, tracked.id(), principal);
            ObjectNode out = describe(tracked);
            out.put(
                    "error",
                    "the call did not finish within " + wait + " ms; it goes on: GET /api/calls/" + tracked.id());
            http.json(res, 504, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PartitaException.badRequest("interrupted", "the request was interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Checks that {@code principal} may call {@code function}: a function another tenant registered
     * is not found for it (the same answer as for no function), shared ones are callable by all.
     */
    public static void requireFunction(
            JsonNode function,
            io.partita.coordinator.common.Principal principal,
            io.partita.coordinator.auth.Ownership ownership) {
        if (function != null && function.isTextual()) {
            ownership.require(
                    io.partita.coordinator.auth.Ownership.Kind.FUNCTION,
                    function.textValue(),
                    principal,
                    "no function named '" + function.textValue() + "'");
        }
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        ownership.require(
                io.partita.coordinator.auth.Ownership.Kind.CALL,
                id,
                Access.required(req),
                "no call with id '" + id + "'");
        CallService.Tracked tracked =
                calls.tracked(id).orElseThrow(() -> PartitaException.notFound("no call with id '" + id + "'"));
        http.json(res, 200, describe(tracked));
    }

    /** Cancels a call someone may ask about by id: 200 with its view, 409 if it had finished. */
    private void cancel(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        io.partita.coordinator.common.Principal principal = Access.required(req);
        ownership.require(
                io.partita.coordinator.auth.Ownership.Kind.CALL, id, principal, "no call with id '" + id + "'");
        CallService.Tracked tracked =
                calls.tracked(id).orElseThrow(() -> PartitaException.notFound("no call with id '" + id + "'"));
        if (!scheduler.cancelCall(tracked.future(), "cancelled by " + principal.user())) {
            throw new PartitaException(
                    PartitaException.Kind.CONFLICT,
                    "already_finished",
                    "call " + id + " has finished: "
                            + describe(tracked).path("status").asText());
        }
        http.json(res, 200, describe(tracked));
    }

    private static ObjectNode describe(CallService.Tracked tracked) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("id", tracked.id());
        out.put("function", tracked.request().def().name());
        out.set("args", tracked.request().args());
        CallRun.Outcome outcome = tracked.future().getNow(null);
        if (outcome == null) {
            out.put("status", "running");
        } else {
            outcome(out, outcome);
        }
        out.putObject("links").put("self", "/api/calls/" + tracked.id());
        return out;
    }

    private static void outcome(ObjectNode out, CallRun.Outcome outcome) {
        if (outcome.ok()) {
            out.put("status", "done");
            out.set("result", outcome.value());
            out.put("cached", outcome.cached());
        } else {
            out.put("status", "failed");
            out.put("error", outcome.error());
        }
    }

    private void stats(ServerRequest req, ServerResponse res) {
        ObjectNode out = calls.cache().stats();
        Scheduler.CallTotals totals = scheduler.callTotals();
        ObjectNode live = out.putObject("calls");
        live.put("live", totals.live());
        live.put("queued", totals.queued());
        live.put("running", totals.running());
        live.put("suspended", totals.suspended());
        http.json(res, 200, out);
    }

    private void clear(ServerRequest req, ServerResponse res) {
        if (!req.query().contains("function") || req.query().get("function").isBlank()) {
            throw PartitaException.invalidQuery("function", "function is required: DELETE /api/cache?function=NAME");
        }
        String function = req.query().get("function");
        long removed = calls.cache().clear(function);
        long stored = store.clearCache(function);
        store.forgetFingerprints(function);
        io.partita.coordinator.common.Principal admin = Access.required(req);
        audit.action(
                admin.describe(),
                "cache.clear",
                function,
                req.remotePeer().address().toString());
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("function", function);
        out.put("removed", Math.max(removed, stored));
        http.json(res, 200, out);
    }

    private void register(ServerRequest req, ServerResponse res) {
        JsonNode body = http.readJson(req);
        if (!body.isObject()) {
            throw PartitaException.invalid(
                    "", "expected {\"name\": \"...\", \"code\": \"export function call(args, ctx) {...}\"}");
        }
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FUNCTION_FIELDS.contains(field)) {
                throw PartitaException.invalid(
                        field, "unknown field " + field + "; a function takes " + FUNCTION_FIELDS);
            }
        }
        JsonNode name = body.get("name");
        if (name == null
                || !name.isTextual()
                || !name.textValue().matches("[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")
                || name.textValue().length() > 200) {
            throw PartitaException.invalid(
                    "name", "name must be lower-case segments separated by /, e.g. \"examples/fib-js\", was " + name);
        }
        JsonNode source = body.get("code");
        if (source == null || !source.isTextual() || source.textValue().isEmpty()) {
            throw PartitaException.invalid("code", "code is required: the module's text, exporting call(args, ctx)");
        }
        boolean pure = true;
        JsonNode p = body.get("pure");
        if (p != null && !p.isNull()) {
            if (!p.isBoolean()) {
                throw PartitaException.invalid("pure", "pure must be true or false, was " + p);
            }
            pure = p.booleanValue();
        }
        Duration timeout = SpecRules.timeLimit(
                body.get("timeout"), "timeout", calls.functions().defaultTimeout());
        io.partita.coordinator.common.Principal principal = Access.required(req);
        var owner = ownership.owner(io.partita.coordinator.auth.Ownership.Kind.FUNCTION, name.textValue());
        boolean exists = calls.functions().all().stream().anyMatch(d -> d.name().equals(name.textValue()));
        if (!principal.isAdmin()
                && (owner.map(o -> !o.tenant().equals(principal.tenant())).orElse(exists))) {
            throw PartitaException.conflict(
                    "name_taken", "the function name '" + name.textValue() + "' is taken; choose another");
        }
        if (owner.isEmpty()) {
            ownership.claim(io.partita.coordinator.auth.Ownership.Kind.FUNCTION, name.textValue(), principal);
        }
        CodeService.Stored stored = code.put(source.textValue(), "code", "call", "call(args, ctx)");
        CallFunctions.Def def = calls.functions().registerJs(name.textValue(), stored.hash(), pure, timeout);
        res.header(HeaderNames.LOCATION, "/api/functions");
        http.json(res, 201, function(def));
    }

    private void list(ServerRequest req, ServerResponse res) {
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        io.partita.coordinator.common.Principal principal = Access.required(req);
        java.util.Set<String> others = new java.util.HashSet<>();
        if (!principal.isAdmin()) {
            for (CallFunctions.Def def : calls.functions().all()) {
                if (!ownership.visible(io.partita.coordinator.auth.Ownership.Kind.FUNCTION, def.name(), principal)) {
                    others.add(def.name());
                }
            }
        }
        for (CallFunctions.Def def : calls.functions().all()) {
            if (others.contains(def.name())) {
                continue;
            }
            items.add(function(def));
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("items", items);
        http.json(res, 200, out);
    }

    private static ObjectNode function(CallFunctions.Def def) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("name", def.name());
        out.put("runtime", def.runtime());
        out.put("version", def.version());
        out.put("pure", def.pure());
        out.put("timeout", def.timeout().toString());
        return out;
    }

    /**
     * A call's {@code timeout}: how long to wait for its result, in milliseconds, from 1 to {@value
     * #MAX_WAIT_MILLIS}; given as a number of milliseconds or as a duration ({@code "30s"}, {@code
     * "PT30S"}); {@value #DEFAULT_WAIT_MILLIS} if absent or null.
     */
    static long waitMillis(JsonNode t) {
        if (t == null || t.isNull()) {
            return DEFAULT_WAIT_MILLIS;
        }
        long millis;
        if (t.isIntegralNumber() && t.canConvertToLong()) {
            millis = t.longValue();
        } else if (t.isTextual()) {
            Duration d;
            try {
                d = Durations.parse("timeout", t.textValue());
            } catch (IllegalArgumentException e) {
                throw PartitaException.invalid("timeout", e.getMessage());
            }
            millis = d.compareTo(Duration.ofMillis(MAX_WAIT_MILLIS)) > 0 ? Long.MAX_VALUE : d.toMillis();
        } else {
            millis = -1;
        }
        if (millis < 1 || millis > MAX_WAIT_MILLIS) {
            throw PartitaException.invalid(
                    "timeout",
                    "timeout must be a number of milliseconds from 1 to " + MAX_WAIT_MILLIS
                            + " or a duration such as 30s or PT30S up to 1h, was " + t);
        }
        return millis;
    }
}
