package io.partita.coordinator.sched;

/**
 * Completions per whole second over the last {@value #SECONDS} seconds, for charts. A job's history
 * {@linkplain #end ends} with the job: from then on it keeps the {@value #SECONDS} seconds before the
 * end, however late it is read (a finished job opened later still shows its chart). Not
 * thread-safe; guarded by the scheduler's lock.
 */
final class RateHistory {
    static final int SECONDS = 600;
    private final long[] counts = new long[SECONDS];
    private long last = Long.MIN_VALUE;
    /** The epoch second after the last one kept once ended; {@code Long.MAX_VALUE} while live. */
    private long endedAt = Long.MAX_VALUE;

    /** Stops the clock of this history at {@code nowMillis}: later reads see the seconds before it. */
    void end(long nowMillis) {
        advance(nowMillis / 1000);
        endedAt = nowMillis / 1000 + 1;
    }

    void record(long nowMillis, long n) {
        if (nowMillis / 1000 >= endedAt) {
            return;
        }
        advance(nowMillis / 1000);
        counts[slot(last)] += n;
    }

    /**
     * The complete seconds after {@code afterSecond} (epoch seconds), oldest first, as pairs {@code
     * [second, count]}; at most the last {@value #SECONDS}.
     */
    long[][] since(long afterSecond, long nowMillis) {
        long now = Math.min(nowMillis / 1000, endedAt);
        advance(now);
        long from = Math.max(afterSecond + 1, now - SECONDS + 1);
        if (from >= now) {
            return new long[0][];
        }
        long[][] out = new long[(int) (now - from)][];
        for (long s = from; s < now; s++) {
            out[(int) (s - from)] = new long[] {s, counts[slot(s)]};
        }
        return out;
    }

    private void advance(long second) {
        if (last == Long.MIN_VALUE) {
            last = second;
            return;
        }
        if (second <= last) {
            return;
        }
        long gap = Math.min(SECONDS, second - last);
        for (long s = 1; s <= gap; s++) {
            counts[slot(last + s)] = 0;
        }
        last = second;
    }

    private static int slot(long second) {
        return (int) Math.floorMod(second, (long) SECONDS);
    }
}
