package io.partita.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Jackson and the hot-path shortcuts around it for MapReduce pairs (whose JSON is Jackson's on the
 * Java side; the query engine writes JavaScript's JSON through {@link JsJson} instead).
 *
 * <p>Key and value text is what {@code ObjectMapper.writeValueAsString} gives, except that a lone
 * surrogate, which UTF-8 cannot carry, is written as a <code>&#92;uDXXX</code> escape. Strings, integers,
 * finite doubles and booleans skip Jackson; everything else goes through it.
 *
 * <p>Grouping on the map side is by a <em>canonical key</em>: an object that is equal for two keys
 * exactly when their JSON texts are equal, so that the hot path can use the emitted {@code String}
 * itself: strings stay strings, integral numbers become {@code Long}, finite doubles stay {@code
 * Double}, booleans stay, and anything else becomes its text wrapped in {@link TextKey} unless that
 * text is also the text of one of the former (a {@code Character}, a {@code BigInteger} that fits a
 * long, a {@code Float} whose text is that of a double).
 */
final class Json {
    private Json() {}

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNumberLength(Integer.MAX_VALUE)
                            .maxStringLength(Integer.MAX_VALUE)
                            .maxNestingDepth(JsonSyntax.MAX_DEPTH)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** A key whose JSON text is not that of a string, integer, double or boolean. */
    record TextKey(String text) {}

    /** A value serialized when it was emitted, because it may be mutable. */
    record RawJson(String text) {}

    static Object canonicalKey(Object k) {
        if (k instanceof String) {
            return k;
        }
        if (k instanceof Long) {
            return k;
        }
        if (k instanceof Integer || k instanceof Short || k instanceof Byte) {
            return ((Number) k).longValue();
        }
        if (k instanceof Double d && Double.isFinite(d)) {
            return d;
        }
        if (k instanceof Boolean) {
            return k;
        }
        String text = jacksonText(k);
        Object parsed;
        try {
            parsed = MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            return new TextKey(text);
        }
        if (parsed instanceof String
                || parsed instanceof Integer
                || parsed instanceof Long
                || (parsed instanceof Double d && Double.isFinite(d))
                || parsed instanceof Boolean) {
            Object c = canonicalKey(parsed);
            if (keyText(c).equals(text)) {
                return c;
            }
        }
        return new TextKey(text);
    }

    /** The JSON text of a canonical key. */
    static String keyText(Object canonical) {
        if (canonical instanceof String s) {
            if (plain(s)) {
                return "\"" + s + "\"";
            }
            StringBuilder sb = new StringBuilder(s.length() + 8);
            appendJacksonString(sb, s);
            return sb.toString();
        }
        if (canonical instanceof TextKey t) {
            return t.text;
        }
        return canonical.toString(); // Long, Double, Boolean: as Jackson writes them
    }

    /** Jackson's JSON text of {@code v}, with lone surrogates escaped. */
    static String jacksonText(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            StringBuilder sb = new StringBuilder(s.length() + 2);
            appendJacksonString(sb, s);
            return sb.toString();
        }
        if (v instanceof RawJson r) {
            return r.text;
        }
        String text;
        try {
            text = MAPPER.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new DataException(
                    "cannot convert a " + v.getClass().getName() + " to JSON: " + e.getOriginalMessage(), e);
        }
        return escapeLoneSurrogates(text);
    }

    private static String escapeLoneSurrogates(String text) {
        StringBuilder sb = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (sb != null) {
                    sb.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n + 8).append(text, 0, i);
            }
            appendUnicodeEscape(sb, c);
        }
        return sb == null ? text : sb.toString();
    }

    private static void appendUnicodeEscape(StringBuilder sb, char c) {
        sb.append("\\u")
                .append(HEX[(c >> 12) & 0xF])
                .append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF])
                .append(HEX[c & 0xF]);
    }

    /** Appends a string as Jackson writes it: {@code \b \t \n \f \r} by name, other controls as <code>&#92;u00XX</code>. */
    static void appendJacksonString(StringBuilder sb, String s) {
        JsJson.writeString(sb, s, HEX);
    }

    /** Writes Jackson's JSON text of {@code v} as UTF-8; strings and numbers without Jackson. */
    static void writeJackson(ByteSink out, Object v) {
        if (v instanceof String s) {
            writeJacksonString(out, s);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            out.writeAscii(Long.toString(((Number) v).longValue()));
        } else if (v instanceof Double d && Double.isFinite(d)) {
            out.writeAscii(Double.toString(d));
        } else if (v instanceof Boolean b) {
            out.writeAscii(b ? "true" : "false");
        } else if (v == null) {
            out.writeAscii("null");
        } else if (v instanceof RawJson r) {
            out.writeUtf8(r.text);
        } else {
            out.writeUtf8(jacksonText(v));
        }
    }

    /** Whether Jackson writes {@code s} as itself between quotes: nothing to escape. */
    private static boolean plain(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static void writeJacksonString(ByteSink out, String s) {
        if (!plain(s)) {
            StringBuilder sb = new StringBuilder(s.length() + 8);
            appendJacksonString(sb, s);
            out.writeUtf8(sb);
            return;
        }
        out.write('"');
        out.writeUtf8(s);
        out.write('"');
    }

    /** Whether values of this class cannot change after they are emitted. */
    static boolean immutable(Object v) {
        return v == null
                || v instanceof String
                || v instanceof Integer
                || v instanceof Long
                || v instanceof Double
                || v instanceof Boolean
                || v instanceof Float
                || v instanceof Short
                || v instanceof Byte
                || v instanceof BigInteger
                || v instanceof BigDecimal
                || v instanceof RawJson;
    }

    /**
     * The index just past the JSON value that starts at {@code i}, for compact JSON (no whitespace
     * between tokens) such as run lines; {@code end} bounds the scan.
     *
     * @throws DataException if the value does not end before {@code end}
     */
    static int valueEnd(byte[] b, int i, int end) {
        if (i >= end) {
            throw new DataException("expected a JSON value");
        }
        byte c = b[i];
        if (c == '"') {
            return stringEnd(b, i, end);
        }
        if (c == '[' || c == '{') {
            int depth = 0;
            while (i < end) {
                c = b[i];
                if (c == '"') {
                    i = stringEnd(b, i, end);
                    continue;
                }
                if (c == '[' || c == '{') {
                    depth++;
                } else if (c == ']' || c == '}') {
                    if (--depth == 0) {
                        return i + 1;
                    }
                }
                i++;
            }
            throw new DataException("unterminated JSON array or object");
        }
        while (i < end && b[i] != ',' && b[i] != ']' && b[i] != '}') {
            i++;
        }
        return i;
    }

    private static int stringEnd(byte[] b, int i, int end) {
        i++;
        while (i < end) {
            byte c = b[i];
            if (c == '\\') {
                i += 2;
            } else if (c == '"') {
                return i + 1;
            } else {
                i++;
            }
        }
        throw new DataException("unterminated JSON string");
    }

    /**
     * Parses one JSON value from UTF-8 bytes as Jackson's {@code readValue(..., Object.class)} does
     * (maps, lists, {@code Integer}, {@code Long}, {@code BigInteger}, {@code Double}, strings,
     * booleans, null), with shortcuts for plain strings and small integers.
     */
    static Object parse(byte[] b, int s, int e) {
        int n = e - s;
        if (n >= 2 && b[s] == '"' && b[e - 1] == '"') {
            boolean plain = true;
            for (int i = s + 1; i < e - 1; i++) {
                if (b[i] == '\\') {
                    plain = false;
                    break;
                }
            }
            if (plain) {
                return new String(b, s + 1, n - 2, StandardCharsets.UTF_8);
            }
        } else if (n > 0 && n <= 18) {
            int i = s;
            boolean negative = b[i] == '-';
            if (negative) {
                i++;
            }
            if (i < e && (b[i] != '0' || i + 1 == e)) {
                long v = 0;
                boolean ok = true;
                for (int j = i; j < e; j++) {
                    int d = b[j] - '0';
                    if (d < 0 || d > 9) {
                        ok = false;
                        break;
                    }
                    v = v * 10 + d;
                }
                if (ok) {
                    v = negative ? -v : v;
                    return v == (int) v ? (Object) (int) v : (Object) v;
                }
            }
            if (n == 4 && b[s] == 't' && b[s + 1] == 'r' && b[s + 2] == 'u' && b[s + 3] == 'e') {
                return Boolean.TRUE;
            }
            if (n == 5 && b[s] == 'f' && b[s + 1] == 'a' && b[s + 2] == 'l' && b[s + 3] == 's' && b[s + 4] == 'e') {
                return Boolean.FALSE;
            }
            if (n == 4 && b[s] == 'n' && b[s + 1] == 'u' && b[s + 2] == 'l' && b[s + 3] == 'l') {
                return null;
            }
        }
        try {
            return MAPPER.readValue(b, s, n, Object.class);
        } catch (IOException ex) {
            throw new DataException(
                    "not valid JSON: " + new String(b, s, Math.min(n, 100), StandardCharsets.UTF_8), ex);
        }
    }

    /**
     * Compares two UTF-8 byte ranges in the order of their UTF-16 code units (Java's {@link
     * String#compareTo}), without decoding: byte order is code point order, which differs from
     * UTF-16 order only between U+E000..U+FFFF (lead bytes EE, EF) and supplementary characters
     * (lead bytes F0..F4), whose surrogates sort lower.
     */
    static int compareUtf16(byte[] a, int as, int ae, byte[] b, int bs, int be) {
        int n = Math.min(ae - as, be - bs);
        int i = java.util.Arrays.mismatch(a, as, as + n, b, bs, bs + n);
        if (i < 0) {
            return Integer.compare(ae - as, be - bs);
        }
        int x = a[as + i] & 0xFF;
        int y = b[bs + i] & 0xFF;
        if (x >= 0xEE && y >= 0xEE) {
            boolean xs = x >= 0xF0;
            boolean ys = y >= 0xF0;
            if (xs != ys) {
                return xs ? -1 : 1;
            }
        }
        return Integer.compare(x, y);
    }
}
