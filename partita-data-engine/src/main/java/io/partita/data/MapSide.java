package io.partita.data;

import io.partita.api.MapReduceFunction;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * The map side of a MapReduce task: reads a split's records, calls the function's {@code map} on
 * each, and writes the pairs it emits as runs, one per reducer.
 *
 * <p>With {@code R >= 1} reducers, run {@code r} is UTF-8 text of lines {@code [K,V]\n} (K and V the
 * JSON text of key and value, as Jackson writes them) holding exactly the pairs whose {@link
 * KeyHash#reducer} is {@code r}, sorted by K in UTF-16 code unit order, equal keys in emit order.
 * With {@code R == 0} the single output is {@code {"key":K,"value":V}\n} lines in emit order.
 *
 * <p>Design: pairs are grouped in a hash map by a canonical form of the key (the {@code String}
 * itself for string keys, see {@link Json}) so that the hot path neither serializes nor sorts per
 * pair; at the end of the split each distinct key's text is computed once, the keys are sorted, and
 * each group is written to its run. With {@code combine}, the function's {@code combine} runs once
 * per key at the end on the values in emit order, and earlier whenever a key has buffered {@value
 * #COMBINE_AT} values and twice as many as its last combine left, which bounds memory for frequent
 * keys; the JavaScript engine combines at exactly the same points. A combine must emit pairs of the
 * key it was given.
 *
 * <p>Thread-safe: each call has its own state.
 */
public final class MapSide {
    private MapSide() {}

    /** A key's buffered values are combined when there are this many (and twice the last combine's output). */
    public static final int COMBINE_AT = 32;

    /**
     * Maps the split {@code b[off, off+len)}.
     *
     * @param reducers R, the number of reducers, 0 for a map-only job
     * @return {@code max(1, R)} runs and the counters
     * @throws DataException for a bad record under the {@code fail} policy or a combine that changed
     *     the key
     * @throws Exception what the function throws
     */
    public static MapOutput map(byte[] b, int off, int len, SplitInfo info, MapReduceFunction fn, int reducers)
            throws Exception {
        if (reducers < 0) {
            throw new IllegalArgumentException("reducers must be at least 0, was " + reducers);
        }
        DataCounters counters = new DataCounters();
        if (reducers == 0) {
            ByteSink out = new ByteSink(len + 64);
            MapReduceFunction.Emitter emit = outputLines(out, counters);
            Records.forEach(b, off, len, info, counters, (line, record) -> fn.map(record, emit));
            return new MapOutput(List.of(out.toByteArray()), counters);
        }
        Grouper grouper = new Grouper(fn);
        try {
            Records.forEach(b, off, len, info, counters, (line, record) -> fn.map(record, grouper));
            return new MapOutput(grouper.finish(reducers, counters), counters);
        } catch (CombineFailure f) {
            throw f.cause;
        }
    }

    /**
     * An emitter writing each pair as a {@code {"key":K,"value":V}\n} line, the output of map-only
     * tasks and of reduce tasks, counting it in {@code recordsOut}.
     */
    static MapReduceFunction.Emitter outputLines(ByteSink out, DataCounters counters) {
        return (k, v) -> {
            out.writeAscii("{\"key\":");
            Json.writeJackson(out, k);
            out.writeAscii(",\"value\":");
            Json.writeJackson(out, v);
            out.write('}');
            out.write('\n');
            counters.addRecordsOut(1);
        };
    }

    /** The values of one key: the first key object emitted, its canonical form and the values. */
    private static final class Group {
        final Object key;
        final Object canonical;
        Object[] values = new Object[4];
        int size;
        int combineAt = COMBINE_AT;
        String text;
        /** The first 8 UTF-16 code units of {@link #text}, 4 to a long, zero-padded: sort keys. */
        long prefix0;

        long prefix1;

        final int hash;

        Group(Object key, Object canonical, int hash) {
            this.key = key;
            this.canonical = canonical;
            this.hash = hash;
        }

        void add(Object v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }

    /**
     * An open-addressing hash table of groups by canonical key: linear probing over parallel arrays
     * of hashes and groups at most half full, so a lookup of a present key usually touches the hash
     * array, one group and its key, fewer cache lines than a {@code HashMap} node chain.
     */
    private static final class GroupTable {
        private int[] hashes = new int[1024];
        private Group[] table = new Group[1024];
        private int size;

        private static int spread(int h) {
            h *= 0x9E3779B9;
            return h ^ (h >>> 16);
        }

        /** The non-zero code stored for a hash: 0 marks an empty slot. */
        private static int code(int hash) {
            return hash == 0 ? 1 : hash;
        }

        Group get(Object canonical, int hash) {
            int code = code(hash);
            int mask = table.length - 1;
            int i = spread(hash) & mask;
            while (true) {
                int c = hashes[i];
                if (c == 0) {
                    return null;
                }
                if (c == code) {
                    Group g = table[i];
                    if (g.canonical == canonical || g.canonical.equals(canonical)) {
                        return g;
                    }
                }
                i = (i + 1) & mask;
            }
        }

        void add(Group g) {
            if (2 * (size + 1) > table.length) {
                Group[] old = table;
                table = new Group[old.length * 2];
                hashes = new int[old.length * 2];
                for (Group o : old) {
                    if (o != null) {
                        insert(o);
                    }
                }
            }
            insert(g);
            size++;
        }

        private void insert(Group g) {
            int mask = table.length - 1;
            int i = spread(g.hash) & mask;
            while (hashes[i] != 0) {
                i = (i + 1) & mask;
            }
            table[i] = g;
            hashes[i] = code(g.hash);
        }

        Group[] toArray() {
            Group[] out = new Group[size];
            int n = 0;
            for (Group g : table) {
                if (g != null) {
                    out[n++] = g;
                }
            }
            return out;
        }
    }

    /** A read-only list view of the first {@code size} elements of an array. */
    private static final class View extends AbstractList<Object> implements RandomAccess {
        private final Object[] a;
        private final int size;

        View(Object[] a, int size) {
            this.a = a;
            this.size = size;
        }

        @Override
        public Object get(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException(i);
            }
            return a[i];
        }

        @Override
        public int size() {
            return size;
        }
    }

    private static final class Grouper implements MapReduceFunction.Emitter {
        private final MapReduceFunction fn;
        private final boolean combines;
        private final GroupTable groups = new GroupTable();

        Grouper(MapReduceFunction fn) {
            this.fn = fn;
            this.combines = fn.combines();
        }

        @Override
        public void emit(Object key, Object value) {
            Object canonical = Json.canonicalKey(key);
            int hash = canonical.hashCode();
            Group g = groups.get(canonical, hash);
            if (g == null) {
                g = new Group(key, canonical, hash);
                groups.add(g);
            }
            if (combines) {
                g.add(value);
                if (g.size >= g.combineAt) {
                    combine(g);
                    g.combineAt = Math.max(COMBINE_AT, 2 * g.size);
                }
            } else {
                g.add(Json.immutable(value) ? value : new Json.RawJson(Json.jacksonText(value)));
            }
        }

        /** Where combine's values go before they replace the group's; combines do not nest. */
        private Object[] combined = new Object[16];

        private int combinedSize;

        /** Replaces the group's values by what combine emits for them. */
        private void combine(Group g) {
            combinedSize = 0;
            try {
                fn.combine(g.key, new View(g.values, g.size), (k, v) -> {
                    if (k != g.key && !Json.canonicalKey(k).equals(g.canonical)) {
                        throw new DataException("combine emitted key " + Json.jacksonText(k) + " for key "
                                + Json.keyText(g.canonical) + "; it must emit pairs of the key it was given");
                    }
                    if (combinedSize == combined.length) {
                        combined = Arrays.copyOf(combined, combinedSize * 2);
                    }
                    combined[combinedSize++] = v;
                });
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CombineFailure(e);
            }
            if (combinedSize > g.values.length) {
                g.values = Arrays.copyOf(combined, combinedSize);
            } else {
                System.arraycopy(combined, 0, g.values, 0, combinedSize);
                if (combinedSize < g.size) {
                    Arrays.fill(g.values, combinedSize, g.size, null);
                }
            }
            g.size = combinedSize;
            if (combined.length > 1024) {
                combined = new Object[16];
            } else {
                Arrays.fill(combined, 0, combinedSize, null);
            }
        }

        List<byte[]> finish(int reducers, DataCounters counters) {
            Group[] all = groups.toArray();
            for (Group g : all) {
                String t = Json.keyText(g.canonical);
                g.text = t;
                g.prefix0 = prefix(t, 0);
                g.prefix1 = prefix(t, 4);
            }
            Arrays.sort(all, MapSide::byText);
            ByteSink[] runs = new ByteSink[reducers];
            for (Group g : all) {
                if (combines) {
                    combine(g);
                }
                if (g.size == 0) {
                    continue;
                }
                int r = KeyHash.reducer(g.text, reducers);
                ByteSink run = runs[r];
                if (run == null) {
                    run = runs[r] = new ByteSink(1024);
                }
                byte[] k = g.text.getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < g.size; i++) {
                    run.write('[');
                    run.write(k);
                    run.write(',');
                    Json.writeJackson(run, g.values[i]);
                    run.write(']');
                    run.write('\n');
                }
                counters.addRecordsOut(g.size);
                counters.addKeys(1);
                g.values = null;
            }
            List<byte[]> out = new ArrayList<>(reducers);
            for (ByteSink run : runs) {
                out.add(run == null ? new byte[0] : run.toByteArray());
            }
            return out;
        }
    }

    /**
     * Orders groups by key text, UTF-16 code unit by code unit as {@link String#compareTo}: by the
     * packed prefixes first, which settles most comparisons without touching the strings (a JSON
     * text never holds U+0000, so zero padding sorts a shorter text first, as compareTo does).
     */
    private static int byText(Group x, Group y) {
        int c = Long.compareUnsigned(x.prefix0, y.prefix0);
        if (c == 0) {
            c = Long.compareUnsigned(x.prefix1, y.prefix1);
            if (c == 0) {
                c = x.text.compareTo(y.text);
            }
        }
        return c;
    }

    /** Code units {@code from} to {@code from + 3} of {@code s}, 16 bits each, big-endian, zero-padded. */
    private static long prefix(String s, int from) {
        long p = 0;
        int n = s.length();
        for (int i = from; i < from + 4; i++) {
            p = (p << 16) | (i < n ? s.charAt(i) : 0);
        }
        return p;
    }

    /** Carries a checked exception from combine through the emitter. */
    private static final class CombineFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Exception cause;

        CombineFailure(Exception cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }
}
