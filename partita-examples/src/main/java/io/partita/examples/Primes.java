package io.partita.examples;

import io.partita.api.Function;
import io.partita.api.LongSum;
import io.partita.api.Params;
import io.partita.api.Preparation;
import io.partita.api.TaskContext;
import java.math.BigInteger;

/**
 * {@code examples/primes}: counts the primes up to {@code limit} (inclusive) exactly. The range
 * {@code [0, limit]} is cut into equal consecutive ranges, one per partition, each counted with a
 * segmented sieve. Without {@code partitions} in the spec, the prepare step picks one partition per
 * million numbers (at most 100,000).
 */
@Function("examples/primes")
public final class Primes extends LongSum {
    /** Largest supported limit. */
    public static final long MAX_LIMIT = 1L << 40;

    @Override
    public Preparation prepare(Params params) {
        long limit = limit(params);
        return Preparation.count(Math.max(1, Math.min(100_000, limit / 1_000_000)));
    }

    @Override
    public Long compute(Long partition, TaskContext context) {
        long limit = limit(context.params());
        long partitions = context.partitions();
        long span = limit + 1;
        long lo = boundary(partition, span, partitions);
        long hi = boundary(partition + 1, span, partitions);
        return countPrimes(lo, hi);
    }

    /** {@code i * span / n} without overflow. */
    static long boundary(long i, long span, long n) {
        return BigInteger.valueOf(i)
                .multiply(BigInteger.valueOf(span))
                .divide(BigInteger.valueOf(n))
                .longValueExact();
    }

    private static long limit(Params params) {
        long limit = params.getLong("limit", -1);
        if (limit < 0) {
            throw new IllegalArgumentException("params.limit is required: count primes up to this number");
        }
        if (limit > MAX_LIMIT) {
            throw new IllegalArgumentException("params.limit must be at most " + MAX_LIMIT + ", was " + limit);
        }
        return limit;
    }

    /** The number of primes in {@code [lo, hi)}. */
    public static long countPrimes(long lo, long hi) {
        lo = Math.max(lo, 2);
        if (hi <= lo) {
            return 0;
        }
        int root = (int) Math.sqrt((double) hi) + 1;
        boolean[] small = new boolean[root + 1]; // true = composite
        boolean[] segment = new boolean[(int) (hi - lo)];
        for (int p = 2; p <= root; p++) {
            if (small[p]) {
                continue;
            }
            for (long m = (long) p * p; m <= root; m += p) {
                small[(int) m] = true;
            }
            long start = Math.max((long) p * p, (lo + p - 1) / p * p);
            for (long m = start; m < hi; m += p) {
                segment[(int) (m - lo)] = true;
            }
        }
        long count = 0;
        for (boolean composite : segment) {
            if (!composite) {
                count++;
            }
        }
        return count;
    }
}
