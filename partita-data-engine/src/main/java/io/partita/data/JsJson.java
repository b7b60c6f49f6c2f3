package io.partita.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON text exactly as JavaScript's {@code JSON.stringify} does, so that the query engine's
 * output is byte-identical in Java and in browsers.
 *
 * <p>Numbers follow {@code Number.prototype.toString}: the shortest decimal that reads back as the
 * same double (the closest one when several are as short), integral values without {@code .0},
 * plain notation from 1e-6 up to but excluding 1e21 and exponent notation ({@code 1e+21}, {@code
 * 1.5e-7}) outside it; {@code -0} is {@code 0}. {@code JSON.stringify} writes non-finite numbers as
 * {@code null}. Java's {@link Double#toString(double)} already gives the shortest digits except that
 * it may prefer a closer two-digit decimal where a one-digit one exists ({@code 4.9E-324} for
 * {@code 5e-324}), which is corrected here.
 *
 * <p>Strings escape {@code "}, {@code \} and the control characters below U+0020 ({@code \b \t \n
 * \f \r} by name, others as lower-case <code>&#92;u00XX</code>) and lone surrogates (<code>&#92;udXXX</code>); nothing
 * else. Objects ({@link JsonNode} objects and {@link Map}s) list their array-index keys ({@code "0"}
 * to {@code "4294967294"} in canonical form) first in ascending numeric order, then the other keys
 * in insertion order, as JavaScript objects do.
 *
 * <p>Thread-safe: stateless.
 */
public final class JsJson {
    private JsJson() {}

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final double TWO_53 = 9007199254740992.0;

