package io.partita.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.store.TreeShape;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * A validated job spec. {@link #parse} checks every field once, at the edge, and names the field
 * and the bad value in its error; {@link #toJson()} is what the store keeps.
 *
 * @param name the user's name for the job (default: the function name)
 * @param function the function name
 * @param params the params object
 * @param partitions the partition count, or -1 when a prepare task decides it
 * @param maxAttempts attempts per task before the job fails
 * @param taskTimeout per-attempt time limit
 * @param priority higher runs first
 * @param fanIn most outputs one combine task merges
 */
record JobSpec(
        String name,
        String function,
        ObjectNode params,
        long partitions,
        int maxAttempts,
        Duration taskTimeout,
        int priority,
        int fanIn) {

    static final int DEFAULT_MAX_ATTEMPTS = 3;
    static final Duration DEFAULT_TASK_TIMEOUT = Duration.ofSeconds(60);
    static final int DEFAULT_FAN_IN = 64;
    private static final Set<String> FIELDS = Set.of("name", "function", "params", "partitions", "options");
    private static final Set<String> OPTIONS = Set.of("maxAttempts", "taskTimeout", "priority", "fanIn");

    /**
     * Validates a spec.
     *
     * @throws ApiException (422) naming the first bad field
     */
    static JobSpec parse(JsonNode root, long maxPartitions) {
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("", "the job spec must be a JSON object");
        }
        unknownFields(root, FIELDS, "");
        JsonNode functionNode = root.get("function");
        if (functionNode == null || functionNode.isNull()) {
            throw ApiException.invalid("function", "function is required");
        }
        if (!functionNode.isTextual() || functionNode.textValue().isBlank()) {
            throw ApiException.invalid("function", "function must be a non-empty string, was " + functionNode);
        }
        String function = functionNode.textValue();
        if (function.length() > 200) {
            throw ApiException.invalid("function", "function must be at most 200 characters");
        }
        String name = function;
        JsonNode nameNode = root.get("name");
        if (nameNode != null && !nameNode.isNull()) {
            if (!nameNode.isTextual()) {
                throw ApiException.invalid("name", "name must be a string, was " + nameNode);
            }
            if (nameNode.textValue().length() > 200) {
                throw ApiException.invalid("name", "name must be at most 200 characters");
            }
            name = nameNode.textValue();
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        JsonNode paramsNode = root.get("params");
        if (paramsNode != null && !paramsNode.isNull()) {
            if (!paramsNode.isObject()) {
                throw ApiException.invalid(
                        "params",
                        "params must be a JSON object, was "
                                + paramsNode.getNodeType().name().toLowerCase());
            }
            params = (ObjectNode) paramsNode;
        }
        long partitions = -1;
        JsonNode partitionsNode = root.get("partitions");
        if (partitionsNode != null && !partitionsNode.isNull()) {
            if (!partitionsNode.isIntegralNumber() || !partitionsNode.canConvertToLong()) {
                throw ApiException.invalid("partitions", "partitions must be an integer, was " + partitionsNode);
            }
            partitions = partitionsNode.longValue();
            if (partitions < 1 || partitions > maxPartitions) {
                throw ApiException.invalid(
                        "partitions", "partitions must be between 1 and " + maxPartitions + ", was " + partitions);
            }
        }
        int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        Duration taskTimeout = DEFAULT_TASK_TIMEOUT;
        int priority = 0;
        int fanIn = DEFAULT_FAN_IN;
        JsonNode options = root.get("options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiException.invalid("options", "options must be a JSON object, was " + options);
            }
            unknownFields(options, OPTIONS, "options.");
            maxAttempts = intOption(options, "maxAttempts", maxAttempts, 1, 100);
            priority = intOption(options, "priority", priority, -1000, 1000);
            fanIn = intOption(options, "fanIn", fanIn, TreeShape.MIN_FAN_IN, TreeShape.MAX_FAN_IN);
            JsonNode timeout = options.get("taskTimeout");
            if (timeout != null && !timeout.isNull()) {
                if (!timeout.isTextual()) {
                    throw ApiException.invalid(
                            "options.taskTimeout",
                            "options.taskTimeout must be an ISO-8601 duration such as \"PT60S\", was " + timeout);
                }
                try {
                    taskTimeout = Duration.parse(timeout.textValue());
                } catch (DateTimeParseException e) {
                    throw ApiException.invalid(
                            "options.taskTimeout",
                            "options.taskTimeout must be an ISO-8601 duration such as \"PT60S\", was " + timeout);
                }
                if (taskTimeout.toMillis() < 1 || taskTimeout.compareTo(Duration.ofDays(1)) > 0) {
                    throw ApiException.invalid(
                            "options.taskTimeout",
                            "options.taskTimeout must be between PT0.001S and P1D, was " + timeout.textValue());
                }
            }
        }
        return new JobSpec(name, function, params, partitions, maxAttempts, taskTimeout, priority, fanIn);
    }

    private static void unknownFields(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                throw ApiException.invalid(
                        prefix + field,
                        "unknown field " + prefix + field + "; known fields are "
                                + known.stream().sorted().toList());
            }
        }
    }

    private static int intOption(JsonNode options, String key, int value, int min, int max) {
        JsonNode node = options.get(key);
        if (node == null || node.isNull()) {
            return value;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
            throw ApiException.invalid(
                    "options." + key,
                    "options." + key + " must be an integer between " + min + " and " + max + ", was " + node);
        }
        return node.intValue();
    }

    /** The spec as stored, with every default filled in. */
    ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("name", name);
        root.put("function", function);
        root.set("params", params);
        if (partitions > 0) {
            root.put("partitions", partitions);
        }
        ObjectNode options = root.putObject("options");
        options.put("maxAttempts", maxAttempts);
        options.put("taskTimeout", taskTimeout.toString());
        options.put("priority", priority);
        options.put("fanIn", fanIn);
        return root;
    }

    /** Reads a spec the store kept; it was valid when written. */
    static JobSpec fromStored(ObjectMapper mapper, String json) {
        try {
            return parse(mapper.readTree(json), Long.MAX_VALUE);
        } catch (Exception e) {
            throw new IllegalStateException("stored spec is not valid: " + json, e);
        }
    }

    Optional<Long> partitionCount() {
        return partitions > 0 ? Optional.of(partitions) : Optional.empty();
    }
}
