package io.partita.examples;

import io.partita.api.Function;
import io.partita.api.JobFunction;
import io.partita.api.Params;
import io.partita.api.TaskContext;
import java.util.SplittableRandom;

/**
 * {@code examples/pi}: Monte Carlo estimate of π. Each partition throws {@code samples} points
 * (default 1,000,000) into the unit square from a random stream seeded by {@code (seed, partition)}
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

    /** The output of one partition; deterministic in its arguments. */
    public static Estimate sample(long samples, long seed, long partition) {
        if (samples < 1) {
            throw new IllegalArgumentException("params.samples must be at least 1, was " + samples);
        }
        SplittableRandom random = new SplittableRandom(mix(seed) ^ mix(partition + 0x632BE59BD9B4E019L));
        long inside = 0;
        for (long i = 0; i < samples; i++) {
            double x = random.nextDouble();
            double y = random.nextDouble();
            if (x * x + y * y <= 1.0) {
                inside++;
            }
        }
        return Estimate.of(inside, samples);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
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
