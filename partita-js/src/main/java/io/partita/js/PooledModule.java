package io.partita.js;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.ResourceLimits;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JsModule} backed by a pool of contexts.
 *
 * <p>Each {@link Slot} is a context in which the harness script and then the module have been
 * evaluated. A call takes an idle slot (or creates one), runs under a watchdog deadline, and gives the
 * slot back unless it is broken: cancelled by the watchdog or the statement limit, or out of memory.
 * Broken slots are closed and never reused, so a bad call cannot leave state behind for the next.
 * The watchdog and the calling thread race for the call's state with {@code compareAndSet}: exactly
 * one of "finished" and "timed out" wins, so a timer that fires late never closes a context that has
 * gone back to the pool.
 */
final class PooledModule implements JsModule {

    private static final Logger LOG = LoggerFactory.getLogger(PooledModule.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RUNNING = 0;
    private static final int FINISHED = 1;
    private static final int TIMED_OUT = 2;

    private final JsRuntime runtime;
    private final String hash;
    private final Source source;
    private final Source harness;
    private final ResourceLimits limits;
    private final ConcurrentLinkedDeque<Slot> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private volatile Set<String> exports;
    private volatile boolean closed;

    private static final class Slot {
        final Context context;
        final CallBridge bridge = new CallBridge();
        Value harness;
        volatile boolean broken;

        Slot(Context context) {
            this.context = context;
        }
    }

    @FunctionalInterface
    private interface GuestCall<T> {
        T run(Slot slot);
    }

    PooledModule(JsRuntime runtime, String hash, String source) {
        this.runtime = runtime;
        this.hash = hash;
        this.source = Source.newBuilder("js", source, hash + ".mjs")
                .mimeType("application/javascript+module")
                .cached(true)
                .buildLiteral();
        this.harness = Source.newBuilder("js", runtime.harness(), "partita-harness.js")
                .internal(true)
                .cached(true)
                .buildLiteral();
        long statementLimit = runtime.options().statementLimit();
        this.limits = statementLimit == 0
                ? null
                : ResourceLimits.newBuilder()
                        .statementLimit(statementLimit, s -> !s.isInternal())
                        .build();
    }

    @Override
    public String hash() {
        return hash;
    }

    @Override
    public boolean has(String export) {
        Set<String> known = exports;
        if (known == null) {
            try {
                release(borrow(runtime.options().defaultTimeout()));
            } catch (JsTaskException e) {
                return false;
            }
            known = exports;
        }
        return known != null && known.contains(export);
    }

    @Override
    public JsonNode prepare(JsonNode params, Duration timeout) throws JsTaskException {
        return call("prepare", args(params), false, timeout, null, null);
    }

    @Override
    public JsonNode input(JsonNode params, long index, Duration timeout) throws JsTaskException {
        return call("input", args(params, JsonNodeFactory.instance.numberNode(index)), false, timeout, null, null);
    }

    @Override
    public JsonNode compute(JsonNode input, JsTaskContext ctx, Duration timeout) throws JsTaskException {
        return call("compute", args(input, context(ctx)), true, timeout, ctx.log(), ctx.calls());
    }

    @Override
    public JsonNode log(JsonNode event, JsTaskContext ctx, Duration timeout) throws JsTaskException {
        return call("log", args(event, context(ctx)), true, timeout, ctx.log(), null);
    }

    @Override
    public JsonNode invoke(JsonNode args, JsTaskContext ctx, Duration timeout) throws JsTaskException {
        return call("call", args(args, context(ctx)), true, timeout, ctx.log(), ctx.calls());
    }

    private static ObjectNode context(JsTaskContext ctx) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        if (ctx.calls() != null) {
            c.put("calls", true);
        }
        c.set("params", ctx.params());
        c.put("partition", ctx.partition());
        c.put("attempt", ctx.attempt());
        c.put("partitions", ctx.partitions());
        return c;
    }

    @Override
    public JsonNode combine(JsonNode a, JsonNode b, Duration timeout) throws JsTaskException {
        return call("combine", args(a, b), false, timeout, null, null);
    }

    @Override
    public JsonNode collect(List<JsonNode> outputs, JsonNode params, Duration timeout) throws JsTaskException {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        outputs.forEach(list::add);
        return call("collect", args(list, params), false, timeout, null, null);
    }

    @Override
    public DataResult mapSplit(String text, String info, int reducers, Duration timeout) throws JsTaskException {
        return data("map", s -> s.harness.invokeMember("dataMap", text, info, reducers), timeout);
    }

    @Override
    public DataResult reduceRuns(List<String> runs, Duration timeout) throws JsTaskException {
        return data(
                "reduce",
                s -> s.harness.invokeMember("dataReduce", ProxyArray.fromList(new java.util.ArrayList<Object>(runs))),
                timeout);
    }

