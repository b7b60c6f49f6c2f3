package io.partita.coordinator.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.common.Ids;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.core.Lease;
import io.partita.coordinator.jobs.CodeService;
import io.partita.coordinator.jobs.FunctionCatalog;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.coordinator.jobs.SpecRules;
import io.partita.coordinator.sched.JobRun;
import io.partita.coordinator.sched.Scheduler;
import io.partita.coordinator.sched.TaskContents;
import io.partita.data.QueryException;
import io.partita.data.QueryPlan;
import io.partita.data.QuerySpec;
import io.partita.store.BlobStore;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoreRetry;
import io.partita.store.StoredDoc;
import io.partita.store.StoredJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data jobs: MapReduce jobs and query jobs over a dataset, each run as phase jobs on the ordinary
 * scheduler (see {@code docs/data.md}).
 *
 * <pre>
 *   submit ──> map phase job (one task per split) ──done──> reduce phase job (one task per reducer) ──done──> outputs
 *              map task i, attempt a writes data/&lt;id&gt;/map/i/a&lt;a&gt;/r     reduce task r reads the committed
 *              (one sorted run per reducer r)                            attempt of every map task
 * </pre>
 *
 * Each phase ends with one built-in {@code merge} task whose output lists the committed attempt of
 * every task, so only complete outputs of accepted attempts are ever read: the leftovers of a lost
 * attempt are never named. The data job's document in the store records its phase and its phase
 * jobs, so a restarted coordinator carries on where it stopped. Thread-safe: phase transitions run
 * one at a time on their own thread.
 */
