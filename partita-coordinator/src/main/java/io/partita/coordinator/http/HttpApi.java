package io.partita.coordinator.http;

import static io.partita.coordinator.http.HttpSupport.JSON;
import static io.partita.coordinator.http.HttpSupport.id;
import static io.partita.coordinator.http.HttpSupport.intQuery;
import static io.partita.coordinator.http.HttpSupport.longQuery;
import static io.partita.coordinator.http.HttpSupport.object;
import static io.partita.coordinator.http.HttpSupport.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.auth.Audit;
import io.partita.coordinator.auth.Ownership;
import io.partita.coordinator.common.CanonicalJson;
import io.partita.coordinator.common.Ids;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import io.partita.coordinator.jobs.CodeService;
import io.partita.coordinator.jobs.FunctionCatalog;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.coordinator.sched.JobRun;
import io.partita.coordinator.sched.PartitionMap;
import io.partita.coordinator.sched.Scheduler;
import io.partita.coordinator.sched.StoreHealth;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The REST API under {@code /api}, JSON in and out: the routes of jobs, code, workers, health and
 * metrics, each a short handler. Errors are thrown as {@link PartitaException} and rendered by
 * {@link HttpSupport}; job views come from {@link JobViews}, images from {@link PngRenderer}.
 */
public final class HttpApi {
    private static final int MAX_PAGE = 500;

    /** Most characters of events in one page of {@code GET /api/jobs/{id}/events} (one event always fits). */
    static final int MAX_EVENT_PAGE_CHARS = 1 << 20;

    private final Scheduler scheduler;
    private final Store store;
    private final FunctionCatalog catalog;
    private final CodeService code;
    private final CoordinatorConfig config;
    private final ObjectMapper mapper;
    private final PrometheusMeterRegistry metrics;
    private final HttpSupport http;
    private final JobViews views;
    private final long startedAt = System.currentTimeMillis();
    private final byte[] openApi;
    private final byte[] examples;

    private final StoreHealth health;
    private final Ownership ownership;
    private io.partita.coordinator.auth.Usage usage;

    /** Checks tenants' stored bytes before their jobs are made; call before routing. */
    public void usage(io.partita.coordinator.auth.Usage usage) {
        this.usage = usage;
    }

    private final Audit audit;

    /** The job, code and status routes; jobs are scoped by {@code ownership} (docs/security.md). */
    public HttpApi(
            Scheduler scheduler,
            Store store,
            FunctionCatalog catalog,
            CodeService code,
            CoordinatorConfig config,
            ObjectMapper mapper,
            PrometheusMeterRegistry metrics,
            HttpSupport http,
            JobViews views,
            StoreHealth health,
            Ownership ownership,
            Audit audit) {
        this.ownership = ownership;
        this.audit = audit;
        this.scheduler = scheduler;
        this.health = health;
        this.store = store;
        this.catalog = catalog;
        this.code = code;
        this.config = config;
        this.mapper = mapper;
        this.metrics = metrics;
        this.http = http;
        this.views = views;
        this.openApi = resource("/io/partita/coordinator/openapi.json");
        this.examples = examples(mapper);
    }

    /** Adds the routes to {@code routing}. */
    public void routing(HttpRouting.Builder routing) {
        Routes.on(routing)
                .get("/api/health", this::health)
                .get("/api/openapi.json", (req, res) -> send(res, 200, JSON, openApi))
                .post("/api/jobs", this::submit)
                .post("/api/jobs/{id}/rerun", this::rerun)
                .post("/api/code", this::uploadCode)
                .get("/api/code/{hash}", this::getCode)
                .get("/api/jobs", this::list)
                .get("/api/jobs/{id}", (req, res) -> http.json(res, 200, views.jobJson(visibleId(req))))
                .get("/api/jobs/{id}/result", this::result)
                .get("/api/jobs/{id}/result.png", this::resultPng)
                .get("/api/jobs/{id}/events", this::events)
                .get("/api/jobs/{id}/map", this::map)
                .get("/api/examples", (req, res) -> send(res, 200, JSON, examples))
                .delete("/api/jobs/{id}", this::cancel)
                .get("/api/workers", this::workers)
                .get("/api/volunteers", this::volunteers)
                .post("/api/volunteers/me", this::me)
                .get("/api/volunteers/{id}", this::volunteer)
                .get(
                        "/metrics",
                        (req, res) -> send(
                                res,
                                200,
                                "text/plain; version=0.0.4; charset=utf-8",
                                metrics.scrape().getBytes(StandardCharsets.UTF_8)))
                .any("/api/*", (req, res) -> {
                    throw PartitaException.notFound("no such endpoint: "
                            + req.prologue().method().text() + " " + req.path().path());
                });
    }

