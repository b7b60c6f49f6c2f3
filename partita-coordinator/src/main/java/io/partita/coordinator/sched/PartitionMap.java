package io.partita.coordinator.sched;

import java.util.Arrays;

/**
 * The state of every partition of a job as one byte each, for the dashboard's partition map, and
 * its compact wire form: runs {@code [start, length, code, ...]}, either covering all partitions or
 * only those that changed since an earlier map.
 */
public final class PartitionMap {
    /** The code of a partition that waits for a worker. */
    public static final byte PENDING = 0;

    static final byte RUNNING = 1;
    /** The code of a partition whose result is stored. */
    public static final byte DONE = 2;

    static final byte FAILED = 3;
    static final byte RETRIED = 4;

    private PartitionMap() {}

    /** The map code of a partition from its task state and failure count. */
    static byte code(byte state, byte failures) {
        return switch (state) {
            case JobRun.LEASED -> RUNNING;
            case JobRun.COMMITTING, JobRun.DONE -> failures > 0 ? RETRIED : DONE;
            default -> failures > 0 ? FAILED : PENDING;
        };
    }

    /** Codes from copies of a job's level-0 state and failure arrays. */
    static byte[] codes(byte[] states, byte[] failures) {
        byte[] out = new byte[states.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = code(states[i], failures[i]);
        }
        return out;
    }

    /** Runs covering all of {@code codes}. */
    public static long[] runs(byte[] codes) {
        return diff(null, codes);
    }

    /**
     * Runs of {@code now} where it differs from {@code before} (all of {@code now} when {@code
     * before} is null or of another length); empty when nothing changed.
     */
    public static long[] diff(byte[] before, byte[] now) {
        boolean full = before == null || before.length != now.length;
        long[] runs = new long[48];
        int n = 0;
        int i = 0;
        while (i < now.length) {
            if (!full && before[i] == now[i]) {
                i++;
                continue;
            }
            int start = i;
            byte code = now[i];
            while (i < now.length && now[i] == code && (full || before[i] != now[i])) {
                i++;
            }
            if (n + 3 > runs.length) {
                runs = Arrays.copyOf(runs, runs.length * 2);
            }
            runs[n++] = start;
            runs[n++] = i - start;
            runs[n++] = code;
        }
        return Arrays.copyOf(runs, n);
    }

    /** The number of state codes: pending, running, done, failed, retried. */
    public static final int STATES = 5;

    /**
     * The map of partitions {@code [from, to)} summarised into at most {@code buckets} consecutive
     * ranges of {@code ceil((to - from) / buckets)} partitions each (the last may be shorter): for
     * each, how many partitions are in each state, indexed by code. Its size is bounded by {@code
     * buckets}, however many partitions the job has.
     *
     * @param codes one code per partition
     * @return {@code [bucket][code]} counts
     */
    public static long[][] summary(byte[] codes, int from, int to, int buckets) {
        int span = Math.max(0, to - from);
        int per = span == 0 ? 1 : (span + buckets - 1) / buckets;
        int n = span == 0 ? 0 : (span + per - 1) / per;
        long[][] out = new long[n][STATES];
        for (int i = from; i < to; i++) {
            out[(i - from) / per][codes[i]]++;
        }
        return out;
    }

    /** The partitions each bucket of {@link #summary} covers. */
    public static int bucketSize(int from, int to, int buckets) {
        int span = Math.max(0, to - from);
        return span == 0 ? 1 : (span + buckets - 1) / buckets;
    }

    /** Expands runs that cover {@code [0, partitions)}. */
    static byte[] expand(long[] runs, int partitions) {
        byte[] out = new byte[partitions];
        for (int r = 0; r + 2 < runs.length; r += 3) {
            Arrays.fill(out, (int) runs[r], (int) (runs[r] + runs[r + 1]), (byte) runs[r + 2]);
        }
        return out;
    }
}
