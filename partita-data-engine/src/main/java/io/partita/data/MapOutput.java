package io.partita.data;

import java.util.List;

/**
 * The result of one map task: {@code max(1, R)} runs (UTF-8 text; run {@code r} goes to reducer
 * {@code r}, or the single run is the task's final output when {@code R == 0}) and the counters.
 *
 * @param runs the runs, in reducer order; the arrays are owned by the caller from now on
 * @param counters what the task counted
 */
public record MapOutput(List<byte[]> runs, DataCounters counters) {
    /** Copies the list (not the arrays). */
    public MapOutput {
        runs = List.copyOf(runs);
    }
}
