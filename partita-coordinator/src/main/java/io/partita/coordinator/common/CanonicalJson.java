package io.partita.coordinator.common;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * The canonical JSON text of a value, so that equal values give equal cache keys however they were
 * written: object members sorted by name (by UTF-16 code units, as RFC 8785), no white space, numbers
 * by value ({@code 1}, {@code 1.0} and {@code 1e0} are the same number, written {@code 1}; others in
 * plain decimal without trailing zeros), strings with JSON's minimal escapes.
 */
public final class CanonicalJson {
    private CanonicalJson() {}

    /** The canonical JSON text of {@code node}. */
    public static String of(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    /** The hex SHA-256 of the parts, each followed by a NUL byte. */
    public static String sha256(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(JsonNode node, StringBuilder out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            List<String> names = new ArrayList<>(node.size());
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            names.sort(null);
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                string(names.get(i), out);
                out.append(':');
                write(node.get(names.get(i)), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(node.get(i), out);
            }
            out.append(']');
        } else if (node.isTextual()) {
            string(node.textValue(), out);
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else if (node.isIntegralNumber()) {
            out.append(node.bigIntegerValue());
        } else if (node.isNumber()) {
            number(node, out);
        } else {
            // binary or POJO nodes do not come from parsing JSON; use their JSON text
            out.append(node.toString());
        }
    }

    private static void number(JsonNode node, StringBuilder out) {
        double d = node.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            out.append("null");
            return;
        }
        BigDecimal value = node.isBigDecimal() ? node.decimalValue() : new BigDecimal(Double.toString(d));
        if (value.signum() == 0) {
            out.append('0');
            return;
        }
        value = value.stripTrailingZeros();
        out.append(value.scale() <= 0 ? value.toBigIntegerExact().toString() : value.toPlainString());
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        out.append(JsonStringEncoder.getInstance().quoteAsString(s));
        out.append('"');
    }
}
