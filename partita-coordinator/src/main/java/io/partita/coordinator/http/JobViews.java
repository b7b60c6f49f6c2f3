package io.partita.coordinator.http;

import static io.partita.coordinator.http.HttpSupport.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.sched.PartitionMap;
import io.partita.coordinator.sched.Scheduler;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * The JSON views of jobs that the REST API and the dashboard's streams both send: a job with its
 * live progress, its partition map, its links. Reads the store and the scheduler; thread-safe.
 */
public final class JobViews {
    private final Scheduler scheduler;
    private final Store store;
    private final ObjectMapper mapper;

    /** Views of the jobs of {@code store}, live ones completed by {@code scheduler}. */
    public JobViews(Scheduler scheduler, Store store, ObjectMapper mapper) {
        this.scheduler = scheduler;
        this.store = store;
        this.mapper = mapper;
    }

    /**
     * The stored job with this id.
     *
     * @throws PartitaException (not found) if there is none
     */
    public StoredJob stored(String id) {
        return store.job(id).orElseThrow(() -> PartitaException.notFound("no job with id '" + id + "'"));
    }

    /**
     * The job's view, as {@code GET /api/jobs/{id}} answers it: the view of {@link
     * #jobJson(StoredJob)} with what only one job's page needs ({@code reused}).
     */
    public ObjectNode jobJson(String id) {
        StoredJob stored = stored(id);
        ObjectNode out = jobJson(stored);
        addReused(out, stored.id());
        return out;
    }

    /** Events looked at for a job's {@code reused} event: it directly follows {@code submitted}. */
    private static final int REUSE_EVENTS = 3;

    /**
     * Adds {@code "reused": {"from": JOB, "partitions": N}} when the job started from the stored
     * outputs of an earlier identical job (docs/calls.md); the {@code reused} event, recorded right
     * after {@code submitted}, says so.
     */
    private void addReused(ObjectNode out, String id) {
        for (JobEvent e : store.events(id, 0, REUSE_EVENTS)) {
            if (e.type().equals("reused")) {
                try {
                    JsonNode event = mapper.readTree(e.json());
                    ObjectNode reused = out.putObject("reused");
                    reused.put("from", event.path("from").asText());
                    reused.put("partitions", event.path("partitions").asLong());
                } catch (IOException ex) {
                    throw new IllegalStateException("stored event of " + id + " is not JSON", ex);
                }
                return;
            }
        }
    }

    /** A job's view: its stored row, with live counts and rate while this coordinator runs it. */
    public ObjectNode jobJson(StoredJob stored) {
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
        JsonNode dataJob = spec.get("dataJob");
        if (dataJob != null && dataJob.isTextual()) {
            out.put("dataJob", dataJob.textValue()); // a phase of this MapReduce or query job
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
            counts.put("answers", p.answers());
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
        if (live.isPresent() && !status.isFinal()) {
            scheduler.waiting(stored.id()).ifPresent(reason -> out.put("waiting", reason));
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

    /**
     * A job's summary, as listings ({@code GET /api/jobs}, the dashboard's overview) send it: the
     * view without {@code params}, whose size only the submitter bounds (up to the request limit);
     * {@code links.self} has them.
     */
    public ObjectNode summaryJson(StoredJob stored) {
        ObjectNode out = jobJson(stored);
        out.remove("params");
        return out;
    }

    /** Largest {@code params} (as JSON text) that a job's live stream repeats; larger ones are left out. */
    public static final int MAX_STREAMED_PARAMS_CHARS = 64 << 10;

    /**
     * A job's view as its live stream sends it (every change, to every viewer): with {@code params}
     * only when they are small; otherwise {@code "paramsOmitted": true} and {@code links.self} has
     * them.
     */
    public ObjectNode streamJson(StoredJob stored) {
        ObjectNode out = jobJson(stored);
        addReused(out, stored.id());
        JsonNode params = out.get("params");
        if (params != null && params.toString().length() > MAX_STREAMED_PARAMS_CHARS) {
            out.remove("params");
            out.put("paramsOmitted", true);
        }
        return out;
    }

    static ObjectNode links(String id) {
        ObjectNode links = object();
        links.put("self", "/api/jobs/" + id);
        links.put("result", "/api/jobs/" + id + "/result");
        return links;
    }

    /**
     * The map of a job as full runs. A job that finished before this coordinator started has no
     * per-partition record: done shows done, anything else pending.
     */
    public ObjectNode mapJson(StoredJob job, byte[] codes) {
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
}
