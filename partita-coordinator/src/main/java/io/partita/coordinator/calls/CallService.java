package io.partita.coordinator.calls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.partita.coordinator.common.CanonicalJson;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.sched.CallRun;
import io.partita.coordinator.sched.Scheduler;
import io.partita.coordinator.sched.WorkerConn;
import io.partita.protocol.Message;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Grid calls from every entrance: the HTTP API, client connections and workers' tasks. A call is
 * checked, keyed (function name, version and canonical arguments), answered from the cache when it
 * can be, else handed to the scheduler, which merges it with an identical call in flight or queues
 * it. Thread-safe.
 */
public final class CallService {
    /** Calls kept for {@code GET /api/calls/{id}} after they were made asynchronously or timed out. */
    static final int KEPT_CALLS = 10_000;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Scheduler scheduler;
    private final CallFunctions functions;
    private final CallCache cache;
    private final Map<String, Tracked> tracked = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tracked> eldest) {
            return size() > KEPT_CALLS;
        }
    };

    /** Grid calls answered from {@code cache} or run by {@code scheduler}. */
    public CallService(Scheduler scheduler, CallFunctions functions, CallCache cache) {
        this.scheduler = scheduler;
        this.functions = functions;
        this.cache = cache;
    }

    /** The functions that answer calls. */
    public CallFunctions functions() {
        return functions;
    }

    /** The cache of pure calls' results. */
    public CallCache cache() {
        return cache;
    }

    /** A checked call: its function, arguments and cache key (null for an impure function). */
    public record Request(CallFunctions.Def def, JsonNode args, String key) {}

    /** A call someone may ask about later by id. */
    public record Tracked(String id, Request request, CompletableFuture<CallRun.Outcome> future) {}

    /**
     * Checks a call.
     *
     * @throws PartitaException (422) naming {@code function} or {@code args}
     */
    public Request request(JsonNode function, JsonNode args) {
        if (function == null
                || function.isNull()
                || !function.isTextual()
                || function.textValue().isBlank()) {
            throw PartitaException.invalid(
                    "function", "function is required: the name of a function, e.g. examples/fib");
        }
        String name = function.textValue();
        CallFunctions.Def def = functions
                .get(name)
                .orElseThrow(() -> new PartitaException(
                        PartitaException.Kind.INVALID,
                        "unknown_function",
                        "unknown function '" + name + "'; known call functions are " + functions.names(),
                        "function"));
        JsonNode list = args == null || args.isNull() ? JsonNodeFactory.instance.arrayNode() : args;
        if (!list.isArray()) {
            throw PartitaException.invalid("args", "args must be a JSON array of arguments, was " + list.getNodeType());
        }
        return new Request(def, list, key(def, list));
    }

    static String key(CallFunctions.Def def, JsonNode args) {
        return def.pure() ? CanonicalJson.sha256("call", def.name(), def.version(), CanonicalJson.of(args)) : null;
    }

    /** Makes a checked call: from the cache, merged with one in flight, or queued. */
    public CompletableFuture<CallRun.Outcome> submit(Request request) {
        return submit(request, "");
    }

    /**
     * Makes a checked call of {@code tenant}'s: from the cache, merged with one in flight, or queued.
     *
     * @throws io.partita.coordinator.common.PartitaException 429 when the tenant's calls in flight
     *     are at its quota
     */
    public CompletableFuture<CallRun.Outcome> submit(Request request, String tenant) {
        if (request.key() != null) {
            CallCache.Entry hit = cache.get(request.key(), request.def().name());
            if (hit != null) {
                return CompletableFuture.completedFuture(new CallRun.Outcome(true, hit.value, hit.bytes, null, true));
            }
        }
        return scheduler.call(request.def(), request.args(), request.key(), tenant);
    }

    /** Remembers a call under a new id for {@link #tracked(String)}. */
    public Tracked track(Request request, CompletableFuture<CallRun.Outcome> future) {
        StringBuilder id = new StringBuilder("c");
        for (int i = 0; i < 16; i++) {
            id.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        Tracked t = new Tracked(id.toString(), request, future);
        synchronized (tracked) {
            tracked.put(t.id(), t);
        }
        return t;
    }

    /** The call remembered under {@code id}, if it is still kept. */
    public Optional<Tracked> tracked(String id) {
        synchronized (tracked) {
            return Optional.ofNullable(tracked.get(id));
        }
    }

    /**
     * Calls made by a worker's tasks: unknown functions and bad arguments are answered with an
     * error, cache hits with the result, the rest go to the scheduler.
     */
    public void fromWorker(WorkerConn w, Message.Calls message) {
        List<Message.Answer> answers = null;
        List<Scheduler.WorkerCall> misses = null;
        for (Message.CallRequest call : message.calls()) {
            Message.Answer answer = null;
            Optional<CallFunctions.Def> def = functions.get(call.function());
            if (def.isEmpty()) {
                answer = new Message.Answer(
                        call.id(),
                        false,
                        null,
                        "unknown function '" + call.function() + "'; known call functions are " + functions.names());
            } else {
                String key = key(def.get(), call.args());
                CallCache.Entry hit =
                        key == null ? null : cache.get(key, def.get().name());
                if (hit != null) {
                    answer = new Message.Answer(call.id(), true, hit.value, null);
                } else {
                    if (misses == null) {
                        misses = new ArrayList<>();
                    }
                    misses.add(new Scheduler.WorkerCall(call.id(), def.get(), call.args(), key, call.parent()));
                }
            }
            if (answer != null) {
                if (answers == null) {
                    answers = new ArrayList<>();
                }
                answers.add(answer);
            }
        }
        if (answers != null) {
            w.outbox.send(new Message.Answers(answers));
        }
        if (misses != null) {
            scheduler.workerCalls(w, misses);
        }
    }
}
