package io.partita.data;

/**
 * The result of one reduce task: its output lines (UTF-8 text, one JSON object per line) and the
 * counters.
 *
 * @param output the output; owned by the caller from now on
 * @param counters what the task counted
 */
public record ReduceOutput(byte[] output, DataCounters counters) {}
