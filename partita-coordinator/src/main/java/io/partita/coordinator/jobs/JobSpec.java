package io.partita.coordinator.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.common.PartitaException;
import io.partita.store.TreeShape;
import java.time.Duration;
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
 * @param requirements what a worker must have to get this job's tasks
 * @param reuse whether the job may start from the stored outputs of an earlier job with the same
 *     function (and code version), params and partitioning; default true
 * @param dataJob the data job (MapReduce or query) this is a phase of; such jobs are made by the
 *     coordinator, never accepted from a client (see {@code docs/data.md})
 * @param verification how its answers are verified (docs/verification.md); default adaptive
 * @param speculation whether a straggling task gets a copy on an idle worker once nothing else of
 *     the job is pending (docs/scheduling.md); default true
 */
public record JobSpec(
        String name,
        String function,
        ObjectNode params,
        long partitions,
        int maxAttempts,
        Duration taskTimeout,
        int priority,
        int fanIn,
        Optional<CodeSpec> code,
        Optional<String> rerunOf,
        Requirements requirements,
        boolean reuse,
        Optional<String> dataJob,
        Verification verification,
        boolean speculation) {

    /** The function name of query jobs' phases: built into every worker that announces {@code data}. */
    public static final String QUERY_FUNCTION = "partita/query";

    /** The feature a worker announces when it runs data tasks (map, reduce, merge). */
    static final String DATA_FEATURE = "data";

    /**
     * What a worker needs to run a job's tasks, beyond its runtime: at least {@code memory} bytes and
     * {@code cores} cores as it reported them, and every one of {@code features} (e.g. {@code
     * webgpu}, {@code wasm}).
     */
    public record Requirements(long memory, int cores, java.util.Set<String> features) {
        static final Requirements NONE = new Requirements(0, 0, java.util.Set.of());

        /** Whether a worker that said {@code hello} has the memory, cores and features asked for. */
        public boolean metBy(io.partita.protocol.Message.Hello hello) {
            return hello.memory() >= memory
                    && hello.cores() >= cores
                    && (features.isEmpty() || hello.featureList().containsAll(features));
        }
    }

    /** Largest partition count of a JavaScript job without {@code combine}, whose outputs one collect task gets. */
    public static final int MAX_COLLECT_PARTITIONS = 4096;

    /** Largest fan-in a spec may ask for. */
    public static final int MAX_FAN_IN = 4096;

    /**
     * The code of a JavaScript job: at submit, exactly one of an inline source, the hash of uploaded
     * code, or a URL; once resolved (and stored), its hash and the names it exports.
     *
     * @param language {@code js}
     * @param source inline source, before resolution
     * @param hash SHA-256 of the source
     * @param url where to fetch the source, before resolution
     * @param exports the names the module exports, once resolved
     */
    public record CodeSpec(
            String language,
            Optional<String> source,
            Optional<String> hash,
            Optional<String> url,
            java.util.Set<String> exports) {}

    static final int DEFAULT_FAN_IN = 64;
    private static final Set<String> FIELDS =
            Set.of("name", "function", "code", "params", "partitions", "options", "rerunOf", "requirements");
    private static final Set<String> REQUIREMENT_FIELDS = Set.of("memory", "cores", "features");
    private static final Set<String> CODE_FIELDS = Set.of("language", "source", "hash", "url", "exports");
    private static final Set<String> OPTIONS = SpecRules.runOptionsAnd(
            "fanIn", "reuse", "verification", "quorum", "maxReplicas", "trustAfter", "tolerance", "speculation");

    /**
     * Validates a spec.
     *
     * @throws PartitaException (422) naming the first bad field
     */
    public static JobSpec parse(JsonNode root, long maxPartitions) {
        return parse(root, maxPartitions, false);
    }

    private static JobSpec parse(JsonNode root, long maxPartitions, boolean stored) {
        SpecRules.requireObject(root);
        Optional<String> dataJob = Optional.empty();
        if (stored && root.hasNonNull("dataJob")) {
            dataJob = Optional.of(root.get("dataJob").textValue());
            ObjectNode copy = ((ObjectNode) root).deepCopy();
            copy.remove("dataJob");
            root = copy;
        }
        SpecRules.unknownFields(root, FIELDS, "");
        JsonNode functionNode = root.get("function");
        JsonNode codeNode = root.get("code");
        Optional<CodeSpec> code = Optional.empty();
        String function;
        if (codeNode != null && !codeNode.isNull()) {
            if (functionNode != null && !functionNode.isNull()) {
                throw PartitaException.invalid(
                        "function", "give either function (Java) or code (JavaScript), not both");
            }
            code = Optional.of(parseCode(codeNode));
            function = code.get().hash().map(h -> "js:" + h.substring(0, 12)).orElse("js");
        } else {
            if (functionNode == null || functionNode.isNull()) {
                throw PartitaException.invalid("function", "function is required (or code, for a JavaScript job)");
            }
            function = SpecRules.functionName(functionNode);
        }
        String name = SpecRules.name(root.get("name")).orElse(function);
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        JsonNode paramsNode = root.get("params");
        if (paramsNode != null && !paramsNode.isNull()) {
            if (!paramsNode.isObject()) {
                throw PartitaException.invalid(
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
                throw PartitaException.invalid("partitions", "partitions must be an integer, was " + partitionsNode);
            }
            partitions = partitionsNode.longValue();
            if (partitions < 1 || partitions > maxPartitions) {
                throw PartitaException.invalid(
                        "partitions", "partitions must be between 1 and " + maxPartitions + ", was " + partitions);
            }
        }
        int maxAttempts = SpecRules.DEFAULT_MAX_ATTEMPTS;
        Duration taskTimeout = SpecRules.DEFAULT_TASK_TIMEOUT;
        int priority = SpecRules.DEFAULT_PRIORITY;
        int fanIn = DEFAULT_FAN_IN;
        boolean reuse = true;
        Verification verification = Verification.DEFAULT;
        boolean speculation = true;
        Optional<JsonNode> given = SpecRules.options(root.get("options"), OPTIONS);
        if (given.isPresent()) {
            JsonNode options = given.get();
            maxAttempts = SpecRules.maxAttempts(options);
            priority = SpecRules.priority(options);
            fanIn = SpecRules.intOption(options, "fanIn", fanIn, TreeShape.MIN_FAN_IN, MAX_FAN_IN, "options.");
            JsonNode reuseNode = options.get("reuse");
            if (reuseNode != null && !reuseNode.isNull()) {
                if (!reuseNode.isBoolean()) {
                    throw PartitaException.invalid(
                            "options.reuse", "options.reuse must be true or false, was " + reuseNode);
                }
                reuse = reuseNode.booleanValue();
            }
            taskTimeout = SpecRules.taskTimeout(options);
            verification = Verification.parse(options);
            JsonNode speculationNode = options.get("speculation");
            if (speculationNode != null && !speculationNode.isNull()) {
                if (!speculationNode.isBoolean()) {
                    throw PartitaException.invalid(
                            "options.speculation", "options.speculation must be true or false, was " + speculationNode);
                }
                speculation = speculationNode.booleanValue();
            }
        }
        Optional<String> rerunOf = Optional.empty();
        JsonNode rerunNode = root.get("rerunOf");
        if (rerunNode != null && !rerunNode.isNull()) {
            if (!rerunNode.isTextual() || rerunNode.textValue().length() > 100) {
                throw PartitaException.invalid("rerunOf", "rerunOf must be a job id, was " + rerunNode);
            }
            rerunOf = Optional.of(rerunNode.textValue());
        }
        Requirements requirements = parseRequirements(root.get("requirements"));
        return new JobSpec(
                name,
                function,
                params,
                partitions,
                maxAttempts,
                taskTimeout,
                priority,
                fanIn,
                code,
                rerunOf,
                requirements,
                reuse,
                dataJob,
                verification,
                speculation);
    }

    private static Requirements parseRequirements(JsonNode node) {
        if (node == null || node.isNull()) {
            return Requirements.NONE;
        }
        if (!node.isObject()) {
            throw PartitaException.invalid(
                    "requirements", "requirements must be an object such as {\"memory\": 1073741824}, was " + node);
        }
        SpecRules.unknownFields(node, REQUIREMENT_FIELDS, "requirements.");
        long memory = 0;
        JsonNode memoryNode = node.get("memory");
        if (memoryNode != null && !memoryNode.isNull()) {
            if (!memoryNode.isIntegralNumber() || !memoryNode.canConvertToLong() || memoryNode.longValue() < 0) {
                throw PartitaException.invalid(
                        "requirements.memory",
                        "requirements.memory must be a non-negative number of bytes, was " + memoryNode);
            }
            memory = memoryNode.longValue();
        }
        int cores = SpecRules.intOption(node, "cores", 0, 0, 4096, "requirements.");
        java.util.Set<String> features = new java.util.TreeSet<>();
        JsonNode featuresNode = node.get("features");
        if (featuresNode != null && !featuresNode.isNull()) {
            if (!featuresNode.isArray() || featuresNode.size() > 20) {
                throw PartitaException.invalid(
                        "requirements.features",
                        "requirements.features must be an array of at most 20 names such as [\"webgpu\"], was "
                                + featuresNode);
            }
            for (JsonNode f : featuresNode) {
                if (!f.isTextual() || f.textValue().isBlank() || f.textValue().length() > 50) {
                    throw PartitaException.invalid(
                            "requirements.features",
                            "requirements.features must hold non-empty names of at most 50 characters, was " + f);
                }
                features.add(f.textValue());
            }
        }
        return new Requirements(memory, cores, java.util.Set.copyOf(features));
    }

    private static CodeSpec parseCode(JsonNode node) {
        if (!node.isObject()) {
            throw PartitaException.invalid(
                    "code", "code must be an object such as {\"language\": \"js\", \"source\": \"...\"}");
        }
        SpecRules.unknownFields(node, CODE_FIELDS, "code.");
        String language = "js";
        JsonNode lang = node.get("language");
        if (lang != null && !lang.isNull()) {
            if (!lang.isTextual() || !lang.textValue().equals("js")) {
                throw PartitaException.invalid("code.language", "code.language must be \"js\", was " + lang);
            }
        }
        Optional<String> source = text(node, "source", 0);
        Optional<String> hash = text(node, "hash", 200);
        Optional<String> url = text(node, "url", 2000);
        int given = (source.isPresent() ? 1 : 0) + (hash.isPresent() ? 1 : 0) + (url.isPresent() ? 1 : 0);
        if (given != 1) {
            throw PartitaException.invalid("code", "code needs exactly one of source, hash or url");
        }
        if (hash.isPresent() && !hash.get().matches("[0-9a-f]{64}")) {
            throw PartitaException.invalid(
                    "code.hash", "code.hash must be 64 lower-case hex digits (SHA-256), was " + hash.get());
        }
        if (url.isPresent() && !url.get().matches("(?i)https?://.+")) {
            throw PartitaException.invalid("code.url", "code.url must be an http or https URL, was " + url.get());
        }
        java.util.Set<String> exports = new java.util.TreeSet<>();
        JsonNode exportsNode = node.get("exports");
        if (exportsNode != null && exportsNode.isArray()) {
            exportsNode.forEach(e -> exports.add(e.asText()));
        }
        return new CodeSpec(language, source, hash, url, java.util.Set.copyOf(exports));
    }

    private static Optional<String> text(JsonNode node, String field, int maxLength) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual() || value.textValue().isEmpty()) {
            throw PartitaException.invalid("code." + field, "code." + field + " must be a non-empty string");
        }
        if (maxLength > 0 && value.textValue().length() > maxLength) {
            throw PartitaException.invalid(
                    "code." + field, "code." + field + " must be at most " + maxLength + " characters");
        }
        return Optional.of(value.textValue());
    }

    /** This spec with its code resolved to a stored hash. */
    JobSpec withCode(String hash, java.util.Set<String> exports) {
        CodeSpec resolved = new CodeSpec(
                "js", Optional.empty(), Optional.of(hash), Optional.empty(), java.util.Set.copyOf(exports));
        String fn = "js:" + hash.substring(0, 12);
        String newName = name.equals("js") ? fn : name;
        return new JobSpec(
                newName,
                fn,
                params,
                partitions,
                maxAttempts,
                taskTimeout,
                priority,
                fanIn,
                Optional.of(resolved),
                rerunOf,
                requirements,
                reuse,
                dataJob,
                verification,
                speculation);
    }

    /** A phase of a data job: its function or code, params, partitions and options are given. */
    public static JobSpec dataPhase(
            String name,
            String function,
            Optional<CodeSpec> code,
            ObjectNode params,
            long partitions,
            int maxAttempts,
            Duration taskTimeout,
            int priority,
            String dataJob) {
        return new JobSpec(
                name,
                function,
                params,
                partitions,
                maxAttempts,
                taskTimeout,
                priority,
                (int) Math.min(MAX_FAN_IN, Math.max(TreeShape.MIN_FAN_IN, partitions)),
                code,
                Optional.empty(),
                new Requirements(0, 0, Set.of(DATA_FEATURE)),
                false,
                Optional.of(dataJob),
                // Map and reduce outputs are blobs whose replicas are not compared yet: only local
                // and trusted workers run data jobs (docs/verification.md).
                Verification.TRUSTED_ONLY,
                true);
    }

    /** {@code java}, {@code js} or {@code query}: what a worker needs to run this job. */
    public String runtime() {
        if (code.isPresent()) {
            return "js";
        }
        return function.equals(QUERY_FUNCTION) ? "query" : "java";
    }

    /**
     * The fan-in for a job of {@code partitions}: the option, except for a JavaScript module without
     * {@code combine}, whose outputs all go to one collect task.
     */
    public int fanInFor(long partitions) {
        if (dataJob.isPresent()) {
            return fanIn;
        }
        if (code.isPresent() && !code.get().exports().contains("combine")) {
            return (int) Math.max(2, partitions);
        }
        return fanIn;
    }

    /** The spec as stored, with every default filled in. */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("name", name);
        if (code.isEmpty()) {
            root.put("function", function);
        }
        code.ifPresent(c -> {
            ObjectNode node = root.putObject("code");
            node.put("language", c.language());
            c.hash().ifPresent(h -> node.put("hash", h));
            c.source().ifPresent(src -> node.put("source", src));
            c.url().ifPresent(u -> node.put("url", u));
            var exports = node.putArray("exports");
            c.exports().stream().sorted().forEach(exports::add);
        });
        root.set("params", params);
        if (partitions > 0) {
            root.put("partitions", partitions);
        }
        rerunOf.ifPresent(id -> root.put("rerunOf", id));
        dataJob.ifPresent(id -> root.put("dataJob", id));
        ObjectNode options = root.putObject("options");
        options.put("maxAttempts", maxAttempts);
        options.put("taskTimeout", taskTimeout.toString());
        options.put("priority", priority);
        options.put("fanIn", fanIn);
        options.put("reuse", reuse);
        verification.write(options);
        options.put("speculation", speculation);
        if (!requirements.equals(Requirements.NONE)) {
            ObjectNode req = root.putObject("requirements");
            if (requirements.memory() > 0) {
                req.put("memory", requirements.memory());
            }
            if (requirements.cores() > 0) {
                req.put("cores", requirements.cores());
            }
            if (!requirements.features().isEmpty()) {
                var list = req.putArray("features");
                requirements.features().stream().sorted().forEach(list::add);
            }
        }
        return root;
    }

    /** Reads a spec the store kept; it was valid when written. */
    public static JobSpec fromStored(ObjectMapper mapper, String json) {
        try {
            return parse(mapper.readTree(json), Long.MAX_VALUE, true);
        } catch (Exception e) {
            throw new IllegalStateException("stored spec is not valid: " + json, e);
        }
    }
}
