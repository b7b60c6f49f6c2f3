package io.partita.api;

/**
 * A function the grid calls by name: {@code POST /api/calls}, {@code PartitaClient.call}, or {@code
 * ctx.call} from inside another task. Its result is cached under the function's name, its {@link
 * Function#version() version} and the canonical JSON of its arguments, so the same call is computed
 * once.
 *
 * <p>Implementations are registered with {@link java.util.ServiceLoader} (a line in {@code
 * META-INF/services/io.partita.api.CallFunction}), carry a {@link Function} annotation with their
 * name, and have a public no-argument constructor. They must be thread-safe.
 *
 * <p>A call may make further grid calls with {@link TaskContext#call}. While it waits for one with
 * {@code get()} or {@code join()} it gives its worker slot up, so a grid whose every slot waits still
 * makes progress (see {@code docs/calls.md}).
 *
 * <pre>{@code
 * @Function("examples/fib")
 * public final class Fib implements CallFunction {
 *     public Object call(Args args, TaskContext ctx) throws Exception {
 *         long n = args.getLong(0);
 *         if (n < 2) return n;
 *         var a = ctx.call(Long.class, "examples/fib", n - 1);
 *         var b = ctx.call(Long.class, "examples/fib", n - 2);
 *         return a.get() + b.get();
 *     }
 * }
 * }</pre>
 */
public interface CallFunction {

    /**
     * Computes the result of one call. The value returned is converted to JSON with Jackson.
     *
     * @param args the call's arguments
     * @param context the running task; {@link TaskContext#partition()} is -1 for a call
     * @throws Exception any failure; the caller gets its message
     */
    Object call(Args args, TaskContext context) throws Exception;
}
