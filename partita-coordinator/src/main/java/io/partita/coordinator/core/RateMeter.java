package io.partita.coordinator.core;

/**
 * Completions per second over the last {@value #WINDOW} whole seconds, from a ring of per-second
 * counters. Not thread-safe; guarded by the scheduler's lock.
 */
public final class RateMeter {
    public static final int WINDOW = 10;
    private final long[] counts = new long[WINDOW + 1];
    private long second = Long.MIN_VALUE;
    private long firstSecond = Long.MIN_VALUE;

    public void record(long nowMillis, long n) {
        roll(nowMillis / 1000);
        if (firstSecond == Long.MIN_VALUE) {
            firstSecond = second;
        }
        counts[(int) Math.floorMod(second, (long) counts.length)] += n;
    }

    public double perSecond(long nowMillis) {
        roll(nowMillis / 1000);
        if (firstSecond == Long.MIN_VALUE) {
            return 0;
        }
        long sum = 0;
        for (int i = 1; i <= WINDOW; i++) {
            sum += counts[(int) Math.floorMod(second - i, (long) counts.length)];
        }
        long span = Math.min(WINDOW, second - firstSecond);
        if (span <= 0) {
            // younger than a second: use the current partial second
            long current = counts[(int) Math.floorMod(second, (long) counts.length)];
            double elapsed = Math.max(0.001, (nowMillis % 1000) / 1000.0);
            return current / elapsed;
        }
        return sum / (double) span;
    }

    private void roll(long now) {
        if (second == Long.MIN_VALUE) {
            second = now;
            return;
        }
        if (now <= second) {
            return;
        }
        long steps = Math.min(now - second, counts.length);
        for (long s = 1; s <= steps; s++) {
            counts[(int) Math.floorMod(second + s, (long) counts.length)] = 0;
        }
        second = now;
    }
}