    /** The JSON text of {@code value}: null, String, Number, Boolean, JsonNode, Map or List. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    /**
     * Appends the JSON text of {@code value}: {@code null}, a {@link String}, a {@link Number} (as a
     * JavaScript number, that is, as a double), a {@link Boolean}, a {@link JsonNode}, a {@link Map}
     * (keys by {@link String#valueOf}) or a {@link List}.
     *
     * @throws IllegalArgumentException for any other type
     */
    public static void write(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String s) {
            writeString(sb, s);
        } else if (value instanceof Double d) {
            writeNumber(sb, d);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            sb.append(((Number) value).intValue());
        } else if (value instanceof Long l) {
            if (Math.abs((double) l) <= TWO_53) {
                sb.append(l.longValue());
            } else {
                writeNumber(sb, l.doubleValue());
            }
        } else if (value instanceof Number n) {
            writeNumber(sb, n.doubleValue());
        } else if (value instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (value instanceof JsonNode node) {
            writeNode(sb, node);
        } else if (value instanceof Map<?, ?> map) {
            List<String> keys = new ArrayList<>(map.size());
            List<Object> values = new ArrayList<>(map.size());
            map.forEach((k, v) -> {
                keys.add(String.valueOf(k));
                values.add(v);
            });
            writeObject(sb, keys, values);
        } else if (value instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, list.get(i));
            }
            sb.append(']');
        } else {
            throw new IllegalArgumentException(
                    "cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    private static void writeNode(StringBuilder sb, JsonNode node) {
        switch (node.getNodeType()) {
            case STRING -> writeString(sb, node.textValue());
            case NUMBER -> {
                if (node.isInt()) {
                    sb.append(node.intValue());
                } else {
                    writeNumber(sb, node.doubleValue());
                }
            }
            case BOOLEAN -> sb.append(node.booleanValue());
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    writeNode(sb, node.get(i));
                }
                sb.append(']');
            }
            case OBJECT -> {
                List<String> keys = new ArrayList<>(node.size());
                List<Object> values = new ArrayList<>(node.size());
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    keys.add(e.getKey());
                    values.add(e.getValue());
                }
                writeObject(sb, keys, values);
            }
            default -> sb.append("null"); // NULL, MISSING; BINARY and POJO do not come from parsing
        }
    }

    private static void writeObject(StringBuilder sb, List<String> keys, List<Object> values) {
        int n = keys.size();
        int indexKeys = 0;
        for (String k : keys) {
            if (arrayIndex(k) >= 0) {
                indexKeys++;
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (indexKeys > 0) {
            java.util.Arrays.sort(order, (a, b) -> {
                long ia = arrayIndex(keys.get(a));
                long ib = arrayIndex(keys.get(b));
                if (ia >= 0 && ib >= 0) {
                    return Long.compare(ia, ib);
                }
                if (ia >= 0) {
                    return -1;
                }
                if (ib >= 0) {
                    return 1;
                }
                return Integer.compare(a, b);
            });
        }
        sb.append('{');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            writeString(sb, keys.get(order[i]));
            sb.append(':');
            write(sb, values.get(order[i]));
        }
        sb.append('}');
    }

    /** The array index a property key denotes in JavaScript, or -1 if it is not one. */
    static long arrayIndex(String key) {
        int n = key.length();
        if (n == 0 || n > 10 || (n > 1 && key.charAt(0) == '0')) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 4294967294L ? v : -1;
    }

    /** The JSON text of a string, as {@code JSON.stringify} writes it. */
    public static String string(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        writeString(sb, s);
        return sb.toString();
    }

    /** Appends the JSON text of a string, as {@code JSON.stringify} writes it. */
    public static void writeString(StringBuilder sb, String s) {
        writeString(sb, s, HEX);
    }

    /**
     * Appends the JSON text of a string: quote, backslash and {@code \b \t \n \f \r} by name, other
     * controls and lone surrogates as a unicode escape with {@code hex} digits (JavaScript writes
     * lower case, Jackson upper case).
     */
    static void writeString(StringBuilder sb, String s, char[] hex) {
        sb.append('"');
        int n = s.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            sb.append(s, start, i);
            start = i + 1;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default ->
                    sb.append("\\u")
                            .append(hex[(c >> 12) & 0xF])
                            .append(hex[(c >> 8) & 0xF])
                            .append(hex[(c >> 4) & 0xF])
                            .append(hex[c & 0xF]);
            }
        }
        sb.append(s, start, n);
        sb.append('"');
    }

    /** Appends a number as {@code JSON.stringify} writes it: {@code null} when not finite. */
    public static void writeNumber(StringBuilder sb, double d) {
        if (Double.isFinite(d)) {
            sb.append(number(d));
        } else {
            sb.append("null");
        }
    }

    /**
     * A double as JavaScript's {@code String(d)} writes it: {@code "NaN"}, {@code "Infinity"},
     * {@code "-Infinity"}, {@code "0"} for both zeros, otherwise the shortest round-tripping digits in
     * plain or exponent notation (see the class comment).
     */
    public static String number(double d) {
        if (d != d) {
            return "NaN";
        }
        if (d == Double.POSITIVE_INFINITY) {
            return "Infinity";
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return "-Infinity";
        }
        if (d == 0) {
            return "0";
        }
        if (Math.abs(d) < TWO_53 && d == Math.rint(d)) {
            return Long.toString((long) d);
        }
        boolean negative = d < 0;
        double x = Math.abs(d);
        // Digits and decimal exponent from Java's shortest representation.
        String j = Double.toString(x);
        int e = j.indexOf('E');
        String mantissa = e < 0 ? j : j.substring(0, e);
        int exp10 = e < 0 ? 0 : Integer.parseInt(j.substring(e + 1));
        int dot = mantissa.indexOf('.');
        StringBuilder digits = new StringBuilder(mantissa.length());
        digits.append(mantissa, 0, dot).append(mantissa, dot + 1, mantissa.length());
        int point = dot + exp10; // value = 0.digits * 10^point before trimming leading zeros
        int lead = 0;
        while (lead < digits.length() - 1 && digits.charAt(lead) == '0') {
            lead++;
        }
        digits.delete(0, lead);
        point -= lead;
        int end = digits.length();
        while (end > 1 && digits.charAt(end - 1) == '0') {
            end--;
        }
        digits.setLength(end);
        String s = digits.toString();
        int n = point;
        if (s.length() == 2) {
            String one = oneDigit(x, s, n);
            if (one != null) {
                s = one.substring(0, 1);
                n = one.length() == 2 ? n + 1 : n;
            }
        }
        return (negative ? "-" : "") + format(s, n);
    }

    /**
     * When a one-digit decimal also reads back as {@code x}, the closest such digit (a second char
     * {@code '+'} meaning the exponent went up by one, as when 9.5 becomes 1e1), else null.
     */
    private static String oneDigit(double x, String s, int n) {
        int d = s.charAt(0) - '0';
        String best = null;
        BigDecimal exact = new BigDecimal(x);
        BigDecimal bestDistance = null;
        for (int candidate = d; candidate <= d + 1; candidate++) {
            int digit = candidate == 10 ? 1 : candidate;
            int exponent = candidate == 10 ? n : n - 1;
            BigDecimal value = BigDecimal.valueOf(digit).scaleByPowerOfTen(exponent);
            if (value.doubleValue() != x) {
                continue;
            }
            BigDecimal distance = value.subtract(exact).abs();
            if (bestDistance == null || distance.compareTo(bestDistance) < 0) {
                bestDistance = distance;
                best = candidate == 10 ? "1+" : String.valueOf(digit);
            }
        }
        return best;
    }

    /** Number::toString step 6 onwards: digits {@code s}, value {@code 0.s * 10^n}. */
    private static String format(String s, int n) {
        int k = s.length();
        StringBuilder sb = new StringBuilder(k + 8);
        if (k <= n && n <= 21) {
            sb.append(s);
            for (int i = 0; i < n - k; i++) {
                sb.append('0');
            }
        } else if (0 < n && n <= 21) {
            sb.append(s, 0, n).append('.').append(s, n, k);
        } else if (-6 < n && n <= 0) {
            sb.append("0.");
            for (int i = 0; i < -n; i++) {
                sb.append('0');
            }
            sb.append(s);
        } else {
            int e = n - 1;
            sb.append(s.charAt(0));
            if (k > 1) {
                sb.append('.').append(s, 1, k);
            }
            sb.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
        }
        return sb.toString();
    }
}
