package com.example.partita;

import io.partita.api.Args;
import io.partita.api.CallFunction;
import io.partita.api.Function;
import io.partita.api.TaskContext;

/**
 * A function of your own: the number of Collatz steps from n down to 1. Workers offer it when
 * started with {@code --classpath} on this project's jar; it is listed in
 * META-INF/services/io.partita.api.CallFunction and named by its {@link Function} annotation.
 */
@Function("myproject/collatz-steps")
public final class CollatzSteps implements CallFunction {

    @Override
    public Object call(Args args, TaskContext ctx) {
        long n = args.getLong(0);
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, was " + n);
        }
        long steps = 0;
        while (n != 1) {
            n = (n % 2 == 0) ? n / 2 : 3 * n + 1;
            steps++;
        }
        return steps;
    }
}
