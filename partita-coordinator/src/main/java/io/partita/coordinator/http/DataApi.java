package io.partita.coordinator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.data.Capabilities;
import io.partita.coordinator.data.DataJobs;
import io.partita.coordinator.data.Datasets;
import io.partita.coordinator.sched.StoreHealth;
import io.partita.data.Format;
import io.partita.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data endpoints: datasets ({@code /api/datasets}), MapReduce jobs ({@code /api/mapreduce}),
 * query jobs ({@code /api/queries}), the capability URLs through which workers read their inputs
 * and write their outputs ({@code /data/<token>/in/<i>}, {@code /data/<token>/out/<r>}), and the
 * data engine script browsers load ({@code /data-engine.js}).
 */
public final class DataApi {
    private static final io.partita.coordinator.auth.Ownership.Kind DATASET =
            io.partita.coordinator.auth.Ownership.Kind.DATASET;
    private static final io.partita.coordinator.auth.Ownership.Kind DATA_JOB =
            io.partita.coordinator.auth.Ownership.Kind.DATA_JOB;

    private static final Logger log = LoggerFactory.getLogger(DataApi.class);

    private static final String NDJSON = "application/x-ndjson; charset=utf-8";

    private final Datasets datasets;
    private final DataJobs jobs;
    private final Capabilities capabilities;
    private final BlobStore blobs;
    private final HttpSupport api;
    private final ObjectMapper mapper;
    private final byte[] engine;

    private final StoreHealth health;

    /** The dataset and data-job routes. */
    public DataApi(
            Datasets datasets,
            DataJobs jobs,
            Capabilities capabilities,
            BlobStore blobs,
            HttpSupport api,
            ObjectMapper mapper,
            StoreHealth health) {
        this.health = health;
        this.datasets = datasets;
        this.jobs = jobs;
        this.capabilities = capabilities;
        this.blobs = blobs;
        this.api = api;
        this.mapper = mapper;
        this.engine = HttpSupport.resource(Format.class, "/io/partita/data/engine.js");
    }

    private io.partita.coordinator.auth.Ownership ownership;

    /** Scopes datasets and data jobs by {@code ownership} (docs/security.md); call before routing. */
    public DataApi ownership(io.partita.coordinator.auth.Ownership ownership) {
        this.ownership = ownership;
        return this;
    }

    private io.partita.coordinator.auth.Usage usage;

    /** Checks tenants' stored bytes before datasets and data jobs are made; call before routing. */
    public DataApi usage(io.partita.coordinator.auth.Usage usage) {
        this.usage = usage;
        return this;
    }

    /** {@code items} without what {@code req}'s principal may not see (items with an {@code id}). */
    private ArrayNode visible(ServerRequest req, io.partita.coordinator.auth.Ownership.Kind kind, JsonNode items) {
        io.partita.coordinator.common.Principal p = Access.required(req);
        ArrayNode out = mapper.createArrayNode();
        java.util.Set<String> owned = p.isAdmin() ? java.util.Set.of() : ownership.ownedBy(kind, p.tenant());
        for (JsonNode item : items) {
            if (p.isAdmin() || owned.contains(item.path("id").asText())) {
                out.add(item);
            }
        }
        return out;
    }

    private void require(ServerRequest req, io.partita.coordinator.auth.Ownership.Kind kind, String id, String what) {
        ownership.require(kind, id, Access.required(req), "no " + what + " with id '" + id + "'");
    }

