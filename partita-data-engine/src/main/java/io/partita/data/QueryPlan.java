package io.partita.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled query: what {@link QuerySpec#compile} returns and what the coordinator sends to
 * workers ({@link #toJson()}, {@link #fromJson}). It runs as a map phase over the splits and, when
 * {@link #reducers()} is 1, one reduce task; the JavaScript engine's {@code queryMap} and {@code
 * queryReduce} produce byte-identical runs and output from the same plan.
 *
 * <p>Rows mode (no groupBy, no aggregates): the map side keeps the rows that pass every condition
 * and projects them on the output columns. Without orderBy and limit the job is map-only and each
 * map output is final: one JSON object per line, keys in output order. Otherwise each map task
 * writes its rows as JSON arrays of values, already sorted and cut to the limit, and the reduce task
 * sorts all of them again (stably, so ties keep dataset order), applies the limit and writes
 * objects.
 *
 * <p>Aggregate mode: the map side keeps one state per group (the JSON text of the array of groupBy
 * values), in first-seen order, and writes a line {@code [key, state...]} per group: a count as an
 * integer, a sum as a number, a min or max as a number or null, an avg as {@code [sum, count]}; a
 * sum that overflowed is written as the string {@code "Infinity"}, {@code "-Infinity"} or {@code
 * "NaN"}. The reduce task merges the states in map-task order, so groups appear in the order of
 * their first row in the dataset unless orderBy says otherwise, and floating-point sums add up in
 * the same order everywhere. Without groupBy there is exactly one row, even over no rows at all:
 * count 0, sum 0, min, max and avg null.
 *
 * <p>Value semantics (comparisons, numbers, sort order) are described in {@code docs/data-engine.md}.
 * Immutable and thread-safe.
 */
public final class QueryPlan {

    /** An aggregate function. */
    enum Fn {
        /** Rows, or non-null values of a column. */
        COUNT("count"),
        /** Sum of the non-null values; 0 over none. */
        SUM("sum"),
        /** Least non-null value; null over none. */
        MIN("min"),
        /** Greatest non-null value; null over none. */
        MAX("max"),
        /** Mean of the non-null values; null over none. */
        AVG("avg");

        final String id;

        Fn(String id) {
            this.id = id;
        }

        /** The function's name in a query. */
        String id() {
            return id;
        }

        static Fn of(String id) {
            for (Fn f : values()) {
                if (f.id.equals(id)) {
                    return f;
                }
            }
            return null;
        }
    }

    /**
     * One aggregate of the output.
     *
     * @param fn the function
     * @param column the column it reads, null for a count of rows
     * @param as the output column name
     */
    record Aggregate(Fn fn, String column, String as) {}

    /**
     * One sort key of the output.
     *
     * @param column an output column
     * @param desc whether it sorts descending
     */
    record OrderKey(String column, boolean desc) {}

    private final Format format;
    private final List<Condition> where;
    private final List<String> columns;
    private final List<String> groupBy;
    private final List<Aggregate> aggregates;
    private final List<OrderKey> orderBy;
    private final int limit;
    private final List<String> output;
    private final int[] groupIndex;
    private final int[] orderIndex;

    QueryPlan(
            Format format,
            List<Condition> where,
            List<String> columns,
            List<String> groupBy,
            List<Aggregate> aggregates,
            List<OrderKey> orderBy,
            int limit) {
        this.format = format;
        this.where = List.copyOf(where);
        this.columns = List.copyOf(columns);
        this.groupBy = List.copyOf(groupBy);
        this.aggregates = List.copyOf(aggregates);
        this.orderBy = List.copyOf(orderBy);
        this.limit = limit;
        List<String> out = new ArrayList<>(this.columns);
        for (Aggregate a : this.aggregates) {
            out.add(a.as());
        }
        this.output = List.copyOf(out);
        this.groupIndex = new int[this.columns.size()];
        if (grouped()) {
            for (int i = 0; i < groupIndex.length; i++) {
                groupIndex[i] = this.groupBy.indexOf(this.columns.get(i));
                if (groupIndex[i] < 0) {
                    throw new DataException("plan column " + this.columns.get(i) + " is not in groupBy");
                }
            }
        }
        this.orderIndex = new int[this.orderBy.size()];
        for (int i = 0; i < orderIndex.length; i++) {
            orderIndex[i] = output.indexOf(this.orderBy.get(i).column());
            if (orderIndex[i] < 0) {
                throw new DataException(
                        "plan orderBy column " + this.orderBy.get(i).column() + " is not in the output");
            }
        }
    }

    /** The dataset format the plan was compiled for. */
    public Format format() {
        return format;
    }

    /** The output column names, in order: selected or grouped columns, then aggregate names. */
    public List<String> outputColumns() {
        return output;
    }

    /** The limit, if any. */
    public java.util.OptionalInt limit() {
        return limit < 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(limit);
    }

    /** 0 for a map-only query (filter and select only), otherwise 1. */
    public int reducers() {
        return grouped() || !orderBy.isEmpty() || limit >= 0 ? 1 : 0;
    }

    private boolean grouped() {
        return !groupBy.isEmpty() || !aggregates.isEmpty();
    }

    // ---------------------------------------------------------------- JSON

    /**
     * The plan as JSON: {@code {"format", "where": [{"column", "op", "value"}], "columns",
     * "groupBy", "aggregates": [{"fn", "column", "as"}], "orderBy": [{"column", "desc"}], "limit",
     * "output", "reducers"}}; {@code limit} is null when absent, {@code column} of a count of rows is
     * null. {@code output} and {@code reducers} are derived and only informative.
     */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode node = f.objectNode();
        node.put("format", format.id());
        ArrayNode w = node.putArray("where");
        for (Condition c : where) {
            ObjectNode cn = w.addObject();
            cn.put("column", c.column());
            cn.put("op", c.op().symbol);
            if (c.op() == Condition.Op.IN) {
                ArrayNode list = cn.putArray("value");
                for (Object e : (List<?>) c.literal()) {
                    list.add(literalNode(e));
                }
            } else if (c.literal() != null) {
                cn.set("value", literalNode(c.literal()));
            }
        }
        columns.forEach(node.putArray("columns")::add);
        groupBy.forEach(node.putArray("groupBy")::add);
        ArrayNode ag = node.putArray("aggregates");
        for (Aggregate a : aggregates) {
            ObjectNode an = ag.addObject();
            an.put("fn", a.fn().id);
            an.put("column", a.column());
            an.put("as", a.as());
        }
        ArrayNode ob = node.putArray("orderBy");
        for (OrderKey k : orderBy) {
            ob.addObject().put("column", k.column()).put("desc", k.desc());
        }
        if (limit >= 0) {
            node.put("limit", limit);
        } else {
            node.putNull("limit");
        }
        output.forEach(node.putArray("output")::add);
        node.put("reducers", reducers());
        return node;
    }

    private static JsonNode literalNode(Object literal) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (literal instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 9007199254740992.0
                    ? f.numberNode((long) (double) d)
                    : f.numberNode(d);
        }
        if (literal instanceof Boolean b) {
            return f.booleanNode(b);
        }
        return f.textNode((String) literal);
    }

    /**
     * Reads a plan written by {@link #toJson()}.
     *
     * @throws DataException if it is malformed
     */
    public static QueryPlan fromJson(JsonNode node) {
        try {
            Format format = Format.parse(node.path("format").asText(null));
            List<Condition> where = new ArrayList<>();
            for (JsonNode c : node.path("where")) {
                Condition.Op op = Condition.Op.of(c.path("op").asText(""));
                if (op == null) {
                    throw new DataException("unknown operator " + c.path("op"));
                }
                JsonNode v = c.get("value");
                Object literal = null;
                if (op == Condition.Op.IN) {
                    List<Object> list = new ArrayList<>();
                    for (JsonNode e : v) {
                        list.add(literalOf(e));
                    }
                    literal = List.copyOf(list);
                } else if (op != Condition.Op.IS_NULL && op != Condition.Op.IS_NOT_NULL) {
                    literal = literalOf(v);
                }
                where.add(new Condition(text(c, "column"), op, literal));
            }
            List<String> columns = strings(node.path("columns"));
            List<String> groupBy = strings(node.path("groupBy"));
            List<Aggregate> aggregates = new ArrayList<>();
            for (JsonNode a : node.path("aggregates")) {
                Fn fn = Fn.of(a.path("fn").asText(""));
                if (fn == null) {
                    throw new DataException("unknown aggregate function " + a.path("fn"));
                }
                JsonNode col = a.get("column");
                String column = col == null || col.isNull() ? null : col.asText();
                if (column == null && fn != Fn.COUNT) {
                    throw new DataException(fn.id + " needs a column");
                }
                aggregates.add(new Aggregate(fn, column, text(a, "as")));
            }
            List<OrderKey> orderBy = new ArrayList<>();
            for (JsonNode k : node.path("orderBy")) {
                orderBy.add(new OrderKey(text(k, "column"), k.path("desc").asBoolean(false)));
            }
            JsonNode l = node.get("limit");
            int limit = l == null || l.isNull() ? -1 : l.intValue();
            return new QueryPlan(format, where, columns, groupBy, aggregates, orderBy, limit);
        } catch (DataException e) {
            throw new DataException("malformed query plan: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new DataException("malformed query plan: " + e, e);
        }
    }

    private static Object literalOf(JsonNode v) {
        if (v == null || v.isNull()) {
            throw new DataException("missing value");
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        throw new DataException("bad value " + v);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new DataException(field + " must be a string");
        }
        return v.textValue();
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            out.add(e.asText());
        }
        return out;
    }

    // ---------------------------------------------------------------- map side

    /** Where the values of the columns a plan reads come from, for one split's column layout. */
    private final class Reader {
        final int[] whereIdx;
        final int[] columnIdx;
        final int[] groupIdx;
        final int[] aggIdx;

        Reader(List<String> splitColumns) {
            whereIdx =
                    indexes(splitColumns, where.stream().map(Condition::column).toList());
            columnIdx = indexes(splitColumns, columns);
            groupIdx = indexes(splitColumns, groupBy);
            aggIdx = indexes(
                    splitColumns,
                    aggregates.stream()
                            .map(a -> a.column() == null ? "" : a.column())
                            .toList());
        }

        private int[] indexes(List<String> splitColumns, List<String> names) {
            int[] idx = new int[names.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = splitColumns.indexOf(names.get(i));
            }
            return idx;
        }

        Object get(Object record, String column, int index) {
            return switch (format) {
                case TEXT -> column.equals("line") ? record : null;
                case CSV -> {
                    if (index < 0) {
                        yield null;
                    }
                    String s = ((String[]) record)[index];
                    yield s.isEmpty() ? null : s;
                }
                case JSONL -> {
                    JsonNode n = (JsonNode) record;
                    yield n.isObject() ? Values.fromNode(n.get(column)) : null;
                }
            };
        }

        boolean passes(Object record) {
            for (int i = 0; i < whereIdx.length; i++) {
                Condition c = where.get(i);
                if (!c.test(get(record, c.column(), whereIdx[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Runs the map side over the split {@code b[off, off+len)}.
     *
     * @return one run: final output lines for a map-only plan, otherwise the input of the reduce task
     * @throws DataException for a bad record under the {@code fail} policy, or a split of another format
     */
    public MapOutput map(byte[] b, int off, int len, SplitInfo info) {
        try {
            return mapSplit(b, off, len, info);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new DataException("query map failed: " + e, e); // no checked exception is thrown inside
        }
    }

    private MapOutput mapSplit(byte[] b, int off, int len, SplitInfo info) throws Exception {
        if (info.format() != format) {
            throw new DataException("the plan is for " + format.id() + " data, the split is "
                    + info.format().id());
        }
        DataCounters counters = new DataCounters();
        Reader reader = new Reader(info.columns());
        ByteSink out = new ByteSink(grouped() ? 4096 : len / 2 + 64);
        StringBuilder sb = new StringBuilder(256);
        if (grouped()) {
            mapGroups(b, off, len, info, counters, reader, out, sb);
        } else if (reducers() == 0) {
            Records.read(b, off, len, info, counters, true, (line, record) -> {
                if (reader.passes(record)) {
                    sb.setLength(0);
                    sb.append('{');
                    for (int i = 0; i < columns.size(); i++) {
                        if (i > 0) {
                            sb.append(',');
                        }
                        JsJson.writeString(sb, columns.get(i));
                        sb.append(':');
                        JsJson.write(sb, reader.get(record, columns.get(i), reader.columnIdx[i]));
                    }
                    sb.append('}').append('\n');
                    out.writeUtf8(sb);
                    counters.addRecordsOut(1);
                }
            });
        } else {
            List<Row> rows = new ArrayList<>();
            int compactAt = limit >= 0
                    ? (int) Math.min(Integer.MAX_VALUE, Math.max(2L * limit, limit + 1024L))
                    : Integer.MAX_VALUE;
            Records.read(b, off, len, info, counters, true, (line, record) -> {
                if (!reader.passes(record)) {
                    return;
                }
                if (orderBy.isEmpty() && limit >= 0 && rows.size() >= limit) {
                    return;
                }
                Object[] values = new Object[columns.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = reader.get(record, columns.get(i), reader.columnIdx[i]);
                }
                rows.add(new Row(values, sortKeys(values)));
                if (rows.size() >= compactAt) {
                    sortAndCut(rows);
                }
            });
            sortAndCut(rows);
            for (Row row : rows) {
                sb.setLength(0);
                sb.append('[');
                for (int i = 0; i < row.values.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    JsJson.write(sb, row.values[i]);
                }
                sb.append(']').append('\n');
                out.writeUtf8(sb);
            }
            counters.addRecordsOut(rows.size());
        }
        return new MapOutput(List.of(out.toByteArray()), counters);
    }

    /** The running aggregates of one group. */
    private static final class State {
        final Object key;
        final long[] count;
        final double[] num;
        final boolean[] has;

        State(Object key, int n) {
            this.key = key;
            count = new long[n];
            num = new double[n];
            has = new boolean[n];
        }
    }

    private void mapGroups(
            byte[] b,
            int off,
            int len,
            SplitInfo info,
            DataCounters counters,
            Reader reader,
            ByteSink out,
            StringBuilder sb)
            throws Exception {
        int n = aggregates.size();
        Map<String, State> groups = new LinkedHashMap<>();
        Object[] values = new Object[n];
        Records.read(b, off, len, info, counters, true, (line, record) -> {
            if (!reader.passes(record)) {
                return;
            }
            for (int i = 0; i < n; i++) {
                Aggregate a = aggregates.get(i);
                Object v = a.column() == null ? null : reader.get(record, a.column(), reader.aggIdx[i]);
                if (v != null && a.fn() != Fn.COUNT && Double.isNaN(Values.number(v))) {
                    Records.bad(
                            info,
                            counters,
                            line,
                            "column " + JsJson.string(a.column()) + " is not a number: " + Values.display(v));
                    return;
                }
                values[i] = v;
            }
            sb.setLength(0);
            sb.append('[');
            for (int i = 0; i < groupBy.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                JsJson.write(sb, reader.get(record, groupBy.get(i), reader.groupIdx[i]));
            }
            sb.append(']');
            String key = sb.toString();
            State s = groups.get(key);
            if (s == null) {
                s = new State(key, n);
                groups.put(key, s);
            }
            for (int i = 0; i < n; i++) {
                Aggregate a = aggregates.get(i);
                Object v = values[i];
                if (a.fn() == Fn.COUNT) {
                    if (a.column() == null || v != null) {
                        s.count[i]++;
                    }
                } else if (v != null) {
                    accumulate(s, i, a.fn(), Values.number(v), 1);
                }
            }
        });
        for (State s : groups.values()) {
            sb.setLength(0);
            sb.append('[').append((String) s.key);
            for (int i = 0; i < n; i++) {
                sb.append(',');
                writeState(sb, s, i, aggregates.get(i).fn());
            }
            sb.append(']').append('\n');
            out.writeUtf8(sb);
        }
        counters.addRecordsOut(groups.size());
        counters.addKeys(groups.size());
    }

    private static void accumulate(State s, int i, Fn fn, double x, long count) {
        switch (fn) {
            case SUM -> s.num[i] += x;
            case AVG -> {
                s.num[i] += x;
                s.count[i] += count;
            }
            case MIN -> {
                if (!s.has[i] || x < s.num[i]) {
                    s.num[i] = x;
                    s.has[i] = true;
                }
            }
            case MAX -> {
                if (!s.has[i] || x > s.num[i]) {
                    s.num[i] = x;
                    s.has[i] = true;
                }
            }
            case COUNT -> s.count[i] += count;
        }
    }

    private static void writeState(StringBuilder sb, State s, int i, Fn fn) {
        switch (fn) {
            case COUNT -> sb.append(s.count[i]);
            case SUM -> stateNumber(sb, s.num[i]);
            case MIN, MAX -> {
                if (s.has[i]) {
                    stateNumber(sb, s.num[i]);
                } else {
                    sb.append("null");
                }
            }
            case AVG -> {
                sb.append('[');
                stateNumber(sb, s.num[i]);
                sb.append(',').append(s.count[i]).append(']');
            }
        }
    }

    private static void stateNumber(StringBuilder sb, double d) {
        if (Double.isFinite(d)) {
            sb.append(JsJson.number(d));
        } else {
            sb.append('"').append(JsJson.number(d)).append('"');
        }
    }

    private static double readStateNumber(JsonNode n) {
        return n.isTextual() ? Double.parseDouble(n.textValue()) : n.doubleValue();
    }

    // ---------------------------------------------------------------- sorting

    /** An output row with its sort keys. */
    private record Row(Object[] values, Values.SortKey[] keys) {}

    private Values.SortKey[] sortKeys(Object[] values) {
        if (orderBy.isEmpty()) {
            return null;
        }
        Values.SortKey[] keys = new Values.SortKey[orderIndex.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = Values.SortKey.of(values[orderIndex[i]]);
        }
        return keys;
    }

    private int compare(Row a, Row b) {
        for (int i = 0; i < orderIndex.length; i++) {
            int c = a.keys[i].compareTo(b.keys[i]);
            if (c != 0) {
                return orderBy.get(i).desc() ? -c : c;
            }
        }
        return 0;
    }

    /** Stable-sorts by orderBy (if any) and keeps the first {@code limit} rows (if any). */
    private void sortAndCut(List<Row> rows) {
        if (!orderBy.isEmpty()) {
            rows.sort(this::compare);
        }
        if (limit >= 0 && rows.size() > limit) {
            rows.subList(limit, rows.size()).clear();
        }
    }

    // ---------------------------------------------------------------- reduce side

    /**
     * Runs the reduce side over the runs of every map task, in map-task order.
     *
     * @return the query's result: one JSON object per line
     * @throws DataException for a malformed run or a map-only plan
     */
    public ReduceOutput reduce(List<byte[]> runs) {
        if (reducers() == 0) {
            throw new DataException("a map-only query has no reduce side");
        }
        DataCounters counters = new DataCounters();
        List<Row> rows = new ArrayList<>();
        if (grouped()) {
            int n = aggregates.size();
            Map<String, State> groups = new LinkedHashMap<>();
            eachLine(runs, counters, a -> {
                JsonNode keyNode = a.get(0);
                String key = JsJson.write(keyNode);
                State s = groups.get(key);
                if (s == null) {
                    s = new State(keyNode, n);
                    groups.put(key, s);
                }
                for (int i = 0; i < n; i++) {
                    JsonNode st = a.get(i + 1);
                    Fn fn = aggregates.get(i).fn();
                    switch (fn) {
                        case COUNT -> s.count[i] += st.longValue();
                        case SUM -> accumulate(s, i, fn, readStateNumber(st), 0);
                        case MIN, MAX -> {
                            if (!st.isNull()) {
                                accumulate(s, i, fn, readStateNumber(st), 0);
                            }
                        }
                        case AVG ->
                            accumulate(
                                    s,
                                    i,
                                    fn,
                                    readStateNumber(st.get(0)),
                                    st.get(1).longValue());
                    }
                }
            });
            if (groups.isEmpty() && groupBy.isEmpty()) {
                groups.put("[]", new State(JsonNodeFactory.instance.arrayNode(), n));
            }
            counters.addKeys(groups.size());
            for (State s : groups.values()) {
                Object[] values = new Object[output.size()];
                JsonNode key = (JsonNode) s.key;
                for (int i = 0; i < columns.size(); i++) {
                    values[i] = Values.fromNode(key.get(groupIndex[i]));
                }
                for (int i = 0; i < n; i++) {
                    values[columns.size() + i] = switch (aggregates.get(i).fn()) {
                        case COUNT -> (Object) s.count[i];
                        case SUM -> s.num[i];
                        case MIN, MAX -> s.has[i] ? (Object) s.num[i] : null;
                        case AVG -> s.count[i] > 0 ? (Object) (s.num[i] / s.count[i]) : null;
                    };
                }
                rows.add(new Row(values, sortKeys(values)));
            }
        } else {
            eachLine(runs, counters, a -> {
                Object[] values = new Object[output.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = Values.fromNode(a.get(i));
                }
                rows.add(new Row(values, sortKeys(values)));
            });
        }
        sortAndCut(rows);
        ByteSink out = new ByteSink(4096);
        StringBuilder sb = new StringBuilder(256);
        for (Row row : rows) {
            sb.setLength(0);
            sb.append('{');
            for (int i = 0; i < output.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                JsJson.writeString(sb, output.get(i));
                sb.append(':');
                JsJson.write(sb, row.values[i]);
            }
            sb.append('}').append('\n');
            out.writeUtf8(sb);
        }
        counters.addRecordsOut(rows.size());
        return new ReduceOutput(out.toByteArray(), counters);
    }

    private interface LineHandler {
        void line(JsonNode array);
    }

    private void eachLine(List<byte[]> runs, DataCounters counters, LineHandler handler) {
        int width = grouped() ? aggregates.size() + 1 : output.size();
        for (int r = 0; r < runs.size(); r++) {
            byte[] b = runs.get(r);
            int p = 0;
            int line = 0;
            while (p < b.length) {
                int nl = p;
                while (nl < b.length && b[nl] != '\n') {
                    nl++;
                }
                line++;
                JsonNode a;
                try {
                    a = Json.MAPPER.readTree(new String(b, p, nl - p, StandardCharsets.UTF_8));
                } catch (JsonProcessingException e) {
                    a = null;
                }
                if (a == null || !a.isArray() || a.size() != width) {
                    throw new DataException("run " + r + " line " + line + " is not a query run line");
                }
                counters.addRecordsIn(1);
                handler.line(a);
                p = nl + 1;
            }
        }
    }
}
