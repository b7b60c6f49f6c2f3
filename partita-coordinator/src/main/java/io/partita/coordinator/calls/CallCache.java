package io.partita.coordinator.calls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.store.CacheEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The cache of grid call results: every entry in memory, least recently used first, bounded by the
 * bytes of the results it holds (plus {@value #ENTRY_OVERHEAD} per entry); the store keeps a copy so
 * that a restarted coordinator has the same cache. Changes reach the store through {@link
 * #drainChanges()}, called by the result writer after {@link #onChange} tells it there are some: a
 * hit never waits for the store. Thread-safe (one monitor).
 */
public final class CallCache {
    /** Bytes counted per entry beyond its result: key, names, bookkeeping. */
    static final int ENTRY_OVERHEAD = 160;

    /** A cached result. */
    public static final class Entry {
        final String key;
        final String function;
        final String version;
        /** The result as JSON bytes. */
        public final byte[] bytes;
        /** The result as a JSON value (shared; do not modify). */
        public final JsonNode value;

        long lastUsed;

        Entry(String key, String function, String version, byte[] bytes, JsonNode value, long lastUsed) {
            this.key = key;
            this.function = function;
            this.version = version;
            this.bytes = bytes;
            this.value = value;
            this.lastUsed = lastUsed;
        }

        long size() {
            return bytes.length + (long) ENTRY_OVERHEAD;
        }
    }

    /** Per-function counters. */
    static final class Counters {
        long entries;
        long bytes;
        long hits;
        long misses;
        long merged;
        long executions;
        long failures;
        long evictions;
    }

    /** What the store must learn. */
    public record Changes(List<CacheEntry> puts, List<String> deletes, Map<String, Long> touches) {
        /** Whether there is nothing to write. */
        public boolean isEmpty() {
            return puts.isEmpty() && deletes.isEmpty() && touches.isEmpty();
        }
    }

    private final long maxBytes;
    private final LongSupplier millis;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private final Map<String, Counters> counters = new TreeMap<>();
    private long bytes;
    private long hits;
    private long misses;
    private long merged;
    private long executions;
    private long failures;
    private long evictions;
    private long reusedPartitions;
    private final LinkedHashMap<String, Entry> puts = new LinkedHashMap<>();
    private final LinkedHashSet<String> deletes = new LinkedHashSet<>();
    private final LinkedHashSet<String> touched = new LinkedHashSet<>();
    private boolean flushPending;
    private Runnable onChange = () -> {};

    /** An empty cache of at most {@code maxBytes} bytes, its entries stamped by {@code millis}. */
    public CallCache(long maxBytes, LongSupplier millis) {
        this.maxBytes = maxBytes;
        this.millis = millis;
    }

    /** Who to tell (once until the next drain) that there are changes for the store. */
    public synchronized void onChange(Runnable onChange) {
        this.onChange = onChange;
    }

    /** Fills the cache from the store's rows, least recently used first; evicts what exceeds the bound. */
    public synchronized void load(List<CacheEntry> rows, ObjectMapper mapper) {
        for (CacheEntry row : rows) {
            JsonNode value;
            try {
                value = mapper.readTree(row.result());
            } catch (IOException e) {
                deletes.add(row.key());
                continue;
            }
            Entry e = new Entry(row.key(), row.function(), row.version(), row.result(), value, row.lastUsed());
            entries.put(e.key, e);
            bytes += e.size();
            Counters c = counters(e.function);
            c.entries++;
            c.bytes += e.size();
        }
        evict();
        changed();
    }

    /** The cached result of {@code key}, counting a hit or a miss for {@code function}. */
    synchronized Entry get(String key, String function) {
        Entry e = entries.get(key);
        if (e == null) {
            misses++;
            counters(function).misses++;
            return null;
        }
        hits++;
        counters(function).hits++;
        e.lastUsed = millis.getAsLong();
        if (touched.add(key)) {
            changed();
        }
        return e;
    }

    /** The cached result of {@code key} without counting anything (a second look under another lock). */
    public synchronized Entry peek(String key) {
        return entries.get(key);
    }

    /** Keeps a result; evicts the least recently used entries beyond the bound. */
    public synchronized void put(String key, String function, String version, byte[] resultBytes, JsonNode value) {
        Entry e = new Entry(key, function, version, resultBytes, value, millis.getAsLong());
        if (e.size() > maxBytes) {
            return; // larger than the whole cache
        }
        Entry previous = entries.put(key, e);
        Counters c = counters(function);
        if (previous != null) {
            bytes -= previous.size();
            c.bytes -= previous.size();
        } else {
            c.entries++;
        }
        bytes += e.size();
        c.bytes += e.size();
        puts.put(key, e);
        deletes.remove(key);
        evict();
        changed();
    }

    /** Counts an execution (an attempt leased to a worker) of a call. */
    public synchronized void executed(String function) {
        executions++;
        counters(function).executions++;
    }

    /** Counts a call that failed (its function threw, or it ran out of attempts). */
    public synchronized void failed(String function) {
        failures++;
        counters(function).failures++;
    }

    /** Counts a call that joined an identical one in flight. */
    public synchronized void merged(String function) {
        merged++;
        counters(function).merged++;
    }

    /** Counts partitions a job took from an earlier identical job. */
    public synchronized void reused(long partitions) {
        reusedPartitions += partitions;
    }

    /** Removes every entry of a function; returns how many. */
    public synchronized long clear(String function) {
        long removed = 0;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.function.equals(function)) {
                it.remove();
                bytes -= e.size();
                puts.remove(e.key);
                touched.remove(e.key);
                removed++;
            }
        }
        Counters c = counters.get(function);
        if (c != null) {
            c.entries = 0;
            c.bytes = 0;
        }
        return removed;
    }

    private void evict() {
        for (Iterator<Entry> it = entries.values().iterator(); bytes > maxBytes && it.hasNext(); ) {
            Entry e = it.next();
            it.remove();
            bytes -= e.size();
            evictions++;
            Counters c = counters(e.function);
            c.entries--;
            c.bytes -= e.size();
            c.evictions++;
            puts.remove(e.key);
            touched.remove(e.key);
            deletes.add(e.key);
        }
    }

    private void changed() {
        if (!flushPending && (!puts.isEmpty() || !deletes.isEmpty() || !touched.isEmpty())) {
            flushPending = true;
            onChange.run();
        }
    }

    /** What changed since the last drain, for the store. */
    public synchronized Changes drainChanges() {
        flushPending = false;
        List<CacheEntry> p = new ArrayList<>(puts.size());
        for (Entry e : puts.values()) {
            p.add(new CacheEntry(e.key, e.function, e.version, e.bytes, e.lastUsed));
        }
        Map<String, Long> t = new LinkedHashMap<>();
        for (String key : touched) {
            Entry e = entries.get(key);
            if (e != null && !puts.containsKey(key)) {
                t.put(key, e.lastUsed);
            }
        }
        Changes changes = new Changes(p, List.copyOf(deletes), t);
        puts.clear();
        deletes.clear();
        touched.clear();
        return changes;
    }

    private Counters counters(String function) {
        return counters.computeIfAbsent(function, f -> new Counters());
    }

    /** The figures of {@code GET /api/cache/stats}. */
    public synchronized ObjectNode stats() {
        ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        out.put("entries", entries.size());
        out.put("bytes", bytes);
        out.put("maxBytes", maxBytes);
        out.put("hits", hits);
        out.put("misses", misses);
        out.put("merged", merged);
        out.put("executions", executions);
        out.put("failures", failures);
        out.put("evictions", evictions);
        out.put("reusedPartitions", reusedPartitions);
        ObjectNode functions = out.putObject("functions");
        counters.forEach((name, c) -> {
            ObjectNode f = functions.putObject(name);
            f.put("entries", c.entries);
            f.put("bytes", c.bytes);
            f.put("hits", c.hits);
            f.put("misses", c.misses);
            f.put("merged", c.merged);
            f.put("executions", c.executions);
            f.put("failures", c.failures);
            f.put("evictions", c.evictions);
        });
        return out;
    }
}