    /** Adds the routes to {@code routing}. */
    public void routing(HttpRouting.Builder routing) {
        Routes.on(routing)
                .post("/api/datasets", this::postDataset)
                .get("/api/datasets", (req, res) -> {
                    ObjectNode out = mapper.createObjectNode();
                    out.set("items", visible(req, io.partita.coordinator.auth.Ownership.Kind.DATASET, datasets.list()));
                    api.json(res, 200, out);
                })
                .get("/api/datasets/{id}", (req, res) -> {
                    String id = req.path().pathParameters().get("id");
                    require(req, io.partita.coordinator.auth.Ownership.Kind.DATASET, id, "dataset");
                    api.json(
                            res,
                            200,
                            datasets.describe(id)
                                    .orElseThrow(() -> PartitaException.notFound("no dataset with id '" + id + "'")));
                })
                .delete("/api/datasets/{id}", (req, res) -> {
                    String id = HttpSupport.id(req);
                    require(req, io.partita.coordinator.auth.Ownership.Kind.DATASET, id, "dataset");
                    datasets.delete(id, jobs::runningOver);
                    ObjectNode out = mapper.createObjectNode();
                    out.put("id", id);
                    out.put("deleted", true);
                    api.json(res, 200, out);
                });
        kind(routing, "mapreduce", "mapreduce");
        kind(routing, "queries", "query");
        Routes.on(routing)
                .get("/data/{token}/in/{i}", this::read)
                .put("/data/{token}/out/{r}", this::write)
                .options("/data/{token}/{dir}/{n}", (req, res) -> {
                    HttpSupport.allowAnyOrigin(res);
                    res.header(HeaderNames.create("Access-Control-Allow-Methods"), "GET, PUT");
                    res.header(HeaderNames.create("Access-Control-Allow-Headers"), "Content-Type");
                    res.header(HeaderNames.create("Access-Control-Max-Age"), "600");
                    res.status(204).send();
                })
                .get("/data-engine.js", (req, res) -> {
                    HttpSupport.allowAnyOrigin(res);
                    res.header(HeaderNames.CONTENT_TYPE, "text/javascript; charset=utf-8");
                    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
                    res.send(engine);
                });
    }

    private void kind(HttpRouting.Builder routing, String path, String kind) {
        Routes.on(routing)
                .post("/api/" + path, (req, res) -> {
                    JsonNode body = api.readJson(req);
                    if (body.path("dataset").isTextual()) {
                        require(req, DATASET, body.get("dataset").textValue(), "dataset");
                    }
                    if (body.path("function").isTextual()) {
                        CallApi.requireFunction(body.get("function"), Access.required(req), ownership);
                    }
                    usage.checkStored(Access.required(req), 0);
                    // owned before it exists: never visible unowned, and its phases share fairly from the start
                    java.util.function.Consumer<String> claim =
                            id -> ownership.claim(DATA_JOB, id, Access.required(req));
                    ObjectNode out =
                            kind.equals("query") ? jobs.submitQuery(body, claim) : jobs.submitMapReduce(body, claim);
                    res.header(
                            HeaderNames.LOCATION, out.path("links").path("self").asText());
                    api.json(res, 201, out);
                })
                .get("/api/" + path, (req, res) -> {
                    ObjectNode out = mapper.createObjectNode();
                    out.set("items", visible(req, DATA_JOB, jobs.list(kind)));
                    api.json(res, 200, out);
                })
                .get("/api/" + path + "/{id}", (req, res) -> {
                    require(req, DATA_JOB, HttpSupport.id(req), "data job");
                    api.json(res, 200, jobs.describe(kind, HttpSupport.id(req)));
                })
                .delete("/api/" + path + "/{id}", (req, res) -> {
                    require(req, DATA_JOB, HttpSupport.id(req), "data job");
                    api.json(res, 200, jobs.cancel(kind, HttpSupport.id(req)));
                })
                .get("/api/" + path + "/{id}/output", (req, res) -> {
                    String id = HttpSupport.id(req);
                    require(req, DATA_JOB, id, "data job");
                    Optional<Integer> part = HttpSupport.optionalIntQuery(req, "part");
                    jobs.checkOutput(kind, id, part);
                    res.header(HeaderNames.CONTENT_TYPE, NDJSON);
                    res.header(HeaderNames.create("Content-Disposition"), "attachment; filename=\"" + id + ".jsonl\"");
                    try (OutputStream out = res.outputStream()) {
                        jobs.output(kind, id, part, out);
                    }
                });
    }

    private void postDataset(ServerRequest req, ServerResponse res) {
        boolean json = req.headers()
                .contentType()
                .map(t -> t.mediaType().text().equalsIgnoreCase("application/json"))
                .orElse(false);
        Datasets.Dataset dataset;
        usage.checkStored(Access.required(req), req.headers().contentLength().orElse(0));
        if (json) {
            dataset = datasets.register(api.readJson(req));
        } else {
            Format format = Datasets.format(HttpSupport.query(req, "format").orElse(null));
            long chunk = datasets.chunkBytes(HttpSupport.query(req, "chunkSize").orElse(null));
            String name = Datasets.name(HttpSupport.query(req, "name").orElse("upload"));
            var declared = req.headers().contentLength();
            if (declared.isPresent() && declared.getAsLong() > datasets.maxUploadBytes()) {
                throw PartitaException.tooLarge("a dataset may have at most " + datasets.maxUploadBytes()
                        + " bytes (max-upload); this upload declares " + declared.getAsLong());
            }
            try (InputStream in = req.content().inputStream()) {
                dataset = datasets.upload(name, format, chunk, in);
            } catch (IOException e) {
                throw PartitaException.badRequest("unreadable_body", "cannot read the upload: " + e.getMessage());
            }
        }
        // the id is known to its uploader only until this answer, so no one else sees it unowned
        ownership.claim(DATASET, dataset.id(), Access.required(req));
        res.header(HeaderNames.LOCATION, "/api/datasets/" + dataset.id());
        api.json(res, 201, datasets.describe(dataset));
    }

