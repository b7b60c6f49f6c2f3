package io.partita.coordinator.sched;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.calls.CallFunctions;
import io.partita.coordinator.core.Lease;
import io.partita.coordinator.core.SingleWork;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One grid call being computed: a one-task work of the scheduling core (queued, leased to a worker —
 * perhaps suspended there while it waits for its own calls — or ended). Everyone who asked for it
 * while it was in flight waits on it. A call's attempt is lost (its worker went away or it timed out)
 * at most {@value #ATTEMPTS} times; an error of the function itself fails it at once. Guarded by the
 * scheduler's lock.
 */
public final class CallRun extends SingleWork {
    /** How often a grid call may lose its worker or time out before it fails. */
    static final int ATTEMPTS = 3;

    final long seq;
    final CallFunctions.Def def;
    final JsonNode args;
    /** The cache key; null for a call of an impure function, which is neither cached nor merged. */
    final String key;
    /** The call whose task made this call, if any: followed to refuse a call that waits for itself. */
    final CallRun parent;

    /** How deep the call is nested: 1 for a call made by a client or a job's task. */
    final int depth;

    final List<Waiter> waiters = new ArrayList<>(1);
    /** The outcome once the call succeeded, before the core ends it. */
    Outcome outcome;

    CallRun(long seq, CallFunctions.Def def, JsonNode args, String key, CallRun parent, boolean sub) {
        super(
                Kind.CALL,
                "call-" + seq,
                def.timeout(),
                ATTEMPTS,
                true,
                // A call's answer enters the cache and is reused: it is verified like a job's.
                io.partita.coordinator.jobs.Verification.DEFAULT.policy(),
                def.descriptorId(),
                sub,
                0);
        this.seq = seq;
        this.def = def;
        this.args = args;
        this.key = key;
        this.parent = parent;
        this.depth = parent == null ? 1 : parent.depth + 1;
    }

    /** Whether {@code other} is this call or one of the calls it was made by. */
    boolean descendsFrom(CallRun other) {
        for (CallRun c = this; c != null; c = c.parent) {
            if (c == other) {
                return true;
            }
        }
        return false;
    }

    /** The call as people write it, e.g. {@code examples/fib(20)}. */
    String describe() {
        String a = args.toString();
        String inner = a.length() >= 2 ? a.substring(1, a.length() - 1) : a;
        if (inner.length() > 200) {
            inner = inner.substring(0, 197) + "...";
        }
        return def.name() + "(" + inner + ")";
    }

    @Override
    public String describe(long key) {
        return describe();
    }

    @Override
    public String timedOut(long key, int attempt) {
        return describe() + ": timed out after " + def.timeout();
    }

    @Override
    public String lost(long key, int attempt) {
        return describe() + ": its worker was lost";
    }

    @Override
    public String finalError(String error, int failures) {
        return error + " (" + failures + " of " + ATTEMPTS + " attempts)";
    }

    /** Who waits for a call. */
    sealed interface Waiter {}

    /** A caller of the API or of a client connection. */
    record FutureWaiter(CompletableFuture<Outcome> future) implements Waiter {}

    /**
     * A task on a worker that made the call with this request id; {@code task} is the attempt that
     * made it, when the worker named one it holds (null otherwise): it may wait suspended meanwhile.
     */
    record WorkerWaiter(WorkerConn worker, long requestId, Lease task) implements Waiter {
        WorkerWaiter(WorkerConn worker, long requestId) {
            this(worker, requestId, null);
        }
    }

    /**
     * The outcome of a call.
     *
     * @param ok whether it succeeded
     * @param value its result when ok
     * @param bytes the result's JSON bytes when ok
     * @param error the error when not ok
     * @param cached whether it came from the cache
     */
    public record Outcome(boolean ok, JsonNode value, byte[] bytes, String error, boolean cached) {
        static Outcome failed(String error) {
            return new Outcome(false, null, null, error, false);
        }
    }
}