public final class DataJobs implements TaskContents.DataInputs, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DataJobs.class);
    static final int MAX_REDUCERS = 4096;
    static final int DEFAULT_REDUCERS = 2;
    private static final int MAX_SKIPPED = 10;
    private static final Set<String> MAPREDUCE_FIELDS =
            Set.of("name", "dataset", "function", "code", "reducers", "options");
    private static final Set<String> OPTIONS = SpecRules.runOptionsAnd("onBadRecord");
    private static final List<String> COUNTERS =
            List.of("recordsIn", "recordsOut", "badRecords", "keys", "bytesIn", "bytesOut", "millis");

    private final Scheduler scheduler;
    private final Store store;
    private final BlobStore blobs;
    private final Datasets datasets;
    private final CodeService code;
    private final FunctionCatalog catalog;
    private final Capabilities capabilities;
    private final ObjectMapper mapper;
    private final LongSupplier millis;
    private final Map<String, DataJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, DataJob> byPhaseJob = new ConcurrentHashMap<>();
    private final ExecutorService transitions = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("partita-data-jobs").daemon(true).unstarted(r));

    /** Retries the store's failures during phase transitions, for up to ten minutes. */
    private final StoreRetry transitionRetry =
            StoreRetry.of(StoreRetry.Policy.DEFAULT.withTimeout(Duration.ofMinutes(10)));

    /** The data-job service, running its phases as jobs of {@code scheduler}. */
    public DataJobs(
            Scheduler scheduler,
            Store store,
            BlobStore blobs,
            Datasets datasets,
            CodeService code,
            FunctionCatalog catalog,
            Capabilities capabilities,
            ObjectMapper mapper,
            LongSupplier millis) {
        this.scheduler = scheduler;
        this.store = store;
        this.blobs = blobs;
        this.datasets = datasets;
        this.code = code;
        this.catalog = catalog;
        this.capabilities = capabilities;
        this.mapper = mapper;
        this.millis = millis;
    }

    // ------------------------------------------------------------------------------ the job

    /** One data job; its fields change only on the transitions thread (or before it is shared). */
    static final class DataJob {
        String id;
        String kind;
        String name;
        String dataset;
        ObjectNode spec;
        String function;
        Optional<JobSpec.CodeSpec> code = Optional.empty();
        int reducers;
        ObjectNode split;
        JsonNode plan;
        int maxAttempts;
        Duration taskTimeout;
        int priority;
        volatile String status = "running";
        volatile String phase = "map";
        String mapJob;
        String reduceJob;
        int[] mapAttempts;
        int[] reduceAttempts;
        ObjectNode counters;
        ArrayNode skipped;
        String error;
        long createdAt;
        long phaseStartedAt;
        long finishedAt;
        long outputBytes;
        List<Datasets.Split> splits;
        String datasetKey;
    }

    private static String mapKey(String id, int task, int attempt) {
        return "data/" + id + "/map/" + task + "/a" + attempt;
    }

    private static String reduceKey(String id, int task, int attempt) {
        return "data/" + id + "/reduce/" + task + "/a" + attempt;
    }

    // ------------------------------------------------------------------------------ submit

    /** Validates and starts a MapReduce job. */
    public ObjectNode submitMapReduce(JsonNode body) {
        return submitMapReduce(body, id -> {});
    }

    /**
     * Validates and starts a MapReduce job; {@code claim} is given its id once it is valid, before
     * anything of it is stored or scheduled (ownership, so its phases are fairly shared from the start).
     */
    public ObjectNode submitMapReduce(JsonNode body, java.util.function.Consumer<String> claim) {
        SpecRules.requireObject(body);
        SpecRules.unknownFields(body, MAPREDUCE_FIELDS, "");
        DataJob job = common(body, "mapreduce");
        JsonNode reducers = body.get("reducers");
        job.reducers = DEFAULT_REDUCERS;
        if (reducers != null && !reducers.isNull()) {
            if (!reducers.isIntegralNumber()
                    || !reducers.canConvertToInt()
                    || reducers.intValue() < 0
                    || reducers.intValue() > MAX_REDUCERS) {
                throw PartitaException.invalid(
                        "reducers",
                        "reducers must be an integer between 0 (map only) and " + MAX_REDUCERS + ", was " + reducers);
            }
            job.reducers = reducers.intValue();
        }
        JsonNode fn = body.get("function");
        JsonNode src = body.get("code");
        boolean hasFn = fn != null && !fn.isNull();
        boolean hasCode = src != null && !src.isNull();
        if (hasFn == hasCode) {
            throw PartitaException.invalid(
                    "function", "give either function (a Java MapReduceFunction) or code (a JavaScript module)");
        }
        if (hasFn) {
            job.function = SpecRules.functionName(fn);
            catalog.require(job.function);
        } else {
            String source;
            if (src.isTextual()) {
                source = src.textValue();
            } else if (src.isObject() && src.path("source").isTextual()) {
                source = src.get("source").textValue();
            } else {
                throw PartitaException.invalid("code", "code must be the module's source, or {\"source\": \"...\"}");
            }
            CodeService.Stored stored = code.put(source, "code", "map", "map(record, emit)");
            if (job.reducers > 0 && !stored.exports().contains("reduce")) {
                throw PartitaException.invalid(
                        "code",
                        "the module must export reduce(key, values, emit) (or set reducers to 0 for a map-only job)");
            }
            job.code = Optional.of(new JobSpec.CodeSpec(
                    "js", Optional.empty(), Optional.of(stored.hash()), Optional.empty(), stored.exports()));
            job.function = "js:" + stored.hash().substring(0, 12);
        }
        if (job.name == null) {
            job.name = "mapreduce " + (hasFn ? job.function : "js") + " over " + job.dataset;
        }
        claim.accept(job.id);
        return start(job);
    }

    /** Validates, compiles and starts a query job. */
    public ObjectNode submitQuery(JsonNode body) {
        return submitQuery(body, id -> {});
    }

    /** Validates, compiles and starts a query job; {@code claim} as for {@link #submitMapReduce}. */
    public ObjectNode submitQuery(JsonNode body, java.util.function.Consumer<String> claim) {
        SpecRules.requireObject(body);
        DataJob job = common(body, "query");
        Datasets.Dataset dataset = datasets.get(job.dataset).orElseThrow();
        ObjectNode query = ((ObjectNode) body).deepCopy();
        query.remove(List.of("dataset", "name", "options"));
        QueryPlan plan;
        try {
            plan = QuerySpec.compile(query, dataset.format(), dataset.columns());
        } catch (QueryException e) {
            throw PartitaException.invalid(e.field(), e.getMessage());
        }
        job.plan = plan.toJson();
        job.reducers = plan.reducers();
        job.function = JobSpec.QUERY_FUNCTION;
        if (job.name == null) {
            job.name = "query over " + dataset.name();
        }
        claim.accept(job.id);
        return start(job);
    }

    private DataJob common(JsonNode body, String kind) {
        DataJob job = new DataJob();
        job.id = Ids.newId();
        job.kind = kind;
        job.spec = (ObjectNode) body.deepCopy();
        JsonNode datasetNode = body.get("dataset");
        if (datasetNode == null || !datasetNode.isTextual()) {
            throw PartitaException.invalid(
                    "dataset", "dataset is required: the id of a dataset (see GET /api/datasets)");
        }
        Datasets.Dataset dataset = datasets.get(datasetNode.textValue())
                .orElseThrow(() ->
                        PartitaException.invalid("dataset", "no dataset with id '" + datasetNode.textValue() + "'"));
        job.dataset = dataset.id();
        job.splits = dataset.splits();
        job.datasetKey = dataset.blobKey();
        job.name = SpecRules.name(body.get("name")).orElse(null);
        job.maxAttempts = SpecRules.DEFAULT_MAX_ATTEMPTS;
        job.taskTimeout = SpecRules.DEFAULT_TASK_TIMEOUT;
        job.priority = SpecRules.DEFAULT_PRIORITY;
        String onBad = "fail";
        Optional<JsonNode> given = SpecRules.options(body.get("options"), OPTIONS);
        if (given.isPresent()) {
            JsonNode options = given.get();
            job.maxAttempts = SpecRules.maxAttempts(options);
            job.priority = SpecRules.priority(options);
            job.taskTimeout = SpecRules.taskTimeout(options);
            JsonNode bad = options.get("onBadRecord");
            if (bad != null && !bad.isNull()) {
                if (!bad.isTextual()
                        || !(bad.textValue().equals("fail") || bad.textValue().equals("skip"))) {
                    throw PartitaException.invalid(
                            "options.onBadRecord", "options.onBadRecord must be \"fail\" or \"skip\", was " + bad);
                }
                onBad = bad.textValue();
            }
        }
        job.split = mapper.createObjectNode();
        job.split.put("format", dataset.format().id());
        ArrayNode columns = job.split.putArray("columns");
        dataset.columns().forEach(columns::add);
        job.split.put("onBadRecord", onBad);
        job.createdAt = millis.getAsLong();
        job.counters = mapper.createObjectNode();
        job.skipped = mapper.createArrayNode();
        return job;
    }

    private ObjectNode start(DataJob job) {
        jobs.put(job.id, job);
        job.phaseStartedAt = job.createdAt;
        if (job.splits.isEmpty()) {
            job.mapAttempts = new int[0];
            finish(job, "done", null); // an empty dataset: nothing to map, an empty result
            return describe(job);
        }
        job.mapJob = job.id + "-map";
        save(job);
        submitPhase(job, "map");
        return describe(job);
    }

    /** Submits a phase job (its id is already in the saved document, so a restart finds it). */
    private void submitPhase(DataJob job, String phase) {
        ObjectNode params = mapper.createObjectNode();
        ObjectNode data = params.putObject("data");
        data.put("kind", job.kind);
        data.put("phase", phase);
        data.put("reducers", job.reducers);
        data.set("split", job.split);
        if (job.plan != null) {
            data.set("plan", job.plan);
        }
        boolean map = phase.equals("map");
        String id = map ? job.mapJob : job.reduceJob;
        JobSpec spec = JobSpec.dataPhase(
                job.name + " (" + phase + ")",
                job.function,
                job.code,
                params,
                map ? job.splits.size() : job.reducers,
                job.maxAttempts,
                job.taskTimeout,
                job.priority,
                job.id);
        byPhaseJob.put(id, job);
        transitionRetry.call("submit phase job " + id, () -> scheduler.submit(id, spec));
    }

    // ------------------------------------------------------------------------------ tasks

    /**
     * The op and input of a data task's lease (level 0 of a phase job), with a fresh capability
     * token for exactly that attempt.
     *
     * @throws IllegalStateException if the job is not a live data phase
     */
    @Override
    public TaskContents.TaskInput input(Lease lease) {
        DataJob job = byPhaseJob.get(lease.work.id);
        if (job == null) {
            throw new IllegalStateException("job " + lease.work.id + " is not a phase of a data job");
        }
        int index = JobRun.index(lease.key);
        ObjectNode input = mapper.createObjectNode();
        ArrayNode read = input.putArray("read");
        String token;
        if (lease.work.id.equals(job.mapJob)) {
            Datasets.Split split = job.splits.get(index);
            token = capabilities.grant(
                    lease,
                    List.of(new Capabilities.Read(job.datasetKey, split.offset(), split.length())),
                    mapKey(job.id, index, lease.attempt),
                    Math.max(1, job.reducers));
            read.add("/data/" + token + "/in/0");
            input.put("firstLine", split.firstLine());
            input.put("split", index);
        } else {
            int[] attempts = job.mapAttempts;
            List<Capabilities.Read> reads = new ArrayList<>(attempts.length);
            for (int i = 0; i < attempts.length; i++) {
                reads.add(new Capabilities.Read(mapKey(job.id, i, attempts[i]) + "/" + index, 0, -1));
            }
            token = capabilities.grant(lease, reads, reduceKey(job.id, index, lease.attempt), 1);
            for (int i = 0; i < attempts.length; i++) {
                read.add("/data/" + token + "/in/" + i);
            }
        }
        input.put("write", "/data/" + token + "/out/");
        return new TaskContents.TaskInput(lease.work.id.equals(job.mapJob) ? "map" : "reduce", input);
    }

    // ------------------------------------------------------------------------------ phases

    /** Hears of a phase job's end (the scheduler's listener); the work runs on its own thread. */
    public void jobEnded(String jobId, JobStatus status, Optional<String> error) {
        if (byPhaseJob.containsKey(jobId)) {
            transitions.execute(() -> {
                try {
                    phaseEnded(jobId, status, error);
                } catch (RuntimeException e) {
                    log.error("Data job transition after {} failed", jobId, e);
                }
            });
        }
    }

    private void phaseEnded(String jobId, JobStatus status, Optional<String> error) {
        DataJob job = byPhaseJob.remove(jobId);
        if (job == null || !job.status.equals("running")) {
            return;
        }
        if (status != JobStatus.DONE) {
            String why = error.orElse(status.wireName());
            finish(
                    job,
                    status == JobStatus.CANCELLED ? "cancelled" : "failed",
                    status == JobStatus.CANCELLED ? "cancelled" : job.phase + " phase failed: " + why);
            return;
        }
        JsonNode result;
        try {
            byte[] bytes = transitionRetry
                    .callIdempotent("read the result of phase job " + jobId, () -> store.job(jobId))
                    .flatMap(StoredJob::result)
                    .orElseThrow(() -> new IllegalStateException("phase job " + jobId + " has no result"));
            result = mapper.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            finish(job, "failed", "cannot read the result of phase job " + jobId + ": " + e.getMessage());
            return;
        }
        boolean map = jobId.equals(job.mapJob);
        int expected = map ? job.splits.size() : job.reducers;
        JsonNode attemptsNode = result.path("attempts");
        if (!attemptsNode.isArray() || attemptsNode.size() != expected) {
            finish(
                    job,
                    "failed",
                    "phase job " + jobId + " reported " + attemptsNode.size() + " attempts for " + expected + " tasks");
            return;
        }
        int[] attempts = new int[expected];
        for (int i = 0; i < expected; i++) {
            attempts[i] = attemptsNode.get(i).asInt();
        }
        ObjectNode counters = phaseCounters(result.path("counters"));
        counters.put("wallMillis", Math.max(0, millis.getAsLong() - job.phaseStartedAt));
        job.counters.set(map ? "map" : "reduce", counters);
        for (JsonNode s : result.path("skipped")) {
            if (job.skipped.size() < MAX_SKIPPED) {
                job.skipped.add(s);
            }
        }
        if (map) {
            job.mapAttempts = attempts;
            if (job.reducers == 0) {
                finish(job, "done", null);
                return;
            }
            job.phase = "reduce";
            job.reduceJob = job.id + "-reduce";
            job.phaseStartedAt = millis.getAsLong();
            saveDurably(job);
            submitPhase(job, "reduce");
        } else {
            job.reduceAttempts = attempts;
            finish(job, "done", null);
        }
    }

    private ObjectNode phaseCounters(JsonNode reported) {
        ObjectNode counters = mapper.createObjectNode();
        for (String name : COUNTERS) {
            counters.put(name, reported.path(name).asLong(0));
        }
        return counters;
    }

    private void finish(DataJob job, String status, String error) {
        if (status.equals("done")) {
            long bytes = 0;
            for (String key : outputKeys(job)) {
                Optional<Long> size = blobs.size(key);
                if (size.isEmpty()) {
                    status = "failed";
                    error = "output " + key + " is missing";
                    break;
                }
                bytes += size.get();
            }
            job.outputBytes = bytes;
        }
        job.status = status;
        job.phase = status;
        job.error = error;
        job.finishedAt = millis.getAsLong();
        saveDurably(job);
        if (job.reducers > 0 || !status.equals("done")) {
            deleteQuietly("data/" + job.id + "/map");
        }
        if (!status.equals("done")) {
            deleteQuietly("data/" + job.id + "/reduce");
        }
        log.info("Data job {} ({}) {}{}", job.id, job.kind, status, error == null ? "" : ": " + error);
    }

    private void deleteQuietly(String prefix) {
        try {
            blobs.deletePrefix(prefix);
        } catch (IOException e) {
            log.warn("Cannot delete {}: {}", prefix, e.getMessage());
        }
    }

    /** The blobs of a finished job's result, in order. */
    private static List<String> outputKeys(DataJob job) {
        List<String> keys = new ArrayList<>();
        if (job.reducers == 0) {
            for (int i = 0; i < job.mapAttempts.length; i++) {
                keys.add(mapKey(job.id, i, job.mapAttempts[i]) + "/0");
            }
        } else if (job.reduceAttempts != null) {
            for (int r = 0; r < job.reduceAttempts.length; r++) {
                keys.add(reduceKey(job.id, r, job.reduceAttempts[r]) + "/0");
            }
        }
        return keys;
    }

    /** Cancels a running data job. */
    public ObjectNode cancel(String kind, String id) {
        DataJob job = find(kind, id);
        if (!job.status.equals("running")) {
            throw PartitaException.conflict("already_finished", kind + " job " + id + " is already " + job.status);
        }
        String phaseJob = job.phase.equals("reduce") ? job.reduceJob : job.mapJob;
        if (phaseJob != null
                && store.finish(phaseJob, JobStatus.CANCELLED, Optional.of("cancelled"), millis.getAsLong())) {
            scheduler.cancel(phaseJob);
        }
        return describe(job);
    }

    // ------------------------------------------------------------------------------ read

    DataJob find(String kind, String id) {
        DataJob job = jobs.get(id);
        if (job == null && id.length() <= 100) {
            job = store.dataJob(id).map(this::fromDoc).orElse(null);
            if (job != null) {
                jobs.putIfAbsent(id, job);
            }
        }
        if (job == null || !job.kind.equals(kind)) {
            throw PartitaException.notFound("no " + kind + " job with id '" + id + "'");
        }
        return job;
    }

    /**
     * The JSON description of a data job of {@code kind}.
     *
     * @throws PartitaException (404) if there is none
     */
    public ObjectNode describe(String kind, String id) {
        return describe(find(kind, id));
    }

    /** A running data job that reads dataset {@code id}, if there is one. */
    public Optional<String> runningOver(String id) {
        for (DataJob job : jobs.values()) {
            if (job.status.equals("running") && id.equals(job.dataset)) {
                return Optional.of(job.id);
            }
        }
        return Optional.empty();
    }

    /** The JSON descriptions of the data jobs of {@code kind}. */
    public ArrayNode list(String kind) {
        ArrayNode out = mapper.createArrayNode();
        for (StoredDoc doc : store.dataJobs(Optional.empty())) {
            if (doc.kind().equals(kind)) {
                DataJob job = jobs.get(doc.id());
                out.add(describe(job != null ? job : fromDoc(doc)));
            }
        }
        return out;
    }

    private String path(DataJob job) {
        return "/api/" + (job.kind.equals("query") ? "queries" : "mapreduce") + "/" + job.id;
    }

    ObjectNode describe(DataJob job) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", job.id);
        node.put("kind", job.kind);
        node.put("name", job.name);
        node.put("dataset", job.dataset);
        node.put("status", job.status);
        node.put("phase", job.phase);
        if (job.error != null) {
            node.put("error", job.error);
        }
        node.put("function", job.function);
        node.put("reducers", job.reducers);
        node.put("splits", job.splits.size());
        ObjectNode phases = node.putObject("jobs");
        if (job.mapJob != null) {
            phases.put("map", job.mapJob);
        }
        if (job.reduceJob != null) {
            phases.put("reduce", job.reduceJob);
        }
        node.set("counters", job.counters.deepCopy());
        node.set("skipped", job.skipped.deepCopy());
        if (job.plan != null) {
            node.set("plan", job.plan);
        }
        if (job.status.equals("done")) {
            ObjectNode output = node.putObject("output");
            output.put("parts", outputKeys(job).size());
            output.put("bytes", job.outputBytes);
            JsonNode last = job.counters.path(job.reducers == 0 ? "map" : "reduce");
            output.put("records", last.path("recordsOut").asLong(0));
        }
        node.put("createdAt", job.createdAt);
        if (job.finishedAt > 0) {
            node.put("finishedAt", job.finishedAt);
        }
        ObjectNode links = node.putObject("links");
        links.put("self", path(job));
        links.put("output", path(job) + "/output");
        links.put("dataset", "/api/datasets/" + job.dataset);
        return node;
    }

    /** Streams a done job's output: every part in order, or only part {@code part}. */
    public void output(String kind, String id, Optional<Integer> part, OutputStream out) throws IOException {
        DataJob job = find(kind, id);
        List<String> keys = outputKeys(job);
        for (int i = 0; i < keys.size(); i++) {
            if (part.isPresent() && part.get() != i) {
                continue;
            }
            try (InputStream in = blobs.open(keys.get(i), 0, -1)) {
                in.transferTo(out);
            }
        }
    }

    /** Checks that a job's output can be served: done, and the part (if any) exists. */
    public void checkOutput(String kind, String id, Optional<Integer> part) {
        DataJob job = find(kind, id);
        if (!job.status.equals("done")) {
            throw PartitaException.conflict(
                    "not_done", kind + " job " + id + " is " + job.status + ", it has no output");
        }
        int parts = outputKeys(job).size();
        if (part.isPresent() && (part.get() < 0 || part.get() >= parts)) {
            throw PartitaException.invalidQuery(
                    "part", "part must be between 0 and " + (parts - 1) + ", was " + part.get());
        }
    }

    // ------------------------------------------------------------------------------ store

    /**
     * Saves a data job's document during a phase transition: a store failure is retried with backoff
     * (the upsert is idempotent) rather than leaving the job stuck between phases.
     */
    private void saveDurably(DataJob job) {
        transitionRetry.callIdempotent("save data job " + job.id, () -> {
            save(job);
            return null;
        });
    }

    private void save(DataJob job) {
        ObjectNode doc = mapper.createObjectNode();
        doc.put("name", job.name);
        doc.put("dataset", job.dataset);
        doc.set("spec", job.spec);
        doc.put("function", job.function);
        job.code.ifPresent(c -> {
            doc.put("codeHash", c.hash().orElseThrow());
            ArrayNode exports = doc.putArray("exports");
            c.exports().stream().sorted().forEach(exports::add);
        });
        doc.put("reducers", job.reducers);
        doc.set("split", job.split);
        if (job.plan != null) {
            doc.set("plan", job.plan);
        }
        doc.put("maxAttempts", job.maxAttempts);
        doc.put("taskTimeout", job.taskTimeout.toString());
        doc.put("priority", job.priority);
        doc.put("phase", job.phase);
        if (job.mapJob != null) {
            doc.put("mapJob", job.mapJob);
        }
        if (job.reduceJob != null) {
            doc.put("reduceJob", job.reduceJob);
        }
        putInts(doc, "mapAttempts", job.mapAttempts);
        putInts(doc, "reduceAttempts", job.reduceAttempts);
        doc.set("counters", job.counters);
        doc.set("skipped", job.skipped);
        if (job.error != null) {
            doc.put("error", job.error);
        }
        doc.put("phaseStartedAt", job.phaseStartedAt);
        doc.put("finishedAt", job.finishedAt);
        doc.put("outputBytes", job.outputBytes);
        store.putDataJob(new StoredDoc(job.id, job.kind, job.status, job.createdAt, doc.toString()));
    }

    private static void putInts(ObjectNode doc, String field, int[] values) {
        if (values != null) {
            ArrayNode array = doc.putArray(field);
            for (int v : values) {
                array.add(v);
            }
        }
    }

    private static int[] ints(JsonNode node) {
        if (node == null || !node.isArray()) {
            return null;
        }
        int[] out = new int[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asInt();
        }
        return out;
    }

    private DataJob fromDoc(StoredDoc stored) {
        try {
            JsonNode doc = mapper.readTree(stored.doc());
            DataJob job = new DataJob();
            job.id = stored.id();
            job.kind = stored.kind();
            job.status = stored.status();
            job.createdAt = stored.createdAt();
            job.name = doc.get("name").textValue();
            job.dataset = doc.get("dataset").textValue();
            job.spec = (ObjectNode) doc.get("spec");
            job.function = doc.get("function").textValue();
            if (doc.hasNonNull("codeHash")) {
                java.util.Set<String> exports = new java.util.TreeSet<>();
                doc.path("exports").forEach(e -> exports.add(e.textValue()));
                job.code = Optional.of(new JobSpec.CodeSpec(
                        "js",
                        Optional.empty(),
                        Optional.of(doc.get("codeHash").textValue()),
                        Optional.empty(),
                        java.util.Set.copyOf(exports)));
            }
            job.reducers = doc.get("reducers").intValue();
            job.split = (ObjectNode) doc.get("split");
            job.plan = doc.get("plan");
            job.maxAttempts = doc.get("maxAttempts").intValue();
            job.taskTimeout = Duration.parse(doc.get("taskTimeout").textValue());
            job.priority = doc.get("priority").intValue();
            job.phase = doc.get("phase").textValue();
            job.mapJob = doc.hasNonNull("mapJob") ? doc.get("mapJob").textValue() : null;
            job.reduceJob = doc.hasNonNull("reduceJob") ? doc.get("reduceJob").textValue() : null;
            job.mapAttempts = ints(doc.get("mapAttempts"));
            job.reduceAttempts = ints(doc.get("reduceAttempts"));
            job.counters = (ObjectNode) doc.get("counters");
            job.skipped = (ArrayNode) doc.get("skipped");
            job.error = doc.hasNonNull("error") ? doc.get("error").textValue() : null;
            job.phaseStartedAt = doc.path("phaseStartedAt").asLong();
            job.finishedAt = doc.path("finishedAt").asLong();
            job.outputBytes = doc.path("outputBytes").asLong();
            Datasets.Dataset dataset = datasets.get(job.dataset)
                    .orElseThrow(() -> new IllegalStateException(
                            "dataset " + job.dataset + " of data job " + job.id + " is gone"));
            job.splits = dataset.splits();
            job.datasetKey = dataset.blobKey();
            return job;
        } catch (IOException e) {
            throw new IllegalStateException("stored data job " + stored.id() + " is not valid JSON", e);
        }
    }

    /**
     * Picks up the running data jobs of the store after a restart (the scheduler has recovered
     * their phase jobs): a phase job that ended while the coordinator was down moves its data job
     * on now, one that was never submitted is submitted.
     */
    public void recover() {
        for (StoredDoc doc : store.dataJobs(Optional.of("running"))) {
            DataJob job;
            try {
                job = fromDoc(doc);
            } catch (RuntimeException e) {
                log.error("Cannot resume data job {}", doc.id(), e);
                continue;
            }
            jobs.put(job.id, job);
            String phaseJob = job.phase.equals("reduce") ? job.reduceJob : job.mapJob;
            Optional<StoredJob> stored = store.job(phaseJob);
            if (stored.isEmpty()) {
                submitPhase(job, job.phase);
            } else {
                byPhaseJob.put(phaseJob, job);
                if (stored.get().status().isFinal()) {
                    StoredJob s = stored.get();
                    jobEnded(phaseJob, s.status(), s.error());
                }
            }
            log.info("Resumed data job {} ({}) in its {} phase", job.id, job.kind, job.phase);
        }
    }

    @Override
    public void close() {
        transitions.shutdownNow();
    }
}