    // ------------------------------------------------------------------- capability URLs

    private static void refuse(ServerResponse res, int status, String message) {
        HttpSupport.allowAnyOrigin(res);
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        res.send(message);
    }

    /** A 503 for a blob-store failure: the coordinator's problem, which the worker rides through. */
    private void unavailable(ServerResponse res, String what, IOException e) {
        log.debug("{}: the blob store failed: {}", what, e.toString());
        health.failed(StoreHealth.Path.BLOBS, "the blob store failed: " + e.getMessage());
        res.header(HeaderNames.RETRY_AFTER, "1");
        refuse(res, 503, what + ": the coordinator's storage is unavailable (" + e.getMessage() + "); try again");
    }

    private static int index(ServerRequest req, String name) {
        try {
            return Integer.parseInt(req.path().pathParameters().get(name));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void read(ServerRequest req, ServerResponse res) throws IOException {
        Optional<Capabilities.Grant> grant =
                capabilities.check(req.path().pathParameters().get("token"));
        if (grant.isEmpty()) {
            refuse(res, 403, "this token is unknown or its task's lease is over");
            return;
        }
        int i = index(req, "i");
        if (i < 0 || i >= grant.get().reads().size()) {
            refuse(
                    res,
                    404,
                    "this token grants inputs 0 to " + (grant.get().reads().size() - 1));
            return;
        }
        Capabilities.Read read = grant.get().reads().get(i);
        InputStream in;
        try {
            in = blobs.open(read.key(), read.offset(), read.length());
        } catch (NoSuchFileException e) {
            refuse(res, 404, "input " + i + " does not exist");
            return;
        } catch (IOException e) {
            unavailable(res, "cannot read input " + i, e);
            return;
        }
        try (in) {
            HttpSupport.allowAnyOrigin(res);
            long length =
                    read.length() >= 0 ? read.length() : blobs.size(read.key()).orElse(0L) - read.offset();
            res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            res.contentLength(length);
            try (OutputStream out = res.outputStream()) {
                in.transferTo(out);
            }
        }
    }

    private static String tooLarge(int r, long limit) {
        return "output " + r + " is over the limit of " + limit
                + " bytes for one task output (max-task-output); use smaller splits or more reducers";
    }

    private void write(ServerRequest req, ServerResponse res) throws IOException {
        String token = req.path().pathParameters().get("token");
        Optional<Capabilities.Grant> grant = capabilities.check(token);
        if (grant.isEmpty()) {
            refuse(res, 403, "this token is unknown or its task's lease is over");
            return;
        }
        int r = index(req, "r");
        if (r < 0 || r >= grant.get().writes()) {
            refuse(res, 404, "this token grants outputs 0 to " + (grant.get().writes() - 1));
            return;
        }
        long limit = capabilities.maxOutputBytes();
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            refuse(res, 413, tooLarge(r, limit));
            return;
        }
        long size;
        try (BlobStore.Writer writer = blobs.create(grant.get().writeKey(r));
                InputStream in = req.content().inputStream()) {
            // Copied by hand so that an upload without a length stops at the limit, not at the disk's.
            OutputStream out = writer.stream();
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > limit) {
                    refuse(res, 413, tooLarge(r, limit));
                    return;
                }
                out.write(buffer, 0, n);
            }
            // The lease may have ended while the bytes came: then they are dropped, never published.
            if (capabilities.check(token).isEmpty()) {
                refuse(res, 403, "the task's lease ended during the upload");
                return;
            }
            size = writer.commit();
            if (health.failing(StoreHealth.Path.BLOBS)) {
                health.recovered(StoreHealth.Path.BLOBS);
            }
        } catch (IOException e) {
            // The blob store failed (a full disk, an I/O error), or the upload broke off: either way
            // nothing was published, and the worker may send it again.
            unavailable(res, "cannot store output " + r, e);
            return;
        }
        HttpSupport.allowAnyOrigin(res);
        ObjectNode out = mapper.createObjectNode();
        out.put("bytes", size);
        api.json(res, 201, out);
    }
}
