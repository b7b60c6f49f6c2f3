package io.partita.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a query specification (the body of {@code POST /api/queries}) against a dataset's
 * format and columns and compiles it into a {@link QueryPlan}. Every problem is reported as a
 * {@link QueryException} naming the JSON path of the offending part and the bad value. {@code
 * dataset} and {@code options} are accepted without a look: the coordinator validates them.
 *
 * <p>Thread-safe: stateless.
 */
public final class QuerySpec {
    private QuerySpec() {}

    private static final Set<String> FIELDS =
            Set.of("dataset", "options", "where", "select", "groupBy", "aggregates", "orderBy", "limit");
    private static final String OPS = "=, !=, <, <=, >, >=, contains, startsWith, in, is null, is not null";

    /**
     * Compiles {@code spec} for a dataset of {@code format} with {@code columns}.
     *
     * @throws QueryException naming the first invalid part: an unknown field, column, operator or
     *     aggregate function, a value of the wrong type, a bad limit, an orderBy column that is not in
     *     the output, a duplicate output column
     */
    public static QueryPlan compile(JsonNode spec, Format format, List<String> columns) {
        if (spec == null || !spec.isObject()) {
            throw new QueryException("", "a query must be a JSON object");
        }
        List<String> cols = List.copyOf(columns);
        for (Map.Entry<String, JsonNode> e : spec.properties()) {
            if (!FIELDS.contains(e.getKey())) {
                throw new QueryException(
                        e.getKey(),
                        "unknown field " + JsJson.string(e.getKey())
                                + "; a query has where, select, groupBy, aggregates, orderBy and limit");
            }
        }
        List<Condition> where = new ArrayList<>();
        JsonNode w = given(spec, "where");
        if (w != null) {
            if (!w.isArray()) {
                throw new QueryException("where", "must be an array of conditions, was " + Values.display(w));
            }
            for (int i = 0; i < w.size(); i++) {
                where.add(condition(w.get(i), "where[" + i + "]", cols));
            }
        }
        List<String> select = columnList(spec, "select", cols, false);
        List<String> groupBy = columnList(spec, "groupBy", cols, true);
        List<QueryPlan.Aggregate> aggregates = new ArrayList<>();
        JsonNode a = given(spec, "aggregates");
        if (a != null) {
            if (!a.isArray()) {
                throw new QueryException("aggregates", "must be an array of aggregates, was " + Values.display(a));
            }
            for (int i = 0; i < a.size(); i++) {
                aggregates.add(aggregate(a.get(i), "aggregates[" + i + "]", cols));
            }
        }
        boolean grouped = !groupBy.isEmpty() || !aggregates.isEmpty();
        List<String> output = new ArrayList<>();
        List<String> shown;
        if (grouped) {
            if (select != null) {
                for (int i = 0; i < select.size(); i++) {
                    if (!groupBy.contains(select.get(i))) {
                        throw new QueryException(
                                "select[" + i + "]",
                                "column " + JsJson.string(select.get(i))
                                        + " is not in groupBy; with groupBy or aggregates, select may only list groupBy columns");
                    }
                }
            }
            shown = select != null ? select : groupBy;
        } else {
            shown = select != null ? select : cols;
        }
        output.addAll(shown);
        for (int i = 0; i < aggregates.size(); i++) {
            String alias = aggregates.get(i).as();
            if (output.contains(alias)) {
                throw new QueryException(
                        "aggregates[" + i + "]",
                        "duplicate output column " + JsJson.string(alias)
                                + "; give the aggregate another name with \"as\"");
            }
            output.add(alias);
        }
        List<QueryPlan.OrderKey> orderBy = new ArrayList<>();
        JsonNode o = given(spec, "orderBy");
        if (o != null) {
            if (!o.isArray()) {
                throw new QueryException(
                        "orderBy", "must be an array of {\"column\", \"desc\"}, was " + Values.display(o));
            }
            for (int i = 0; i < o.size(); i++) {
                orderBy.add(orderKey(o.get(i), "orderBy[" + i + "]", output));
            }
        }
        int limit = -1;
        JsonNode l = given(spec, "limit");
        if (l != null) {
            if (!l.isIntegralNumber() || !l.canConvertToInt() || l.intValue() < 0) {
                throw new QueryException(
                        "limit", "must be a non-negative integer up to 2147483647, was " + Values.display(l));
            }
            limit = l.intValue();
        }
        return new QueryPlan(format, where, shown, groupBy, aggregates, orderBy, limit);
    }

