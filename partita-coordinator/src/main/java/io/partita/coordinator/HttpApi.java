package io.partita.coordinator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API under {@code /api}, JSON in and out. Errors are thrown as {@link PartitaException}
 * and rendered in one place as {@code {"error", "message", "field"}}; any other exception becomes a 500
 * that is logged once with the request line.
 */
final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String JSON = "application/json";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_PAGE = 500;

    private final Scheduler scheduler;
    private final Store store;
    private final FunctionCatalog catalog;
    private final CodeService code;
    private final CoordinatorConfig config;
    private final ObjectMapper mapper;
    private final PrometheusMeterRegistry metrics;
    private final long startedAt = System.currentTimeMillis();
    private final byte[] openApi;
    private final byte[] examples;

    HttpApi(
            Scheduler scheduler,
            Store store,
            FunctionCatalog catalog,
            CodeService code,
            CoordinatorConfig config,
            ObjectMapper mapper,
            PrometheusMeterRegistry metrics) {
        this.scheduler = scheduler;
        this.store = store;
        this.catalog = catalog;
        this.code = code;
        this.config = config;
        this.mapper = mapper;
        this.metrics = metrics;
        this.openApi = resource("/io/partita/coordinator/openapi.json");
        this.examples = examples(mapper);
    }

    void routing(HttpRouting.Builder routing) {
        routing.error(PartitaException.class, this::apiError)
                .error(Exception.class, this::unexpected)
                .get("/api/health", this::health)
                .get("/api/openapi.json", (req, res) -> send(res, 200, JSON, openApi))
                .post("/api/jobs", this::submit)
                .post("/api/jobs/{id}/rerun", this::rerun)
                .post("/api/code", this::uploadCode)
                .get("/api/code/{hash}", this::getCode)
                .get("/api/jobs", this::list)
                .get("/api/jobs/{id}", (req, res) -> json(res, 200, jobJson(id(req))))
                .get("/api/jobs/{id}/result", this::result)
                .get("/api/jobs/{id}/result.png", this::resultPng)
                .get("/api/jobs/{id}/events", this::events)
                .get("/api/jobs/{id}/map", this::map)
                .get("/api/examples", (req, res) -> send(res, 200, JSON, examples))
                .delete("/api/jobs/{id}", this::cancel)
                .get("/api/workers", this::workers)
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
        body.put("status", "ok");
        body.put("instance", scheduler.instance());
        body.put("store", store.kind());
        body.put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000);
        body.put("workers", totals.workers());
        body.put("liveJobs", totals.liveJobs());
        body.put("queuedTasks", totals.queued());
        body.put("runningTasks", totals.running());
        body.put("tasksCompleted", totals.completed());
        body.put("tasksPerSecond", totals.rate());
        json(res, 200, body);
    }

    private void submit(ServerRequest req, ServerResponse res) {
        create(JobSpec.parse(readJson(req), config.maxPartitions()), res);
    }

    /**
     * Creates a new job like an existing one: the old spec with {@code params} keys replaced by the
     * request's, and its {@code code} if the request gives one; linked by {@code rerunOf}.
     */
    private void rerun(ServerRequest req, ServerResponse res) {
        String id = id(req);
        StoredJob old = store.job(id).orElseThrow(() -> PartitaException.notFound("no job with id '" + id + "'"));
        JsonNode body = readJson(req);
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
        create(JobSpec.parse(spec, config.maxPartitions()), res);
    }

    private void create(JobSpec parsed, ServerResponse res) {
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
        String id = newId();
        JobRun job = scheduler.submit(id, spec, fingerprint(spec));
        ObjectNode out = object();
        out.put("id", job.id);
        out.put("status", job.status.wireName());
        spec.rerunOf().ifPresent(r -> out.put("rerunOf", r));
        out.set("links", links(job.id));
        res.header(HeaderNames.LOCATION, "/api/jobs/" + job.id);
        json(res, 201, out);
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
        JsonNode body = readJson(req);
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
        json(res, 201, out);
    }

    private void getCode(ServerRequest req, ServerResponse res) {
        String hash = req.path().pathParameters().get("hash");
        var stored = code.get(hash).orElseThrow(() -> PartitaException.notFound("no code with hash '" + hash + "'"));
        res.header(HeaderNames.create("Access-Control-Allow-Origin"), "*");
        res.header(HeaderNames.create("X-Content-SHA256"), stored.hash());
        send(res, 200, "text/javascript; charset=utf-8", stored.source().getBytes(StandardCharsets.UTF_8));
    }

    private void list(ServerRequest req, ServerResponse res) {
        int offset = intQuery(req, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intQuery(req, "limit", 50, 1, MAX_PAGE);
        ObjectNode out = object();
        ArrayNode items = out.putArray("items");
        for (StoredJob job : store.jobs(offset, limit)) {
            items.add(jobJson(job));
        }
        out.put("offset", offset);
        out.put("limit", limit);
        out.put("total", store.jobCount());
        json(res, 200, out);
    }

    /**
     * A page of a job's event log: {@code ?after=SEQ} (default 0) and {@code ?limit=N}; the answer's
     * {@code next} is the {@code after} of the following page.
     */
    private void events(ServerRequest req, ServerResponse res) {
        String id = id(req);
        long after = longQuery(req, "after", 0, 0, Long.MAX_VALUE);
        int limit = intQuery(req, "limit", 100, 1, MAX_PAGE);
        if (store.job(id).isEmpty()) {
            throw PartitaException.notFound("no job with id '" + id + "'");
        }
        StringBuilder out = new StringBuilder(256).append("{\"job\":");
        out.append(quote(id));
        out.append(",\"events\":[");
        long next = after;
        boolean first = true;
        for (JobEvent event : store.events(id, after, limit)) {
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

    private String quote(String text) {
        try {
            return mapper.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The partition map: {@code {"partitions", "full": true, "runs": [start, length, code, ...]}}. */
    private void map(ServerRequest req, ServerResponse res) {
        String id = id(req);
        StoredJob job = store.job(id).orElseThrow(() -> PartitaException.notFound("no job with id '" + id + "'"));
        json(res, 200, mapJson(job, scheduler.partitionCodes(id).orElse(null)));
    }

    /**
     * The map of a job as full runs. A job that finished before this coordinator started has no
     * per-partition record: done shows done, anything else pending.
     */
    ObjectNode mapJson(StoredJob job, byte[] codes) {
        ObjectNode out = object();
        long partitions = codes != null ? codes.length : job.partitions();
        out.put("partitions", partitions);
        out.put("full", true);
        ArrayNode runs = out.putArray("runs");
        if (codes != null) {
            for (long v : PartitionMap.runs(codes)) {
                runs.add(v);
            }
        } else if (partitions > 0) {
            runs.add(0).add(partitions).add(job.status() == JobStatus.DONE ? PartitionMap.DONE : PartitionMap.PENDING);
        }
        return out;
    }

    private void result(ServerRequest req, ServerResponse res) {
        String id = id(req);
        StoredJob job = store.job(id).orElseThrow(() -> PartitaException.notFound("no job with id '" + id + "'"));
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
        String id = id(req);
        StoredJob job = store.job(id).orElseThrow(() -> PartitaException.notFound("no job with id '" + id + "'"));
        if (job.status() != JobStatus.DONE || job.result().isEmpty()) {
            throw PartitaException.conflict(
                    "not_done",
                    "job " + id + " is " + job.status().wireName() + "; its result is available once it is done");
        }
        JsonNode image;
        try {
            image = mapper.readTree(job.result().get()).path("image");
        } catch (IOException e) {
            throw new IllegalStateException("stored result of " + id + " is not JSON", e);
        }
        int width = image.path("width").asInt(0);
        int height = image.path("height").asInt(0);
        JsonNode pixels = image.path("pixels");
        if (width < 1
                || height < 1
                || width > 16_384
                || height > 16_384
                || !pixels.isArray()
                || pixels.size() != width * height) {
            throw new PartitaException(
                    PartitaException.Kind.INVALID,
                    "not_an_image",
                    "the result of job " + id + " is not an image: expected {\"image\": {\"width\", \"height\","
                            + " \"pixels\": [width*height 0xRRGGBB integers]}}");
        }
        java.awt.image.BufferedImage png =
                new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < pixels.size(); i++) {
            png.setRGB(i % width, i / width, pixels.get(i).asInt() & 0xFFFFFF);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(png, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode PNG", e);
        }
        send(res, 200, "image/png", out.toByteArray());
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        String id = id(req);
        StoredJob job = store.job(id).orElseThrow(() -> PartitaException.notFound("no job with id '" + id + "'"));
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
        json(res, 200, jobJson(id));
    }

    private void workers(ServerRequest req, ServerResponse res) {
        ObjectNode out = object();
        ArrayNode items = out.putArray("items");
        for (Scheduler.WorkerView w : scheduler.workers()) {
            ObjectNode node = items.addObject();
            node.put("id", w.id());
            node.put("kind", w.hello().kind());
            node.put("name", w.hello().name());
            node.put("remote", w.remote());
            node.put("connectedAt", Instant.ofEpochMilli(w.connectedAt()).toString());
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
        json(res, 200, out);
    }

    // ------------------------------------------------------------------------------- views

    private ObjectNode jobJson(String id) {
        StoredJob job = store.job(id).orElseThrow(() -> PartitaException.notFound("no job with id '" + id + "'"));
        return jobJson(job);
    }

    ObjectNode jobJson(StoredJob stored) {
        ObjectNode out = object();
        out.put("id", stored.id());
        out.put("name", stored.name());
        out.put("function", stored.function());
        JsonNode spec;
        try {
            spec = mapper.readTree(stored.spec());
        } catch (IOException e) {
            throw new IllegalStateException("stored spec of " + stored.id() + " is not JSON", e);
        }
        JsonNode rerunOf = spec.get("rerunOf");
        if (rerunOf != null && rerunOf.isTextual()) {
            out.put("rerunOf", rerunOf.textValue());
        }
        Optional<Scheduler.Progress> live = scheduler.progress(stored.id());
        JobStatus status = stored.status();
        if (live.isPresent() && !status.isFinal()) {
            status = live.get().status();
        }
        out.put("status", status.wireName());
        long partitions =
                live.map(Scheduler.Progress::partitions).filter(p -> p > 0).orElse(stored.partitions());
        if (partitions > 0) {
            out.put("partitions", partitions);
        } else {
            out.putNull("partitions");
        }
        ObjectNode counts = out.putObject("counts");
        if (live.isPresent()) {
            Scheduler.Progress p = live.get();
            counts.put("pending", status.isFinal() ? 0 : p.pending());
            counts.put("running", status.isFinal() ? 0 : p.running());
            counts.put("done", status == JobStatus.DONE ? Math.max(partitions, p.done()) : p.done());
            counts.put("failed", p.failed());
            counts.put("retried", p.retried());
            out.put("rate", status.isFinal() ? 0.0 : p.rate());
            if (p.etaSeconds().isPresent() && !status.isFinal()) {
                out.put("etaSeconds", Math.round(p.etaSeconds().get() * 10) / 10.0);
            } else {
                out.putNull("etaSeconds");
            }
        } else {
            counts.put("pending", 0);
            counts.put("running", 0);
            counts.put("done", status == JobStatus.DONE ? Math.max(0, partitions) : 0);
            counts.put("failed", 0);
            counts.put("retried", 0);
            out.put("rate", 0.0);
            out.putNull("etaSeconds");
        }
        Optional<String> error = stored.error().or(() -> live.flatMap(Scheduler.Progress::error));
        if (status == JobStatus.FAILED || status == JobStatus.CANCELLED) {
            out.put("error", error.orElse(status.wireName()));
        } else {
            out.putNull("error");
        }
        out.put("createdAt", Instant.ofEpochMilli(stored.createdAt()).toString());
        if (stored.finishedAt().isPresent()) {
            out.put(
                    "finishedAt",
                    Instant.ofEpochMilli(stored.finishedAt().get()).toString());
        } else {
            out.putNull("finishedAt");
        }
        out.set("params", spec.path("params").isObject() ? spec.get("params") : object());
        if (spec.path("options").isObject()) {
            out.set("options", spec.get("options"));
        }
        if (spec.path("code").isObject()) {
            ObjectNode code = out.putObject("code");
            code.set("hash", spec.get("code").get("hash"));
            code.set("exports", spec.get("code").path("exports"));
        }
        if (spec.path("requirements").isObject()) {
            out.set("requirements", spec.get("requirements"));
        }
        out.set("links", links(stored.id()));
        return out;
    }

    private static ObjectNode links(String id) {
        ObjectNode links = object();
        links.put("self", "/api/jobs/" + id);
        links.put("result", "/api/jobs/" + id + "/result");
        return links;
    }

    // ------------------------------------------------------------------------------- plumbing

    JsonNode readJson(ServerRequest req) {
        long limit = config.maxRequestBytes();
        var length = req.headers().contentLength();
        if (length.isPresent() && length.getAsLong() > limit) {
            throw PartitaException.tooLarge(
                    "request body of " + length.getAsLong() + " bytes is over the limit of " + limit + " bytes");
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (IOException | RuntimeException e) {
            throw PartitaException.badRequest("unreadable_body", "cannot read the request body: " + e.getMessage());
        }
        if (body.length > limit) {
            throw PartitaException.tooLarge("request body is over the limit of " + limit + " bytes");
        }
        if (body.length == 0) {
            throw PartitaException.badRequest("malformed_json", "the request body is empty; expected a JSON object");
        }
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw PartitaException.badRequest(
                    "malformed_json",
                    "the request body is not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " at line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw PartitaException.badRequest("malformed_json", "the request body is not valid JSON");
        }
    }

    /** The {id} path parameter; an over-long one cannot name anything (404). */
    static String id(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        if (id.length() > 100) {
            throw PartitaException.notFound("no job with that id");
        }
        return id;
    }

    private static int intQuery(ServerRequest req, String name, int defaultValue, int min, int max) {
        return (int) longQuery(req, name, defaultValue, min, max);
    }

    private static long longQuery(ServerRequest req, String name, long defaultValue, long min, long max) {
        if (!req.query().contains(name)) {
            return defaultValue;
        }
        String raw = req.query().get(name);
        try {
            long value = Long.parseLong(raw);
            if (value < min || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw PartitaException.invalidQuery(
                    name, name + " must be an integer between " + min + " and " + max + ", was '" + raw + "'");
        }
    }

    static String newId() {
        StringBuilder id = new StringBuilder(Long.toString(System.currentTimeMillis(), 36));
        for (int i = 0; i < 6; i++) {
            id.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        return id.toString();
    }

    private void apiError(ServerRequest req, ServerResponse res, PartitaException e) {
        ObjectNode body = object();
        body.put("error", e.code());
        body.put("message", e.getMessage());
        if (e.field().isPresent()) {
            body.put("field", e.field().get());
        } else {
            body.putNull("field");
        }
        json(res, status(e.kind()), body);
    }

    /** The HTTP status of an error of this kind. */
    static int status(PartitaException.Kind kind) {
        return switch (kind) {
            case BAD_REQUEST -> 400;
            case INVALID -> 422;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case UNAVAILABLE -> 503;
        };
    }

    private void unexpected(ServerRequest req, ServerResponse res, Exception e) {
        log.error(
                "Unexpected error on {} {}",
                req.prologue().method().text(),
                req.path().path(),
                e);
        ObjectNode body = object();
        body.put("error", "internal");
        body.put("message", "internal error; see the coordinator's log");
        body.putNull("field");
        json(res, 500, body);
    }

    void json(ServerResponse res, int status, JsonNode body) {
        try {
            send(res, status, JSON, mapper.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(ServerResponse res, int status, String type, byte[] body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body);
    }

    private static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
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
        try (InputStream in = HttpApi.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + path, e);
        }
    }
}
