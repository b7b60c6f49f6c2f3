package io.partita.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One grid call being computed: queued, leased to a worker (perhaps suspended there while it waits
 * for its own calls) or done. Everyone who asked for it while it was in flight waits on it. Guarded
 * by the scheduler's lock.
 */
final class CallRun {
    static final int QUEUED = 0;
    static final int LEASED = 1;
    static final int DONE = 2;

    final long seq;
    final CallFunctions.Def def;
    final JsonNode args;
    /** The cache key; null for a call of an impure function, which is neither cached nor merged. */
    final String key;
    /** The call whose task made this call, if any: followed to refuse a call that waits for itself. */
    final CallRun parent;

    final List<Waiter> waiters = new ArrayList<>(1);
    int state = QUEUED;
    int attempt;
    int lost;
    WorkerConn worker;
    long deadlineNanos;
    boolean suspended;

    CallRun(long seq, CallFunctions.Def def, JsonNode args, String key, CallRun parent) {
        this.seq = seq;
        this.def = def;
        this.args = args;
        this.key = key;
        this.parent = parent;
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

    /** Who waits for a call. */
    sealed interface Waiter {}

    /** A caller of the API or of a client connection. */
    record FutureWaiter(CompletableFuture<Outcome> future) implements Waiter {}

    /** A task on a worker that made the call with this request id. */
    record WorkerWaiter(WorkerConn worker, long requestId) implements Waiter {}

    /**
     * The outcome of a call.
     *
     * @param ok whether it succeeded
     * @param value its result when ok
     * @param bytes the result's JSON bytes when ok
     * @param error the error when not ok
     * @param cached whether it came from the cache
     */
    record Outcome(boolean ok, JsonNode value, byte[] bytes, String error, boolean cached) {
        static Outcome failed(String error) {
            return new Outcome(false, null, null, error, false);
        }
    }
}
