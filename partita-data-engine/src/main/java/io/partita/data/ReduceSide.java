package io.partita.data;

import io.partita.api.MapReduceFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The reduce side of a MapReduce task: merges the sorted runs that every map task wrote for this
 * reducer and calls the function's {@code reduce} once per key.
 *
 * <p>Runs are merged by their key text in UTF-16 code unit order, comparing the UTF-8 bytes directly
 * (see {@link Json#compareUtf16}); the values of one key come from the runs in map-task order and,
 * within a run, in the order they were written. Keys and values reach {@code reduce} parsed by
 * Jackson (maps, lists, strings, {@code Integer}/{@code Long}/{@code BigInteger}/{@code Double},
 * booleans, null). The output is {@code {"key":K,"value":V}\n} for each pair {@code reduce} emits,
 * keys in order. A run whose keys are out of order or whose lines are not {@code [K,V]} fails the
 * task.
 *
 * <p>Thread-safe: each call has its own state.
 */
public final class ReduceSide {
    private ReduceSide() {}

    /** The current line of one run. */
    private static final class Cursor {
        final byte[] b;
        final int index;
        int line;
        int pos;
        int ks;
        int ke;
        int vs;
        int ve;

        Cursor(byte[] b, int index) {
            this.b = b;
            this.index = index;
        }

        /** Moves to the next line; false at the end of the run. */
        boolean advance() {
            if (pos >= b.length) {
                return false;
            }
            int prevKs = ks;
            int prevKe = ke;
            boolean first = line == 0;
            int nl = pos;
            while (nl < b.length && b[nl] != '\n') {
                nl++;
            }
            line++;
            int end = nl;
            if (end - pos < 5 || b[pos] != '[' || b[end - 1] != ']') {
                throw malformed();
            }
            ks = pos + 1;
            try {
                ke = Json.valueEnd(b, ks, end - 1);
            } catch (DataException e) {
                throw malformed();
            }
            if (ke >= end - 1 || b[ke] != ',') {
                throw malformed();
            }
            vs = ke + 1;
            ve = end - 1;
            if (vs >= ve) {
                throw malformed();
            }
            if (!first && Json.compareUtf16(b, prevKs, prevKe, b, ks, ke) > 0) {
                throw new DataException("run " + index + " is not sorted by key at line " + line);
            }
            pos = nl + 1;
            return true;
        }

        private DataException malformed() {
            return new DataException("run " + index + " line " + line + " is not a [key,value] array");
        }

        int compareKey(Cursor o) {
            int c = Json.compareUtf16(b, ks, ke, o.b, o.ks, o.ke);
            return c != 0 ? c : Integer.compare(index, o.index);
        }

        boolean keyEquals(byte[] kb, int s, int e) {
            return java.util.Arrays.equals(b, ks, ke, kb, s, e);
        }
    }

    /**
     * Reduces the runs, given in map-task order.
     *
     * @throws DataException for a malformed or unsorted run
     * @throws Exception what the function throws
     */
    public static ReduceOutput reduce(List<byte[]> runs, MapReduceFunction fn) throws Exception {
        DataCounters counters = new DataCounters();
        PriorityQueue<Cursor> heap = new PriorityQueue<>(Math.max(1, runs.size()), Cursor::compareKey);
        long total = 0;
        for (int i = 0; i < runs.size(); i++) {
            Cursor c = new Cursor(runs.get(i), i);
            total += c.b.length;
            if (c.advance()) {
                heap.add(c);
            }
        }
        ByteSink out = new ByteSink((int) Math.min(Integer.MAX_VALUE - 64, total / 2 + 64));
        MapReduceFunction.Emitter emit = MapSide.outputLines(out, counters);
        List<Cursor> tied = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        while (!heap.isEmpty()) {
            Cursor first = heap.poll();
            tied.clear();
            tied.add(first);
            while (!heap.isEmpty()
                    && Json.compareUtf16(first.b, first.ks, first.ke, heap.peek().b, heap.peek().ks, heap.peek().ke)
                            == 0) {
                tied.add(heap.poll());
            }
            byte[] kb = first.b;
            int ks = first.ks;
            int ke = first.ke;
            Object key = Json.parse(kb, ks, ke);
            values = new ArrayList<>();
            for (Cursor c : tied) {
                boolean more;
                do {
                    values.add(Json.parse(c.b, c.vs, c.ve));
                    more = c.advance();
                } while (more && c.keyEquals(kb, ks, ke));
                if (more) {
                    heap.add(c);
                }
            }
            counters.addRecordsIn(values.size());
            counters.addKeys(1);
            fn.reduce(key, values, emit);
        }
        return new ReduceOutput(out.toByteArray(), counters);
    }
}
