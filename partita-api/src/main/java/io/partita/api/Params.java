package io.partita.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * The parameters of a job: the {@code params} object of its spec, immutable. Accessors take a
 * default used when the key is absent and throw {@link IllegalArgumentException} naming the key
 * when its value has the wrong type.
 */
public final class Params {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Params EMPTY = new Params(JsonNodeFactory.instance.objectNode());

    private final ObjectNode node;

    private Params(ObjectNode node) {
        this.node = node;
    }

    /** Wraps a JSON object; a missing or null node gives empty params. */
    public static Params of(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return EMPTY;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("params must be a JSON object, was " + node.getNodeType());
        }
        return new Params(((ObjectNode) node).deepCopy());
    }

    /** Empty params. */
    public static Params empty() {
        return EMPTY;
    }

    /** A copy of the underlying JSON object. */
    public ObjectNode json() {
        return node.deepCopy();
    }

    /** Whether {@code key} is present and not null. */
    public boolean has(String key) {
        JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    /** The integer value of {@code key}, or {@code defaultValue} if absent. */
    public long getLong(String key, long defaultValue) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("params." + key + " must be an integer, was " + value.toString());
        }
        return value.longValue();
    }

    /** The numeric value of {@code key}, or {@code defaultValue} if absent. */
    public double getDouble(String key, double defaultValue) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException("params." + key + " must be a number, was " + value.toString());
        }
        return value.doubleValue();
    }

    /** The string value of {@code key}, or {@code defaultValue} if absent. */
    public String getString(String key, String defaultValue) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("params." + key + " must be a string, was " + value.toString());
        }
        return value.textValue();
    }

    /** The whole params object mapped to {@code type} with Jackson. */
    public <T> T as(Class<T> type) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (Exception e) {
            throw new IllegalArgumentException("params do not fit " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Params other && node.equals(other.node);
    }

    @Override
    public int hashCode() {
        return Objects.hash(node);
    }

    @Override
    public String toString() {
        return node.toString();
    }
}