    private static JsonNode given(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    private static void checkFields(JsonNode node, String path, Set<String> allowed, String what) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!allowed.contains(e.getKey())) {
                throw new QueryException(
                        path + "." + e.getKey(), "unknown field " + JsJson.string(e.getKey()) + "; " + what);
            }
        }
    }

    private static String column(JsonNode node, String path, List<String> cols, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw new QueryException(path, "a column name is required");
            }
            return null;
        }
        if (!node.isTextual()) {
            throw new QueryException(path, "must be a column name, was " + Values.display(node));
        }
        String name = node.textValue();
        if (!cols.contains(name)) {
            throw new QueryException(
                    path, "unknown column " + JsJson.string(name) + "; the columns are " + names(cols));
        }
        return name;
    }

    static String names(List<String> cols) {
        StringBuilder sb = new StringBuilder();
        int shown = Math.min(cols.size(), 20);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(JsJson.string(cols.get(i)));
        }
        if (cols.size() > shown) {
            sb.append(" and ").append(cols.size() - shown).append(" more");
        }
        return cols.isEmpty() ? "(none)" : sb.toString();
    }

    private static List<String> columnList(JsonNode spec, String field, List<String> cols, boolean emptyOk) {
        JsonNode node = given(spec, field);
        if (node == null) {
            return emptyOk ? List.of() : null;
        }
        if (!node.isArray()) {
            throw new QueryException(field, "must be an array of column names, was " + Values.display(node));
        }
        if (node.isEmpty() && !emptyOk) {
            throw new QueryException(field, "must name at least one column");
        }
        Set<String> seen = new HashSet<>();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String name = column(node.get(i), field + "[" + i + "]", cols, true);
            if (!seen.add(name)) {
                throw new QueryException(field + "[" + i + "]", "duplicate column " + JsJson.string(name));
            }
            out.add(name);
        }
        return out;
    }

    private static Condition condition(JsonNode node, String path, List<String> cols) {
        if (!node.isObject()) {
            throw new QueryException(
                    path, "must be an object {\"column\", \"op\", \"value\"}, was " + Values.display(node));
        }
        checkFields(node, path, Set.of("column", "op", "value"), "a condition has column, op and value");
        String column = column(node.get("column"), path + ".column", cols, true);
        JsonNode opNode = node.get("op");
        if (opNode == null || opNode.isNull()) {
            throw new QueryException(path + ".op", "an operator is required; one of " + OPS);
        }
        if (!opNode.isTextual()) {
            throw new QueryException(path + ".op", "must be one of " + OPS + ", was " + Values.display(opNode));
        }
        Condition.Op op = Condition.Op.of(opNode.textValue());
        if (op == null) {
            throw new QueryException(
                    path + ".op", "unknown operator " + JsJson.string(opNode.textValue()) + "; expected one of " + OPS);
        }
        JsonNode value = node.get("value");
        String vpath = path + ".value";
        Object literal;
        switch (op) {
            case IS_NULL, IS_NOT_NULL -> {
                if (value != null) {
                    throw new QueryException(vpath, "must not be given for \"" + op.symbol + "\"");
                }
                literal = null;
            }
            case IN -> {
                if (value == null || !value.isArray()) {
                    throw new QueryException(
                            vpath,
                            "\"in\" needs an array of strings, numbers or booleans, was "
                                    + (value == null ? "missing" : Values.display(value)));
                }
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < value.size(); i++) {
                    list.add(literal(value.get(i), vpath + "[" + i + "]", op, true));
                }
                literal = List.copyOf(list);
            }
            default -> literal = literal(value, vpath, op, false);
        }
        return new Condition(column, op, literal);
    }

    private static Object literal(JsonNode value, String path, Condition.Op op, boolean element) {
        String what = element ? "an element of \"in\"" : "the value of \"" + op.symbol + "\"";
        if (value == null) {
            throw new QueryException(path, "is required for \"" + op.symbol + "\"");
        }
        if (value.isNull()) {
            throw new QueryException(path, "null is not a value to compare with; use the operator \"is null\"");
        }
        boolean stringOnly = op == Condition.Op.CONTAINS || op == Condition.Op.STARTS_WITH;
        boolean ordered =
                op == Condition.Op.LT || op == Condition.Op.LE || op == Condition.Op.GT || op == Condition.Op.GE;
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isNumber() && !stringOnly) {
            double d = value.doubleValue();
            if (!Double.isFinite(d)) {
                throw new QueryException(path, "number out of range: " + value);
            }
            return d;
        }
        if (value.isBoolean() && !stringOnly && !ordered) {
            return value.booleanValue();
        }
        String allowed = stringOnly ? "a string" : ordered ? "a string or a number" : "a string, a number or a boolean";
        throw new QueryException(path, what + " must be " + allowed + ", was " + Values.display(value));
    }

    private static QueryPlan.Aggregate aggregate(JsonNode node, String path, List<String> cols) {
        if (!node.isObject()) {
            throw new QueryException(
                    path, "must be an object {\"fn\", \"column\", \"as\"}, was " + Values.display(node));
        }
        checkFields(node, path, Set.of("fn", "column", "as"), "an aggregate has fn, column and as");
        JsonNode fnNode = node.get("fn");
        QueryPlan.Fn fn = fnNode != null && fnNode.isTextual() ? QueryPlan.Fn.of(fnNode.textValue()) : null;
        if (fn == null) {
            throw new QueryException(
                    path + ".fn",
                    (fnNode == null
                                    ? "an aggregate function is required"
                                    : "unknown aggregate function " + Values.display(fnNode))
                            + "; expected one of count, sum, min, max, avg");
        }
        String column = column(node.get("column"), path + ".column", cols, false);
        if (column == null && fn != QueryPlan.Fn.COUNT) {
            throw new QueryException(path + ".column", fn.id + " needs a column");
        }
        JsonNode as = node.get("as");
        String alias;
        if (as == null || as.isNull()) {
            alias = column == null ? fn.id : fn.id + "_" + column;
        } else if (!as.isTextual() || as.textValue().isEmpty()) {
            throw new QueryException(path + ".as", "must be a non-empty string, was " + Values.display(as));
        } else {
            alias = as.textValue();
        }
        return new QueryPlan.Aggregate(fn, column, alias);
    }

    private static QueryPlan.OrderKey orderKey(JsonNode node, String path, List<String> output) {
        if (!node.isObject()) {
            throw new QueryException(path, "must be an object {\"column\", \"desc\"}, was " + Values.display(node));
        }
        checkFields(node, path, Set.of("column", "desc"), "an orderBy entry has column and desc");
        JsonNode c = node.get("column");
        if (c == null || !c.isTextual()) {
            throw new QueryException(
                    path + ".column",
                    "must be the name of an output column, was " + (c == null ? "missing" : Values.display(c)));
        }
        if (!output.contains(c.textValue())) {
            throw new QueryException(
                    path + ".column",
                    "unknown output column " + JsJson.string(c.textValue()) + "; the output columns are "
                            + names(new ArrayList<>(new LinkedHashSet<>(output))));
        }
        JsonNode d = node.get("desc");
        boolean desc = false;
        if (d != null && !d.isNull()) {
            if (!d.isBoolean()) {
                throw new QueryException(path + ".desc", "must be true or false, was " + Values.display(d));
            }
            desc = d.booleanValue();
        }
        return new QueryPlan.OrderKey(c.textValue(), desc);
    }
}
