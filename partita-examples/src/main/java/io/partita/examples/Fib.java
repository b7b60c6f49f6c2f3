package io.partita.examples;

import io.partita.api.Args;
import io.partita.api.CallFunction;
import io.partita.api.Function;
import io.partita.api.TaskContext;
import java.util.concurrent.CompletableFuture;

/**
 * Fibonacci computed naively, as grid calls to itself: {@code fib(n)} asks the grid for {@code
 * fib(n-1)} and {@code fib(n-2)}. Without the cache that is exponential; with it (and with identical
 * calls in flight merged) it is n + 1 executions. While it waits for its two calls the task gives its
 * slot up, so any depth completes on any number of slots. Values up to fib(92) fit a long.
 *
 * <pre>{@code curl -s localhost:8080/api/calls -d '{"function": "examples/fib", "args": [90]}'}</pre>
 *
 * <p>Its JavaScript twin is {@code examples/fib/fib.mjs}, registered as {@code examples/fib-js}.
 */
@Function("examples/fib")
public final class Fib implements CallFunction {
    @Override
    public Object call(Args args, TaskContext ctx) throws Exception {
        long n = args.getLong(0);
        if (n < 0 || n > 92) {
            throw new IllegalArgumentException("fib needs 0 <= n <= 92, got " + n);
        }
        if (n < 2) {
            return n;
        }
        // Both calls go out before either is awaited, so they run in parallel on the grid.
        CompletableFuture<Long> a = ctx.call(Long.class, "examples/fib", n - 1);
        CompletableFuture<Long> b = ctx.call(Long.class, "examples/fib", n - 2);
        return a.get() + b.get();
    }
}