    // ------------------------------------------------------------------------------- handlers

    private void health(ServerRequest req, ServerResponse res) {
        Scheduler.Totals totals = scheduler.totals();
        ObjectNode body = object();
        Optional<String> problem = health.problem();
        body.put("status", problem.isPresent() ? "degraded" : "ok");
        problem.ifPresent(p -> body.put("reason", "store unavailable: " + p));
        body.put("instance", scheduler.instance());
        body.put("store", store.kind());
        body.put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000);
        body.put("workers", totals.workers());
        body.put("liveJobs", totals.liveJobs());
        body.put("queuedTasks", totals.queued());
        body.put("runningTasks", totals.running());
        body.put("tasksCompleted", totals.completed());
        body.put("tasksPerSecond", totals.rate());
        http.json(res, 200, body);
    }

    private void submit(ServerRequest req, ServerResponse res) {
        JsonNode body = http.readJson(req);
        for (String serverOwned : new String[] {"rerunOf", "owner", "tenant", "creator"}) {
            if (body.has(serverOwned)) {
                throw PartitaException.invalid(
                        serverOwned, serverOwned + " is set by the server, not by a client; leave it out");
            }
        }
        create(JobSpec.parse(body, config.maxPartitions()), Access.required(req), res);
    }

    /** The {@code {id}} of a job the request's principal may see; 404 (as for no job) otherwise. */
    private String visibleId(ServerRequest req) {
        String id = id(req);
        ownership.require(Ownership.Kind.JOB, id, Access.required(req), "no job with id '" + id + "'");
        return id;
    }

    /**
     * Creates a new job like an existing one: the old spec with {@code params} keys replaced by the
     * request's, and its {@code code} if the request gives one; linked by {@code rerunOf}.
     */
    private void rerun(ServerRequest req, ServerResponse res) {
        String id = visibleId(req);
        StoredJob old = views.stored(id);
        JsonNode body = http.readJson(req);
        if (!body.isObject()) {
            throw PartitaException.invalid("", "expected {\"params\": {...}} and optionally \"code\"");
        }
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("params") && !field.equals("code") && !field.equals("name")) {
                throw PartitaException.invalid(
                        field, "unknown field " + field + "; a rerun takes params, code and name");
            }
        }
        ObjectNode spec;
        try {
            spec = (ObjectNode) mapper.readTree(old.spec());
        } catch (IOException e) {
            throw new IllegalStateException("stored spec of " + id + " is not JSON", e);
        }
        JsonNode params = body.get("params");
        if (params != null && !params.isNull()) {
            if (!params.isObject()) {
                throw PartitaException.invalid("params", "params must be a JSON object, was " + params);
            }
            ObjectNode merged = spec.has("params") && spec.get("params").isObject()
                    ? (ObjectNode) spec.get("params")
                    : spec.putObject("params");
            merged.setAll((ObjectNode) params);
        }
        if (body.has("code")) {
            spec.set("code", body.get("code"));
        }
        if (body.has("name")) {
            spec.set("name", body.get("name"));
        }
        spec.put("rerunOf", id);
        create(JobSpec.parse(spec, config.maxPartitions()), Access.required(req), res);
    }

    private void create(JobSpec parsed, Principal principal, ServerResponse res) {
        JobSpec spec = parsed;
        if (spec.code().isPresent()) {
            spec = code.resolve(spec);
            if (spec.fanInFor(spec.partitions()) > JobSpec.MAX_FAN_IN
                    && spec.partitions() > JobSpec.MAX_COLLECT_PARTITIONS) {
                throw PartitaException.invalid(
                        "partitions",
                        "a module without combine collects all outputs in one task, so at most "
                                + JobSpec.MAX_COLLECT_PARTITIONS + " partitions; export combine(a, b) for more");
            }
        } else {
            catalog.require(spec.function());
        }
        config.quotas()
                .checkJob(
                        principal,
                        spec.priority(),
                        spec.taskTimeout(),
                        spec.maxAttempts(),
                        principal.isAdmin() ? 0 : store.liveJobCountOf(principal.tenant()));
        if (usage != null) {
            usage.checkStored(principal, 0);
        }
        String id = Ids.newId();
        // owned before it exists: there is never a moment when another tenant could see it
        ownership.claim(Ownership.Kind.JOB, id, principal);
        JobRun job = scheduler.submit(id, spec, fingerprint(spec));
        ObjectNode out = object();
        out.put("id", job.id);
        out.put("status", job.status.wireName());
        spec.rerunOf().ifPresent(r -> out.put("rerunOf", r));
        out.set("links", JobViews.links(job.id));
        res.header(HeaderNames.LOCATION, "/api/jobs/" + job.id);
        http.json(res, 201, out);
    }

    /**
     * The fingerprint of a job that may reuse an earlier job's outputs: a hash of its function's
     * identity (name and version of a Java function, the module's hash), params, partition count and
     * fan-in. Null when it may not: the spec says so, a prepare step decides the partitions, or the
     * Java function's version is not known.
     */
    private String fingerprint(JobSpec spec) {
        if (!spec.reuse() || spec.partitions() < 1) {
            return null;
        }
        String version = spec.code().isPresent()
                ? spec.code().flatMap(JobSpec.CodeSpec::hash).orElse(null)
                : catalog.version(spec.function()).orElse(null);
        if (version == null) {
            return null;
        }
        return CanonicalJson.sha256(
                "job",
                spec.runtime(),
                spec.function(),
                version,
                CanonicalJson.of(spec.params()),
                Long.toString(spec.partitions()),
                Integer.toString(spec.fanInFor(spec.partitions())));
    }

    private void uploadCode(ServerRequest req, ServerResponse res) {
        JsonNode body = http.readJson(req);
        if (!body.isObject()) {
            throw PartitaException.invalid("", "expected {\"language\": \"js\", \"source\": \"...\"}");
        }
        JsonNode language = body.get("language");
        if (language != null && !language.isNull() && !"js".equals(language.asText())) {
            throw PartitaException.invalid("language", "language must be \"js\", was " + language);
        }
        JsonNode source = body.get("source");
        if (source == null || !source.isTextual() || source.textValue().isEmpty()) {
            throw PartitaException.invalid("source", "source is required: the module's text");
        }
        CodeService.Stored stored = code.put(source.textValue(), "source");
        ObjectNode out = object();
        out.put("hash", stored.hash());
        out.put("language", "js");
        ArrayNode exports = out.putArray("exports");
        stored.exports().stream().sorted().forEach(exports::add);
        out.putObject("links").put("self", "/api/code/" + stored.hash());
        res.header(HeaderNames.LOCATION, "/api/code/" + stored.hash());
        http.json(res, 201, out);
    }

    private void getCode(ServerRequest req, ServerResponse res) {
        String hash = req.path().pathParameters().get("hash");
        var stored = code.get(hash).orElseThrow(() -> PartitaException.notFound("no code with hash '" + hash + "'"));
        HttpSupport.allowAnyOrigin(res);
        res.header(HeaderNames.create("X-Content-SHA256"), stored.hash());
        send(res, 200, "text/javascript; charset=utf-8", stored.source().getBytes(StandardCharsets.UTF_8));
    }

    private void list(ServerRequest req, ServerResponse res) {
        int offset = intQuery(req, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intQuery(req, "limit", 50, 1, MAX_PAGE);
        ObjectNode out = object();
        ArrayNode items = out.putArray("items");
        Principal principal = Access.required(req);
        boolean all = principal.isAdmin();
        for (StoredJob job : all ? store.jobs(offset, limit) : store.jobsOf(principal.tenant(), offset, limit)) {
            items.add(views.summaryJson(job));
        }
        out.put("offset", offset);
        out.put("limit", limit);
        out.put("total", all ? store.jobCount() : store.jobCountOf(principal.tenant()));
        http.json(res, 200, out);
    }

    /**
     * A page of a job's event log: {@code ?after=SEQ} (default 0) and {@code ?limit=N}; the answer's
     * {@code next} is the {@code after} of the following page.
     */
    private void events(ServerRequest req, ServerResponse res) {
        String id = visibleId(req);
        long after = longQuery(req, "after", 0, 0, Long.MAX_VALUE);
        int limit = intQuery(req, "limit", 100, 1, MAX_PAGE);
        views.stored(id);
        StringBuilder out = new StringBuilder(256).append("{\"job\":");
        out.append(http.quote(id));
        out.append(",\"events\":[");
        long next = after;
        boolean first = true;
        for (JobEvent event : store.events(id, after, limit)) {
            // A page is bounded in bytes too: events of 64 KiB each would make a 500-event page 32 MiB.
            if (!first && out.length() + event.json().length() > MAX_EVENT_PAGE_CHARS) {
                break;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append(event.json());
            next = event.seq();
        }
        out.append("],\"next\":").append(next).append('}');
        send(res, 200, JSON, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The most ranges a summarised partition map has ({@code buckets}). */
    static final int MAX_MAP_BUCKETS = 4096;

    /**
     * The partition map: {@code {"partitions", "full": true, "runs": [start, length, code, ...]}}; with
     * {@code from}, {@code to} or {@code buckets}, partitions {@code [from, to)} summarised into at most
     * {@code buckets} ranges, each with its partitions per state (a size bounded by {@code buckets},
     * whatever the job's size; see docs/dashboard.md).
     */
    private void map(ServerRequest req, ServerResponse res) {
        String id = visibleId(req);
        StoredJob job = views.stored(id);
        byte[] codes = scheduler.partitionCodes(id).orElse(null);
        if (!req.query().contains("from")
                && !req.query().contains("to")
                && !req.query().contains("buckets")) {
            http.json(res, 200, views.mapJson(job, codes));
            return;
        }
        long partitions = codes != null ? codes.length : Math.max(0, job.partitions());
        long from = HttpSupport.longQuery(req, "from", 0, 0, Math.max(0, partitions - 1));
        long to = HttpSupport.longQuery(req, "to", partitions, from, partitions);
        int buckets = HttpSupport.intQuery(req, "buckets", 1000, 1, MAX_MAP_BUCKETS);
        ObjectNode out = object();
        out.put("partitions", partitions);
        out.put("from", from);
        out.put("to", to);
        out.put("bucketSize", PartitionMap.bucketSize((int) from, (int) to, buckets));
        out.putArray("states")
                .add("pending")
                .add("running")
                .add("done")
                .add("failed")
                .add("retried");
        ArrayNode counts = out.putArray("counts");
        long[][] summary;
        if (codes != null) {
            summary = PartitionMap.summary(codes, (int) from, (int) to, buckets);
        } else {
            // no per-partition record (finished before this coordinator started): done shows done,
            // anything else pending, as the full map does
            int per = PartitionMap.bucketSize((int) from, (int) to, buckets);
            int code = job.status() == JobStatus.DONE ? PartitionMap.DONE : PartitionMap.PENDING;
            summary = new long[(int) ((to - from + per - 1) / per)][PartitionMap.STATES];
            for (int b = 0; b < summary.length; b++) {
                summary[b][code] = Math.min(per, to - from - (long) b * per);
            }
        }
        for (long[] bucket : summary) {
            ArrayNode row = counts.addArray();
            for (long c : bucket) {
                row.add(c);
            }
        }
        http.json(res, 200, out);
    }

    private void result(ServerRequest req, ServerResponse res) {
        String id = visibleId(req);
        StoredJob job = views.stored(id);
        if (job.status() != JobStatus.DONE || job.result().isEmpty()) {
            throw PartitaException.conflict(
                    "not_done",
                    "job " + id + " is " + job.status().wireName() + "; its result is available once it is done"
                            + job.error().map(e -> " (error: " + e + ")").orElse(""));
        }
        send(res, 200, JSON, job.result().get());
    }

    /**
     * The result as a PNG, for jobs whose result is {@code {"image": {"width", "height", "pixels"}}}
     * with pixels as 0xRRGGBB integers, row by row (see examples/js/mandelbrot.mjs). Only data is
     * converted here; no job code runs.
     */
    private void resultPng(ServerRequest req, ServerResponse res) {
        String id = visibleId(req);
        StoredJob job = views.stored(id);
        if (job.status() != JobStatus.DONE || job.result().isEmpty()) {
            throw PartitaException.conflict(
                    "not_done",
                    "job " + id + " is " + job.status().wireName() + "; its result is available once it is done");
        }
        JsonNode result;
        try {
            result = mapper.readTree(job.result().get());
        } catch (IOException e) {
            throw new IllegalStateException("stored result of " + id + " is not JSON", e);
        }
        send(res, 200, "image/png", PngRenderer.resultImage(id, result));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        String id = visibleId(req);
        StoredJob job = views.stored(id);
        if (HttpSupport.query(req, "purge").map("true"::equals).orElse(false)) {
            purge(job, res);
            return;
        }
        if (job.status().isFinal()) {
            throw PartitaException.conflict(
                    "already_finished",
                    "job " + id + " is already " + job.status().wireName());
        }
        // The store decides: if the job finished meanwhile, its own outcome stands.
        if (!store.finish(id, JobStatus.CANCELLED, Optional.of("cancelled"), System.currentTimeMillis())) {
            StoredJob now = store.job(id).orElseThrow();
            throw PartitaException.conflict(
                    "already_finished",
                    "job " + id + " is already " + now.status().wireName());
        }
        scheduler.cancel(id);
        Principal principal = Access.required(req);
        if (principal.isAdmin()) {
            audit.action(
                    principal.describe(),
                    "job.cancel",
                    id,
                    req.remotePeer().address().toString());
        }
        http.json(res, 200, views.jobJson(id));
    }

    /**
     * {@code DELETE /api/jobs/{id}?purge=true}: deletes a finished job and everything stored of it
     * (its results, inputs, failures and event log); a job still running must be cancelled first.
     */
    private void purge(StoredJob job, ServerResponse res) {
        if (!job.status().isFinal()) {
            throw PartitaException.conflict(
                    "job_running",
                    "job " + job.id() + " is " + job.status().wireName() + "; cancel it first (DELETE /api/jobs/"
                            + job.id() + "), then delete it");
        }
        store.deleteJob(job.id());
        ObjectNode out = object();
        out.put("id", job.id());
        out.put("deleted", true);
        http.json(res, 200, out);
    }

    /**
     * The volunteers' leaderboard (docs/verification.md): hosts by credit, a page at a time ({@code
     * ?offset=&limit=}); records not saved yet are shown as they are in memory.
     */
    private void volunteers(ServerRequest req, ServerResponse res) {
        int offset = intQuery(req, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intQuery(req, "limit", 50, 1, MAX_PAGE);
        Map<String, io.partita.store.HostRecord> latest = new java.util.HashMap<>();
        for (io.partita.store.HostRecord r : scheduler.unsavedHosts()) {
            latest.put(r.key(), r);
        }
        java.util.List<io.partita.store.HostRecord> page = new java.util.ArrayList<>();
        for (io.partita.store.HostRecord r : store.hosts(0, offset + limit)) {
            page.add(latest.getOrDefault(r.key(), r));
            latest.remove(r.key());
        }
        page.addAll(latest.values()); // in memory only: not saved yet
        page.sort(java.util.Comparator.comparingDouble(io.partita.store.HostRecord::credit)
                .reversed()
                .thenComparing(io.partita.store.HostRecord::key));
        ObjectNode out = object();
        ArrayNode items = out.putArray("items");
        for (int i = offset; i < Math.min(page.size(), offset + limit); i++) {
            hostJson(items.addObject(), page.get(i));
        }
        out.put("offset", offset);
        out.put("limit", limit);
        out.put("total", Math.max(store.hostCount(), page.size()));
        http.json(res, 200, out);
    }

    /**
     * A volunteer's own record, found by the secret key its browser keeps ({@code {"key": ...}}), and
     * optionally its display name ({@code "name"}): the only thing a volunteer is asked. A POST, so
     * that the key is never in a URL or a log.
     */
    private void me(ServerRequest req, ServerResponse res) {
        JsonNode body = http.readJson(req);
        if (!body.isObject()) {
            throw PartitaException.invalid("", "the body must be a JSON object such as {\"key\": \"...\"}");
        }
        JsonNode key = body.get("key");
        if (key == null || !key.isTextual() || !key.textValue().matches("[A-Za-z0-9_-]{16,64}")) {
            throw PartitaException.invalid(
                    "key", "key must be the volunteer key: 16 to 64 characters of A-Z a-z 0-9 _ -");
        }
        Optional<String> name = Optional.empty();
        JsonNode nameNode = body.get("name");
        if (nameNode != null && !nameNode.isNull()) {
            if (!nameNode.isTextual()
                    || nameNode.textValue().isBlank()
                    || nameNode.textValue().length() > 40
                    || nameNode.textValue().codePoints().anyMatch(Character::isISOControl)) {
                throw PartitaException.invalid("name", "name must be 1 to 40 characters without control characters");
            }
            name = Optional.of(nameNode.textValue().strip());
        }
        Optional<io.partita.store.HostRecord> record = scheduler.nameVolunteer(key.textValue(), name);
        ObjectNode out = object();
        if (record.isPresent()) {
            hostJson(out, record.get());
        } else {
            out.put("id", Scheduler.volunteerId(key.textValue()).orElseThrow());
            out.put("credit", 0.0);
            out.put("validated", 0);
            out.put("note", "no record yet: a volunteer can be named once it has answered");
        }
        http.json(res, 200, out);
    }

    private void volunteer(ServerRequest req, ServerResponse res) {
        String id = id(req);
        io.partita.store.HostRecord r =
                scheduler.host(id).orElseThrow(() -> PartitaException.notFound("no volunteer " + id));
        // A volunteer's page on any site may show its own credit: the record is public by design.
        HttpSupport.allowAnyOrigin(res);
        ObjectNode out = object();
        hostJson(out, r);
        http.json(res, 200, out);
    }

    private static void hostJson(ObjectNode node, io.partita.store.HostRecord r) {
        node.put("id", r.key());
        if (r.displayName() != null) {
            node.put("name", r.displayName());
        }
        node.put("credit", Math.round(r.credit() * 1000) / 1000.0);
        node.put("validated", r.validated());
        node.put("invalid", r.invalid());
        node.put("unchecked", r.unchecked());
        node.put("run", r.consecutive());
        node.put("errors", r.errors());
        node.put("cpuSeconds", r.cpuMillis() / 1000.0);
        node.put("updatedAt", Instant.ofEpochMilli(r.updatedAt()).toString());
    }

    private void workers(ServerRequest req, ServerResponse res) {
        boolean admin = Access.required(req).isAdmin();
        ObjectNode out = object();
        ArrayNode items = out.putArray("items");
        for (Scheduler.WorkerView w : scheduler.workers()) {
            ObjectNode node = items.addObject();
            node.put("id", w.id());
            node.put("kind", w.hello().kind());
            node.put("name", w.hello().name());
            if (admin) {
                node.put("remote", w.remote()); // volunteers' addresses are for admins only
            }
            node.put("connectedAt", Instant.ofEpochMilli(w.connectedAt()).toString());
            node.put("trust", w.trust().wireName());
            node.put("volunteer", w.hostKey());
            ObjectNode caps = node.putObject("capabilities");
            caps.set("runtimes", mapper.valueToTree(w.hello().runtimes()));
            caps.put("cores", w.hello().cores());
            caps.put("memory", w.hello().memory());
            caps.put("slots", w.hello().slots());
            caps.set("functions", mapper.valueToTree(w.hello().functions()));
            caps.set(
                    "engines",
                    mapper.valueToTree(
                            w.hello().engines() == null ? Map.of() : w.hello().engines()));
            caps.set("features", mapper.valueToTree(w.hello().featureList()));
            if (w.hello().userAgent() != null) {
                caps.put("userAgent", w.hello().userAgent());
            }
            if (w.hello().onBattery() != null) {
                caps.put("onBattery", w.hello().onBattery());
            }
            if (!w.hello().jobList().isEmpty()) {
                node.set("jobs", mapper.valueToTree(w.hello().jobList()));
            }
            node.put("tasksDone", w.tasksDone());
            node.put("tasksFailed", w.tasksFailed());
            node.put("rate", w.rate());
            ObjectNode running = node.putObject("running");
            for (Map.Entry<String, Integer> e : w.running().entrySet()) {
                running.put(e.getKey(), e.getValue());
            }
            ObjectNode combining = node.putObject("combining");
            for (Map.Entry<String, Integer> e : w.combining().entrySet()) {
                combining.put(e.getKey(), e.getValue());
            }
            node.put("draining", w.draining());
        }
        out.put("total", items.size());
        http.json(res, 200, out);
    }

    /**
     * The shipped JavaScript examples for the dashboard: {@code examples/index.json} with each
     * example's source (copied from {@code examples/js} at build time) filled in.
     */
    private static byte[] examples(ObjectMapper mapper) {
        try {
            ArrayNode list = (ArrayNode) mapper.readTree(resource("/io/partita/coordinator/examples/index.json"));
            for (JsonNode example : list) {
                String file = example.get("file").asText();
                ((ObjectNode) example)
                        .put(
                                "source",
                                new String(
                                        resource("/io/partita/coordinator/examples/" + file), StandardCharsets.UTF_8));
            }
            return mapper.writeValueAsBytes(list);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the shipped examples", e);
        }
    }

    private static byte[] resource(String path) {
        return HttpSupport.resource(HttpApi.class, path);
    }
}
