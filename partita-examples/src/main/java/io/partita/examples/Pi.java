package io.partita.examples;

import io.partita.api.Function;
import io.partita.api.JobFunction;
import io.partita.api.Params;
import io.partita.api.TaskContext;

/**
 * {@code examples/pi}: Monte Carlo estimate of π. Each partition throws {@code samples} points
 * (default 1,000,000) into the unit square from a 32-bit random stream seeded by {@code (seed,
 * partition)}
 * (seed default 42) and counts those inside the quarter circle. The result carries the counts and
 * the estimate 4·inside/samples; it is the same for a given seed however the partitions were spread.
 */
@Function("examples/pi")
public final class Pi implements JobFunction<Long, Pi.Estimate> {
    /** Default samples per partition. */
    public static final long DEFAULT_SAMPLES = 1_000_000;

    /** Default seed. */
    public static final long DEFAULT_SEED = 42;

    /**
     * Counts of a set of partitions.
     *
     * @param inside points inside the quarter circle
     * @param samples points thrown
     * @param estimate 4·inside/samples
     */
    public record Estimate(long inside, long samples, double estimate) {
        static Estimate of(long inside, long samples) {
            return new Estimate(inside, samples, samples == 0 ? 0 : 4.0 * inside / samples);
        }
    }

    @Override
    public Class<Long> inputType() {
        return Long.class;
    }

    @Override
    public Class<Estimate> outputType() {
        return Estimate.class;
    }

    @Override
    public Estimate compute(Long partition, TaskContext context) {
        Params params = context.params();
        return sample(params.getLong("samples", DEFAULT_SAMPLES), params.getLong("seed", DEFAULT_SEED), partition);
    }

    /**
     * The output of one partition; deterministic in its arguments. The generator is mulberry32
     * seeded with a murmur3 mix of (seed, partition): 32-bit integer arithmetic only, so that
     * {@code examples/js/pi.mjs} reproduces it bit for bit with {@code Math.imul}.
     */
    public static Estimate sample(long samples, long seed, long partition) {
        if (samples < 1) {
            throw new IllegalArgumentException("params.samples must be at least 1, was " + samples);
        }
        int state = fmix32((int) seed ^ fmix32((int) partition ^ 0x9E3779B9));
        long inside = 0;
        for (long i = 0; i < samples; i++) {
            state += 0x6D2B79F5;
            double x = unit(state);
            state += 0x6D2B79F5;
            double y = unit(state);
            if (x * x + y * y <= 1.0) {
                inside++;
            }
        }
        return Estimate.of(inside, samples);
    }

    /** mulberry32's output function: a uniform double in [0, 1) from the generator's state. */
    private static double unit(int a) {
        int t = (a ^ (a >>> 15)) * (1 | a);
        t = (t + ((t ^ (t >>> 7)) * (61 | t))) ^ t;
        return ((t ^ (t >>> 14)) & 0xFFFFFFFFL) / 4294967296.0;
    }

    /** murmur3's 32-bit finaliser. */
    private static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    @Override
    public Estimate combine(Estimate left, Estimate right) {
        if (left == null) {
            return right;
        }
        if (right == null) {
            return left;
        }
        return Estimate.of(left.inside() + right.inside(), left.samples() + right.samples());
    }
}
