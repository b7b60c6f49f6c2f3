package io.partita.data;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The value semantics of queries, shared by filters, aggregates and sorting, and mirrored
 * line by line in the JavaScript engine. A column's value is {@code null} (a missing key, JSON
 * null, an empty CSV field), a {@code String}, a number (a {@code Double}, or a {@code Long} count),
 * a {@code Boolean}, or a JSON object or array (a Jackson node).
 *
 * <ul>
 *   <li>As a number: a number is itself; a string is a number when it matches {@code
 *       ^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$} (ASCII digits; no spaces, hex, {@code Infinity} or
 *       {@code NaN}) and then has the value of the nearest double; nothing else is a number.
 *   <li>As a string: a string is itself, a number its JavaScript text ({@code String(n)}), a boolean
 *       {@code "true"} or {@code "false"}; null, objects and arrays have no string form.
 *   <li>As a boolean: a boolean is itself, the strings {@code "true"} and {@code "false"} too.
 * </ul>
 *
 * <p>Sort order (ascending): numbers (including numeric strings) by value, {@code -0} equal to
 * {@code 0}; then other strings by UTF-16 code units; then {@code false}, {@code true}; then
 * objects and arrays by their JSON text; then null (and NaN, which only an overflowing sum can
 * produce and which is written as null). Descending reverses all of it, so nulls come first.
 */
final class Values {
    private Values() {}

    static final int NUMBER = 0;
    static final int STRING = 1;
    static final int BOOLEAN = 2;
    static final int OTHER = 3;
    static final int NULL = 4;

    /** Whether {@code s} matches the strict numeric grammar. */
    static boolean numeric(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int intDigits = 0;
        while (i < n && digit(s.charAt(i))) {
            i++;
            intDigits++;
        }
        int fracDigits = 0;
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && digit(s.charAt(i))) {
                i++;
                fracDigits++;
            }
        }
        if (intDigits == 0 && fracDigits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < n && digit(s.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                return false;
            }
        }
        return i == n;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The value as a number, NaN when it is not one. */
    static double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s && numeric(s)) {
            return Double.parseDouble(s);
        }
        return Double.NaN;
    }

    /** The value's string form, or null. */
    static String string(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Number n) {
            return n instanceof Long l ? Long.toString(l) : JsJson.number(n.doubleValue());
        }
        if (v instanceof Boolean b) {
            return b ? "true" : "false";
        }
        return null;
    }

    /** The value as a boolean, or null. */
    static Boolean bool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if ("true".equals(v)) {
            return Boolean.TRUE;
        }
        if ("false".equals(v)) {
            return Boolean.FALSE;
        }
        return null;
    }

    /** A JSON-lines value in the query value model. */
    static Object fromNode(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n;
    }

    /** What a value sorts by: its class and, per class, its number or string. */
    record SortKey(int kind, double number, String text) {
        static SortKey of(Object v) {
            if (v == null) {
                return new SortKey(NULL, 0, null);
            }
            if (v instanceof Number n) {
                double d = n.doubleValue();
                return Double.isNaN(d) ? new SortKey(NULL, 0, null) : new SortKey(NUMBER, d, null);
            }
            if (v instanceof String s) {
                return numeric(s) ? new SortKey(NUMBER, Double.parseDouble(s), null) : new SortKey(STRING, 0, s);
            }
            if (v instanceof Boolean b) {
                return new SortKey(BOOLEAN, b ? 1 : 0, null);
            }
            return new SortKey(OTHER, 0, JsJson.write(v));
        }

        int compareTo(SortKey o) {
            if (kind != o.kind) {
                return kind < o.kind ? -1 : 1;
            }
            return switch (kind) {
                case NUMBER, BOOLEAN -> number < o.number ? -1 : number > o.number ? 1 : 0;
                case STRING, OTHER -> Integer.signum(text.compareTo(o.text));
                default -> 0;
            };
        }
    }

    /** The JSON text of a value for an error message, cut at 50 UTF-16 code units. */
    static String display(Object v) {
        String s = JsJson.write(v);
        return s.length() > 50 ? s.substring(0, 50) + "..." : s;
    }
}
