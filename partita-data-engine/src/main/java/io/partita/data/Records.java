package io.partita.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the records of a split: its bytes are whole lines, each ending in {@code \n} except
 * possibly the last line of the file. A trailing {@code \r} is dropped from every line, and a UTF-8
 * byte order mark at the very start of the split is ignored (browsers drop it when they decode).
 * Lines are numbered from the split's {@link SplitInfo#firstLine()}, blank lines included.
 *
 * <ul>
 *   <li>text: every line is a record, a {@code String} (empty lines too);
 *   <li>csv: empty lines are skipped; other lines are parsed by {@link Csv} into a {@code
 *       Map<String, String>} in header order; a field count other than the header's is a bad record
 *       ({@code expected 3 fields, found 2}), as is malformed quoting;
 *   <li>jsonl: lines of only spaces and tabs are skipped; other lines are parsed by Jackson into
 *       maps, lists, strings, {@code Integer}/{@code Long}/{@code BigInteger}/{@code Double},
 *       booleans and null; a line that is not one JSON value is a bad record ({@code not valid
 *       JSON: unexpected "}" at column 9}).
 * </ul>
 *
 * <p>A bad record fails the task with {@code DataException("line N: ...")} unless the split info
 * says to skip, in which case it is counted in {@link DataCounters}. Thread-safe: stateless.
 */
public final class Records {
    private Records() {}

    /** Receives records. */
    @FunctionalInterface
    public interface Consumer {
        /** One record and its 1-based line number in the file. */
        void accept(long line, Object record) throws Exception;
    }

    /**
     * Reads the records of {@code b[off, off+len)} in order, counting each in {@code
     * counters.recordsIn} before passing it on.
     *
     * @throws DataException for a bad record under the {@code fail} policy
     * @throws Exception what {@code consumer} throws
     */
    public static void forEach(byte[] b, int off, int len, SplitInfo info, DataCounters counters, Consumer consumer)
            throws Exception {
        read(b, off, len, info, counters, false, consumer);
    }

    /**
     * Like {@link #forEach}, but csv records are {@code String[]} of the header's length and jsonl
     * records are Jackson trees, for the query engine.
     */
    static void read(byte[] b, int off, int len, SplitInfo info, DataCounters counters, boolean raw, Consumer consumer)
            throws Exception {
        int end = off + len;
        int p = off;
        if (len >= 3 && b[p] == (byte) 0xEF && b[p + 1] == (byte) 0xBB && b[p + 2] == (byte) 0xBF) {
            p += 3;
        }
        Format format = info.format();
        List<String> columns = info.columns();
        int width = columns.size();
        List<String> fields = new ArrayList<>(width);
        long line = info.firstLine();
        while (p < end) {
            int nl = p;
            while (nl < end && b[nl] != '\n') {
                nl++;
            }
            int ce = nl;
            if (ce > p && b[ce - 1] == '\r') {
                ce--;
            }
            switch (format) {
                case TEXT -> {
                    String s = new String(b, p, ce - p, StandardCharsets.UTF_8);
                    counters.addRecordsIn(1);
                    consumer.accept(line, s);
                }
                case CSV -> {
                    if (ce > p) {
                        String s = new String(b, p, ce - p, StandardCharsets.UTF_8);
                        fields.clear();
                        String error = null;
                        try {
                            int found = Csv.parse(s, fields);
                            if (found != width) {
                                error = "expected " + width + " fields, found " + found;
                            }
                        } catch (DataException e) {
                            error = e.getMessage();
                        }
                        if (error != null) {
                            bad(info, counters, line, error);
                        } else {
                            Object record;
                            if (raw) {
                                record = fields.toArray(new String[0]);
                            } else {
                                Map<String, String> map = new LinkedHashMap<>((int) (width / 0.75f) + 1);
                                for (int i = 0; i < width; i++) {
                                    map.put(columns.get(i), fields.get(i));
                                }
                                record = map;
                            }
                            counters.addRecordsIn(1);
                            consumer.accept(line, record);
                        }
                    }
                }
                case JSONL -> {
                    if (!blank(b, p, ce)) {
                        String s = new String(b, p, ce - p, StandardCharsets.UTF_8);
                        Object record;
                        try {
                            record = raw ? Json.MAPPER.readTree(s) : Json.MAPPER.readValue(s, Object.class);
                        } catch (JsonProcessingException e) {
                            bad(info, counters, line, "not valid JSON: " + JsonSyntax.error(s));
                            record = SKIP;
                        }
                        if (record != SKIP) {
                            counters.addRecordsIn(1);
                            consumer.accept(line, record);
                        }
                    }
                }
            }
            line++;
            p = nl + 1;
        }
    }

    private static final Object SKIP = new Object();

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    /** Applies the bad-record policy: throws {@code line N: error}, or counts and keeps the record. */
    static void bad(SplitInfo info, DataCounters counters, long line, String error) {
        if (!info.skipBad()) {
            throw new DataException("line " + line + ": " + error);
        }
        counters.skip(line, error);
    }
}
