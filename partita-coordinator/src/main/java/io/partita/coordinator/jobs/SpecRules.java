package io.partita.coordinator.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.common.PartitaException;
import io.partita.protocol.Durations;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * The rules that every job spec shares, whoever submits it: a job ({@code POST /api/jobs}, {@link
 * JobSpec}) or a data job ({@code POST /api/mapreduce}, {@code POST /api/queries}, {@link
 * DataJobs}). Each shared field has its check, its message (naming the field and the bad value) and
 * its default here, once, so the two paths cannot drift apart. Stateless; thread-safe.
 */
public final class SpecRules {
    /** Longest job name, in characters. */
    static final int MAX_NAME_LENGTH = 200;

    /** Longest function name, in characters. */
    static final int MAX_FUNCTION_LENGTH = 200;

    /** Attempts per task before the job fails, unless {@code options.maxAttempts} says otherwise. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    static final int MIN_MAX_ATTEMPTS = 1;
    static final int MAX_MAX_ATTEMPTS = 100;

    /** Per-attempt time limit, unless {@code options.taskTimeout} says otherwise. */
    public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ofSeconds(60);

    /** Shortest time limit a spec may ask for. */
    static final Duration MIN_TIME_LIMIT = Duration.ofMillis(1);

    /** Longest time limit a spec may ask for. */
    static final Duration MAX_TIME_LIMIT = Duration.ofDays(1);

    /** Priority unless {@code options.priority} says otherwise; higher runs first. */
    public static final int DEFAULT_PRIORITY = 0;

    static final int MIN_PRIORITY = -1000;
    static final int MAX_PRIORITY = 1000;

    /** The options every kind of job takes; each kind may add its own. */
    static final Set<String> RUN_OPTIONS = Set.of("maxAttempts", "taskTimeout", "priority");

    private static final String OPTIONS = "options.";

    private SpecRules() {}

    /** {@link #RUN_OPTIONS} and {@code extra}: the options one kind of job takes. */
    public static Set<String> runOptionsAnd(String... extra) {
        Set<String> all = new HashSet<>(RUN_OPTIONS);
        all.addAll(Set.of(extra));
        return Set.copyOf(all);
    }

    /** Refuses a spec that is not a JSON object (field {@code ""}). */
    public static void requireObject(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw PartitaException.invalid("", "the job spec must be a JSON object");
        }
    }

    /** Refuses a field not in {@code known}, naming it ({@code prefix} is its path so far). */
    public static void unknownFields(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                throw PartitaException.invalid(
                        prefix + field,
                        "unknown field " + prefix + field + "; known fields are "
                                + known.stream().sorted().toList());
            }
        }
    }

    /**
     * The job's name: any string of at most {@value #MAX_NAME_LENGTH} characters, or empty when the
     * node is absent or null (the caller then picks its default name).
     */
    public static Optional<String> name(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw PartitaException.invalid("name", "name must be a string, was " + node);
        }
        if (node.textValue().length() > MAX_NAME_LENGTH) {
            throw PartitaException.invalid("name", "name must be at most " + MAX_NAME_LENGTH + " characters");
        }
        return Optional.of(node.textValue());
    }

    /**
     * A function name given in {@code node} (present and not null): a non-blank string of at most
     * {@value #MAX_FUNCTION_LENGTH} characters. Whether a function of that name exists is the
     * caller's question.
     */
    public static String functionName(JsonNode node) {
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw PartitaException.invalid("function", "function must be a non-empty string, was " + node);
        }
        if (node.textValue().length() > MAX_FUNCTION_LENGTH) {
            throw PartitaException.invalid(
                    "function", "function must be at most " + MAX_FUNCTION_LENGTH + " characters");
        }
        return node.textValue();
    }

    /**
     * The spec's {@code options} object, checked against {@code known}; empty when absent or null.
     */
    public static Optional<JsonNode> options(JsonNode node, Set<String> known) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            throw PartitaException.invalid("options", "options must be a JSON object, was " + node);
        }
        unknownFields(node, known, OPTIONS);
        return Optional.of(node);
    }

    /** {@code options.maxAttempts}: between 1 and 100, default {@value #DEFAULT_MAX_ATTEMPTS}. */
    public static int maxAttempts(JsonNode options) {
        return intOption(options, "maxAttempts", DEFAULT_MAX_ATTEMPTS, MIN_MAX_ATTEMPTS, MAX_MAX_ATTEMPTS, OPTIONS);
    }

    /** {@code options.priority}: between -1000 and 1000, default {@value #DEFAULT_PRIORITY}. */
    public static int priority(JsonNode options) {
        return intOption(options, "priority", DEFAULT_PRIORITY, MIN_PRIORITY, MAX_PRIORITY, OPTIONS);
    }

    /** {@code options.taskTimeout}: see {@link #timeLimit}; default {@link #DEFAULT_TASK_TIMEOUT}. */
    public static Duration taskTimeout(JsonNode options) {
        return timeLimit(options.get("taskTimeout"), OPTIONS + "taskTimeout", DEFAULT_TASK_TIMEOUT);
    }

    /**
     * A time limit given as a duration between 1 ms and a day ({@code "30s"}, {@code "5m"}, {@code
     * "250ms"}, {@code "PT60S"}; see {@link Durations}), or {@code value} if the node is absent or
     * null; a bad one is refused naming {@code field}.
     */
    public static Duration timeLimit(JsonNode node, String field, Duration value) {
        if (node == null || node.isNull()) {
            return value;
        }
        if (!node.isTextual()) {
            throw PartitaException.invalid(
                    field, field + " must be a duration such as " + Durations.EXAMPLES + ", was " + node);
        }
        Duration limit;
        try {
            limit = Durations.parse(field, node.textValue());
        } catch (IllegalArgumentException e) {
            throw PartitaException.invalid(field, e.getMessage());
        }
        if (limit.compareTo(MIN_TIME_LIMIT) < 0 || limit.compareTo(MAX_TIME_LIMIT) > 0) {
            throw PartitaException.invalid(field, field + " must be between PT0.001S and P1D, was " + node.textValue());
        }
        return limit;
    }

    /**
     * The integer {@code options.get(key)} in [min, max], or {@code value} if absent or null; a bad
     * one is refused naming {@code prefix + key}.
     */
    static int intOption(JsonNode options, String key, int value, int min, int max, String prefix) {
        JsonNode node = options.get(key);
        if (node == null || node.isNull()) {
            return value;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
            throw PartitaException.invalid(
                    prefix + key,
                    prefix + key + " must be an integer between " + min + " and " + max + ", was " + node);
        }
        return node.intValue();
    }
}
