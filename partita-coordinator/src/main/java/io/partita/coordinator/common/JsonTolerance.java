package io.partita.coordinator.common;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether two JSON values agree within a relative tolerance: the same structure (object fields,
 * array lengths, strings, booleans, nulls all equal) and numbers that differ by at most {@code
 * tolerance} times the larger magnitude (or by {@code tolerance} near zero). How answers of
 * different JavaScript engines and JVMs are compared when floating point may differ in the last
 * digits (docs/verification.md).
 */
public final class JsonTolerance {
    private JsonTolerance() {}

    /** Whether {@code a} and {@code b} agree within {@code tolerance} (0 means exactly). */
    public static boolean agree(JsonNode a, JsonNode b, double tolerance) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isNumber() && b.isNumber()) {
            double x = a.doubleValue();
            double y = b.doubleValue();
            if (x == y) {
                return a.isIntegralNumber() && b.isIntegralNumber()
                        ? a.bigIntegerValue().equals(b.bigIntegerValue())
                        : true;
            }
            if (Double.isNaN(x) || Double.isNaN(y) || Double.isInfinite(x) || Double.isInfinite(y)) {
                return false;
            }
            return Math.abs(x - y) <= tolerance * Math.max(1.0, Math.max(Math.abs(x), Math.abs(y)));
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!agree(a.get(i), b.get(i), tolerance)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!agree(e.getValue(), b.get(e.getKey()), tolerance)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }
}
