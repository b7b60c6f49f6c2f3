package io.partita.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Objects;

/**
 * The arguments of a grid call: a JSON array, immutable. Accessors throw {@link
 * IllegalArgumentException} naming the position when an argument is missing or has the wrong type.
 */
public final class Args {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ArrayNode values;

    private Args(ArrayNode values) {
        this.values = values;
    }

    /** Wraps a JSON array (copied). */
    public static Args of(JsonNode array) {
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("args must be a JSON array");
        }
        return new Args(((ArrayNode) array).deepCopy());
    }

    /** The number of arguments. */
    public int size() {
        return values.size();
    }

    /** Argument {@code i} as JSON (a copy). */
    public JsonNode get(int i) {
        return node(i).deepCopy();
    }

    /** Argument {@code i} as a long. */
    public long getLong(int i) {
        JsonNode v = node(i);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("args[" + i + "] must be an integer, was " + v);
        }
        return v.longValue();
    }

    /** Argument {@code i} as a double. */
    public double getDouble(int i) {
        JsonNode v = node(i);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("args[" + i + "] must be a number, was " + v);
        }
        return v.doubleValue();
    }

    /** Argument {@code i} as a string. */
    public String getString(int i) {
        JsonNode v = node(i);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("args[" + i + "] must be a string, was " + v);
        }
        return v.textValue();
    }

    /** Argument {@code i} mapped to {@code type} with Jackson. */
    public <T> T get(int i, Class<T> type) {
        JsonNode v = node(i);
        try {
            return MAPPER.treeToValue(v, type);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "args[" + i + "] does not fit " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** A copy of the whole array. */
    public ArrayNode json() {
        return values.deepCopy();
    }

    private JsonNode node(int i) {
        if (i < 0 || i >= values.size()) {
            throw new IllegalArgumentException(
                    "args[" + i + "] is missing: the call has " + values.size() + " arguments");
        }
        return values.get(i);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Args other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(values);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
