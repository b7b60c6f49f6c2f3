package io.partita.testing;

import io.partita.api.Args;
import io.partita.api.CallFunction;
import io.partita.api.Function;
import io.partita.api.GridCallException;
import io.partita.api.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Grid call functions for tests: recursion, shared sub-calls, slow children, failures, cycles. */
public final class GridTestFunctions {
    private GridTestFunctions() {}

    /** {@code tests/chain(n)}: calls {@code tests/chain(n-1)} down to 0; returns n. A recursion n deep. */
    @Function("tests/chain")
    public static final class Chain implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) throws Exception {
            long n = args.getLong(0);
            if (n <= 0) {
                return 0L;
            }
            return ctx.call(Long.class, "tests/chain", n - 1).get() + 1;
        }
    }

    /**
     * {@code tests/paths(i, j)}: lattice paths from (i, j) to (0, 0), as calls of (i-1, j) and (i,
     * j-1). Without merging and caching exponential; with them (i+1)(j+1) executions.
     */
    @Function("tests/paths")
    public static final class Paths implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) throws Exception {
            long i = args.getLong(0);
            long j = args.getLong(1);
            if (i == 0 || j == 0) {
                return 1L;
            }
            CompletableFuture<Long> a = ctx.call(Long.class, "tests/paths", i - 1, j);
            CompletableFuture<Long> b = ctx.call(Long.class, "tests/paths", i, j - 1);
            return a.get() + b.get();
        }
    }

    /** {@code tests/sleep(i, millis)}: sleeps, then returns i. */
    @Function("tests/sleep")
    public static final class Sleep implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) throws Exception {
            Thread.sleep(args.getLong(1));
            return args.getLong(0);
        }
    }

    /**
     * {@code tests/parent([millis...])}: calls {@code tests/sleep(i, millis[i])} for each i, all at
     * once, and returns the sum of the answers (0 + 1 + ...).
     */
    @Function("tests/parent")
    public static final class Parent implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) throws Exception {
            List<CompletableFuture<Long>> children = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                children.add(ctx.call(Long.class, "tests/sleep", i, args.getLong(i)));
            }
            long sum = 0;
            for (CompletableFuture<Long> child : children) {
                sum += child.get();
            }
            return sum;
        }
    }

    /** {@code tests/throw(message)}: fails with the message. */
    @Function("tests/throw")
    public static final class Throw implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) {
            throw new IllegalStateException(args.getString(0));
        }
    }

    /** {@code tests/catch(message)}: calls {@code tests/throw(message)} and returns the error it got. */
    @Function("tests/catch")
    public static final class Catch implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) throws Exception {
            try {
                ctx.call("tests/throw", args.getString(0)).get();
                return "no error";
            } catch (ExecutionException e) {
                return e.getCause() instanceof GridCallException g
                        ? g.getMessage()
                        : e.getCause().toString();
            }
        }
    }

    /** {@code tests/cycle(x)}: calls itself with the same argument, which can never finish. */
    @Function("tests/cycle")
    public static final class Cycle implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) throws Exception {
            return ctx.call("tests/cycle", args.get(0)).get();
        }
    }

    /** {@code tests/echo(x...)}: returns its arguments; a no-op call for benchmarks. */
    @Function("tests/echo")
    public static final class Echo implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) {
            return args.json();
        }
    }

    /** {@code tests/impure(x)}: returns the attempt and the time; not cached. */
    @Function(value = "tests/impure", pure = false)
    public static final class Impure implements CallFunction {
        @Override
        public Object call(Args args, TaskContext ctx) {
            return System.nanoTime();
        }
    }
}
