package io.partita.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;

/**
 * Applies {@code --param key=value} overrides to a job spec's {@code params} object.
 *
 * <p>The value is parsed as JSON when it is a complete JSON value ({@code 5}, {@code true}, {@code
 * [1,2]}, {@code {"a":1}}, {@code "quoted"}), otherwise it is taken as a string ({@code name=pi}).
 * A dotted key sets a nested field ({@code a.b=1} gives {@code {"a":{"b":1}}}), creating objects on
 * the way; an existing non-object on the path is an error rather than being replaced silently.
 */
public final class Params {
    private static final ObjectMapper STRICT =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Params() {}

    /**
     * Applies each {@code key=value} assignment, in order, to {@code spec.params}, creating it when
     * absent. Mutates {@code spec}.
     *
     * @throws CliException naming the assignment when it is malformed or conflicts with the spec
     */
    public static void apply(ObjectNode spec, List<String> assignments) {
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new CliException("--param must be key=value, was '" + assignment + "'");
            }
            String key = assignment.substring(0, eq);
            String[] path = key.split("\\.", -1);
            for (String segment : path) {
                if (segment.isEmpty()) {
                    throw new CliException("--param key has an empty segment: '" + key + "'");
                }
            }
            ObjectNode node = objectAt(spec, "params", "params", assignment);
            for (int i = 0; i < path.length - 1; i++) {
                node = objectAt(node, path[i], String.join(".", List.of(path).subList(0, i + 1)), assignment);
            }
            node.set(path[path.length - 1], parseValue(assignment.substring(eq + 1)));
        }
    }

    /** Parses a parameter value: JSON when it is one complete JSON value, else the text itself. */
    public static JsonNode parseValue(String text) {
        if (text.isBlank()) {
            return TextNode.valueOf(text);
        }
        try {
            JsonNode node = STRICT.readTree(text);
            return node == null || node.isMissingNode() ? TextNode.valueOf(text) : node;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text);
        }
    }

    private static ObjectNode objectAt(ObjectNode parent, String field, String path, String assignment) {
        JsonNode existing = parent.get(field);
        if (existing == null || existing.isNull()) {
            return parent.putObject(field);
        }
        if (existing instanceof ObjectNode object) {
            return object;
        }
        throw new CliException("--param "
                + assignment
                + ": '"
                + path
                + "' is a "
                + existing.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
                + " in the spec, not an object");
    }
}
