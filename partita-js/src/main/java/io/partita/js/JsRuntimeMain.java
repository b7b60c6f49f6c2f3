package io.partita.js;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.Arrays;

/**
 * Prints which JavaScript implementation this JVM gets and times a compute-heavy loop, to compare a
 * JVM with and without the Graal JIT flags (see {@code docs/javascript.md}).
 *
 * <p>Usage: {@code java [flags] -cp ... io.partita.js.JsRuntimeMain [rounds] [n] [statementLimit]}.
 */
public final class JsRuntimeMain {

    private static final String LOOP = """
            export function compute(i, ctx) {
              let s = 0;
              for (let k = 0; k < ctx.params.n; k++) s += (i * k) % 7;
              return s;
            }
            """;

    private JsRuntimeMain() {}

    /** Runs the benchmark; prints one line per round and a median. */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        long n = args.length > 1 ? Long.parseLong(args[1]) : 20_000_000L;
        long limit = args.length > 2 ? Long.parseLong(args[2]) : 0;
        try (JsRuntime runtime = JsRuntime.create(JsOptions.defaults().withStatementLimit(limit))) {
            System.out.println("implementation: " + runtime.implementation() + " (jit=" + runtime.jit() + ")");
            JsModule module = runtime.module("bench", LOOP);
            var params = JsonNodeFactory.instance.objectNode().put("n", n);
            double[] millis = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                var out = module.compute(
                        JsonNodeFactory.instance.numberNode(r + 1),
                        new JsTaskContext(params, r, 1, rounds, m -> {}),
                        Duration.ofMinutes(10));
                millis[r] = (System.nanoTime() - t0) / 1e6;
                System.out.printf("round %d: %.1f ms (result %s)%n", r + 1, millis[r], out);
            }
            double[] sorted = millis.clone();
            Arrays.sort(sorted);
            double[] warm = Arrays.copyOfRange(millis, rounds / 2, rounds);
            Arrays.sort(warm);
            System.out.printf(
                    "median %.1f ms, warm median (second half) %.1f ms, %.1f M iterations/s%n",
                    sorted[rounds / 2], warm[warm.length / 2], n / warm[warm.length / 2] / 1000);
        }
    }
}