    /** Runs a data engine entry point and reads its {parts, counters} answer. */
    private DataResult data(String what, GuestCall<Value> call, Duration timeout) throws JsTaskException {
        Objects.requireNonNull(timeout, "timeout");
        long started = System.nanoTime();
        Slot slot = borrow(timeout);
        try {
            String required = what.equals("map") ? "map" : "reduce";
            if (!exports.contains(required)) {
                throw new JsTaskException(
                        JsTaskException.Kind.MISSING_EXPORT,
                        "the module does not export a function '" + required + "'");
            }
            Duration left = timeout.minusNanos(System.nanoTime() - started);
            return guarded(slot, left.isNegative() ? Duration.ZERO : left, timeout, false, null, s -> {
                if (limits != null) {
                    s.context.resetLimits();
                }
                try {
                    Value result = call.run(s);
                    Value parts = result.getMember("parts");
                    List<String> out = new java.util.ArrayList<>((int) parts.getArraySize());
                    for (long i = 0; i < parts.getArraySize(); i++) {
                        out.add(parts.getArrayElement(i).asString());
                    }
                    return new DataResult(out, result.getMember("counters").asString());
                } finally {
                    s.bridge.end();
                }
            });
        } finally {
            release(slot);
        }
    }

    private static String args(JsonNode... values) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (JsonNode v : values) {
            array.add(v == null ? JsonNodeFactory.instance.nullNode() : v);
        }
        try {
            return JSON.writeValueAsString(array);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("arguments are not serialisable as JSON", e);
        }
    }

    private JsonNode call(
            String name,
            String argsJson,
            boolean withContext,
            Duration timeout,
            Consumer<String> log,
            JsTaskContext.Calls calls)
            throws JsTaskException {
        Objects.requireNonNull(timeout, "timeout");
        long started = System.nanoTime();
        Slot slot = borrow(timeout);
        try {
            if (!exports.contains(name)) {
                throw new JsTaskException(
                        JsTaskException.Kind.MISSING_EXPORT, "the module does not export a function '" + name + "'");
            }
            Duration left = timeout.minusNanos(System.nanoTime() - started);
            String json = guarded(slot, left.isNegative() ? Duration.ZERO : left, timeout, false, calls, s -> {
                if (limits != null) {
                    s.context.resetLimits();
                }
                try {
                    Value result = s.harness.invokeMember("call", name, argsJson, withContext);
                    if (result.isNull()) {
                        if (!s.harness.invokeMember("settled").asBoolean()) {
                            throw new PendingPromise();
                        }
                        result = s.harness.invokeMember("settle");
                    }
                    return result.asString();
                } finally {
                    s.bridge.end();
                    if (log != null && !s.broken) {
                        deliverLogs(s, log);
                    }
                }
            });
            if (json.length() > runtime.options().maxOutputChars()) {
                throw new JsTaskException(
                        JsTaskException.Kind.OUTPUT,
                        name + " returned " + json.length() + " characters of JSON, more than the limit of "
                                + runtime.options().maxOutputChars());
            }
            try {
                return JSON.readTree(json);
            } catch (JsonProcessingException e) {
                throw new JsTaskException(JsTaskException.Kind.OUTPUT, name + " returned invalid JSON", e);
            }
        } finally {
            release(slot);
        }
    }

    private static void deliverLogs(Slot slot, Consumer<String> log) {
        try {
            Value drained = slot.harness.invokeMember("drainLogs");
            if (drained.isNull()) {
                return;
            }
            for (JsonNode m : JSON.readTree(drained.asString())) {
                log.accept(m.asText());
            }
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.debug("could not deliver the log of a JavaScript call of module {}", slot, e);
        }
    }

    /** Thrown inside a guarded call when compute's promise did not settle once its jobs ran. */
    private static final class PendingPromise extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PendingPromise() {
            super(null, null, false, false);
        }
    }

    private <T> T guarded(
            Slot slot, Duration left, Duration timeout, boolean loading, JsTaskContext.Calls calls, GuestCall<T> call)
            throws JsTaskException {
        AtomicInteger state = new AtomicInteger(RUNNING);
        Watchdog timer = new Watchdog(slot, state, left.toNanos());
        slot.bridge.begin(calls, timer::pause, timer::unpause);
        try {
            T value = call.run(slot);
            if (!state.compareAndSet(RUNNING, FINISHED)) {
                throw timedOut(timeout, null);
            }
            return value;
        } catch (PolyglotException e) {
            if (!state.compareAndSet(RUNNING, FINISHED)) {
                throw timedOut(timeout, e);
            }
            if (Failures.breaksContext(e)) {
                slot.broken = true;
            }
            throw Failures.translate(e, hash, loading);
        } catch (PendingPromise e) {
            state.compareAndSet(RUNNING, FINISHED);
            throw new JsTaskException(
                    JsTaskException.Kind.ERROR,
                    "the returned promise never settled (it awaits something that cannot happen in a worker)");
        } catch (OutOfMemoryError e) {
            state.compareAndSet(RUNNING, FINISHED);
            slot.broken = true;
            throw new JsTaskException(JsTaskException.Kind.RESOURCES, "out of memory", e);
        } catch (StackOverflowError e) {
            state.compareAndSet(RUNNING, FINISHED);
            slot.broken = true;
            throw new JsTaskException(JsTaskException.Kind.RESOURCES, "stack overflow", e);
        } catch (IllegalStateException e) {
            // The context was closed under us: by the watchdog, or by the runtime closing.
            slot.broken = true;
            if (!state.compareAndSet(RUNNING, FINISHED)) {
                throw timedOut(timeout, e);
            }
            throw new JsTaskException(JsTaskException.Kind.ERROR, "cancelled: " + e.getMessage(), e);
        } finally {
            timer.cancel();
        }
    }

    /**
     * The deadline of one guarded call: closes the context when it passes, unless the call finished
     * first. Paused while the call waits for grid calls, so only its own running time counts.
     */
    private final class Watchdog {
        private final Slot slot;
        private final AtomicInteger state;
        private long leftNanos;
        private long startedNanos;
        private ScheduledFuture<?> timer;

        Watchdog(Slot slot, AtomicInteger state, long leftNanos) {
            this.slot = slot;
            this.state = state;
            this.leftNanos = Math.max(1, leftNanos);
            start();
        }

        private synchronized void start() {
            startedNanos = System.nanoTime();
            timer = runtime.watchdog().schedule(this::fire, leftNanos, TimeUnit.NANOSECONDS);
        }

        private void fire() {
            if (state.compareAndSet(RUNNING, TIMED_OUT)) {
                slot.broken = true;
                try {
                    slot.context.close(true);
                } catch (RuntimeException e) {
                    LOG.debug("cancelling a timed-out JavaScript context failed", e);
                }
            }
        }

        synchronized void pause() {
            if (timer != null && timer.cancel(false)) {
                leftNanos = Math.max(1, leftNanos - (System.nanoTime() - startedNanos));
                timer = null;
            }
        }

        void unpause() {
            synchronized (this) {
                if (timer != null || state.get() != RUNNING) {
                    return;
                }
            }
            start();
        }

        synchronized void cancel() {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }

    private static JsTaskException timedOut(Duration timeout, Throwable cause) {
        return new JsTaskException(JsTaskException.Kind.TIMEOUT, "timed out after " + timeout, cause);
    }

    private Slot borrow(Duration timeout) throws JsTaskException {
        if (closed || runtime.isClosed()) {
            throw new JsTaskException(JsTaskException.Kind.ERROR, "the JavaScript runtime is closed");
        }
        Slot slot = idle.pollFirst();
        if (slot != null) {
            idleCount.decrementAndGet();
            return slot;
        }
        return load(timeout);
    }

    private void release(Slot slot) {
        if (slot.broken || closed) {
            closeQuietly(slot);
            return;
        }
        if (idleCount.incrementAndGet() > runtime.options().poolSizePerModule()) {
            idleCount.decrementAndGet();
            closeQuietly(slot);
            return;
        }
        idle.addFirst(slot);
        if (closed && idle.remove(slot)) {
            idleCount.decrementAndGet();
            closeQuietly(slot);
        }
    }

    private Slot load(Duration timeout) throws JsTaskException {
        Context.Builder builder = Context.newBuilder("js")
                .engine(runtime.engine())
                .sandbox(SandboxPolicy.CONSTRAINED)
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .in(InputStream.nullInputStream())
                .allowHostAccess(HostAccess.CONSTRAINED)
                .allowHostClassLookup(className -> false)
                .allowIO(IOAccess.NONE)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowValueSharing(false)
                .option("js.esm-eval-returns-exports", "true");
        if (limits != null) {
            builder.resourceLimits(limits);
        }
        Slot slot = new Slot(builder.build());
        try {
            Set<String> names = guarded(slot, timeout, timeout, true, null, s -> {
                s.context.eval(runtime.engineSource());
                s.harness = s.context.eval(harness);
                Value namespace = s.context.eval(source);
                s.harness.invokeMember("bind", namespace, s.bridge);
                try {
                    return Set.of(
                            JSON.readValue(s.harness.invokeMember("exports").asString(), String[].class));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            });
            exports = names;
            return slot;
        } catch (JsTaskException | RuntimeException e) {
            closeQuietly(slot);
            throw e;
        }
    }

    void close() {
        closed = true;
        Slot slot;
        while ((slot = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
            closeQuietly(slot);
        }
    }

    private static void closeQuietly(Slot slot) {
        try {
            slot.context.close(true);
        } catch (RuntimeException e) {
            LOG.debug("closing a JavaScript context failed", e);
        }
    }

    @Override
    public String toString() {
        return "JsModule[" + hash + "]";
    }
}
