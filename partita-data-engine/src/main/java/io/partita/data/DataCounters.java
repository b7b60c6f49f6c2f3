package io.partita.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one map or reduce task counted. On the map side: {@code recordsIn} records read (bad records
 * that were skipped are not among them, except records a query rejected for a non-numeric aggregate
 * value, which were read first), {@code recordsOut} pairs or lines written, {@code keys} distinct
 * keys or groups written, {@code badRecords} records skipped. On the reduce side: {@code recordsIn}
 * pairs or lines read, {@code keys} distinct keys or groups, {@code recordsOut} lines written.
 *
 * <p>The first {@value #MAX_SKIPPED} skipped records are kept with their line number and error.
 * Not thread-safe: one task owns it.
 */
public final class DataCounters {

    /** How many skipped records are kept, per task and per merged result. */
    public static final int MAX_SKIPPED = 10;

    /**
     * A skipped bad record.
     *
     * @param line the 1-based line number in the dataset's file
     * @param error what was wrong, without the {@code line N: } prefix of the failure message
     */
    public record Skipped(long line, String error) {
        /** The JSON form {@code {"line":N,"error":"..."}}. */
        public ObjectNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("line", line);
            node.put("error", error);
            return node;
        }
    }

    private long recordsIn;
    private long recordsOut;
    private long badRecords;
    private long keys;
    private final List<Skipped> skipped = new ArrayList<>();

    /** Records or pairs read. */
    public long recordsIn() {
        return recordsIn;
    }

    /** Pairs or lines written. */
    public long recordsOut() {
        return recordsOut;
    }

    /** Bad records skipped. */
    public long badRecords() {
        return badRecords;
    }

    /** Distinct keys or groups. */
    public long keys() {
        return keys;
    }

    /** The first {@value #MAX_SKIPPED} skipped records, in the order they were met. */
    public List<Skipped> skipped() {
        return Collections.unmodifiableList(skipped);
    }

    void addRecordsIn(long n) {
        recordsIn += n;
    }

    void addRecordsOut(long n) {
        recordsOut += n;
    }

    void addKeys(long n) {
        keys += n;
    }

    /** Counts a bad record and keeps it if fewer than {@value #MAX_SKIPPED} are kept. */
    void skip(long line, String error) {
        badRecords++;
        if (skipped.size() < MAX_SKIPPED) {
            skipped.add(new Skipped(line, error));
        }
    }

    /**
     * Adds another task's counters field by field and appends its skipped records up to {@value
     * #MAX_SKIPPED}: what a merge task does.
     */
    public DataCounters add(DataCounters other) {
        recordsIn += other.recordsIn;
        recordsOut += other.recordsOut;
        badRecords += other.badRecords;
        keys += other.keys;
        for (Skipped s : other.skipped) {
            if (skipped.size() < MAX_SKIPPED) {
                skipped.add(s);
            }
        }
        return this;
    }

    /**
     * The JSON form, the same as the JavaScript engine's counters: {@code {"recordsIn", "recordsOut",
     * "badRecords", "keys", "skipped": [{"line", "error"}]}}.
     */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("recordsIn", recordsIn);
        node.put("recordsOut", recordsOut);
        node.put("badRecords", badRecords);
        node.put("keys", keys);
        ArrayNode list = node.putArray("skipped");
        skipped.forEach(s -> list.add(s.toJson()));
        return node;
    }

    /** Reads the JSON form of {@link #toJson()}; absent fields count zero. */
    public static DataCounters fromJson(JsonNode node) {
        DataCounters c = new DataCounters();
        c.recordsIn = node.path("recordsIn").asLong();
        c.recordsOut = node.path("recordsOut").asLong();
        c.badRecords = node.path("badRecords").asLong();
        c.keys = node.path("keys").asLong();
        for (JsonNode s : node.path("skipped")) {
            if (c.skipped.size() < MAX_SKIPPED) {
                c.skipped.add(
                        new Skipped(s.path("line").asLong(), s.path("error").asText()));
            }
        }
        return c;
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
