package io.partita.coordinator.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.partita.coordinator.auth.Ownership;
import io.partita.coordinator.common.Principal;
import io.partita.coordinator.http.Access;
import io.partita.coordinator.http.JobViews;
import io.partita.coordinator.http.Routes;
import io.partita.coordinator.sched.PartitionMap;
import io.partita.coordinator.sched.Scheduler;
import io.partita.coordinator.sched.StoreHealth;
import io.partita.store.JobEvent;
import io.partita.store.Store;
import io.partita.store.StoredJob;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Server-Sent Events for the dashboard. {@code GET /api/stream}: the grid's overview, at most
 * every {@value #OVERVIEW_MILLIS} ms; {@code GET /api/jobs/{id}/stream}: one job, at most every
 * {@value #JOB_MILLIS} ms. Each event is sent only when its content changed, and what only grows
 * (rate history, the event log) or changes a little (the partition map) is sent as what is new: the
 * map as runs of partitions whose state changed. Each stream runs on its request's virtual thread
 * and ends when the client goes away or the coordinator stops.
 */
public final class DashboardStreams {
    static final long OVERVIEW_MILLIS = 500;
    static final long JOB_MILLIS = 250;
    static final long KEEPALIVE_MILLIS = 15_000;
    static final int OVERVIEW_JOBS = 50;
    static final int EVENTS_PER_MESSAGE = 1000;

    private final Scheduler scheduler;
    private final Store store;
    private final JobViews views;
    private final ObjectMapper mapper;
    private volatile boolean closed;

    private final StoreHealth health;

    /** The dashboard's event streams of {@code scheduler}'s jobs and workers. */
    public DashboardStreams(
            Scheduler scheduler,
            Store store,
            JobViews views,
            ObjectMapper mapper,
            StoreHealth health,
            Ownership ownership) {
        this.ownership = ownership;
        this.health = health;
        this.scheduler = scheduler;
        this.store = store;
        this.views = views;
        this.mapper = mapper;
    }

    private final Ownership ownership;

    /** Adds the stream routes to {@code routing}. */
    public void routing(HttpRouting.Builder routing) {
        Routes.record(routing, "GET", "/api/stream");
        Routes.record(routing, "GET", "/api/jobs/{id}/stream");
        routing.get("/api/stream", this::overview).get("/api/jobs/{id}/stream", this::job);
    }

    /** Ends every stream at its next tick. */
    public void close() {
        closed = true;
    }

    private interface Tick {
        /** Writes what changed; returns whether anything was written. */
        boolean run(Sink sink) throws IOException;
    }

    private void stream(ServerResponse res, long periodMillis, Tick tick) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("X-Accel-Buffering"), "no");
        try (OutputStream out = res.outputStream()) {
            Sink sink = new Sink(out);
            sink.comment("partita");
            long lastWrite = System.nanoTime();
            while (!closed) {
                if (tick.run(sink)) {
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite > KEEPALIVE_MILLIS * 1_000_000) {
                    sink.comment("keepalive");
                    lastWrite = System.nanoTime();
                }
                Thread.sleep(periodMillis);
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes SSE events and flushes each. */
    private final class Sink {
        private final OutputStream out;

        Sink(OutputStream out) {
            this.out = out;
        }

        void event(String name, String json) throws IOException {
            out.write(("event: " + name + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void event(String name, JsonNode json) throws IOException {
            event(name, mapper.writeValueAsString(json));
        }

        void comment(String text) throws IOException {
            out.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    // ------------------------------------------------------------------------------- overview

    private void overview(ServerRequest req, ServerResponse res) {
        Principal principal = Access.required(req);
        long[] lastSecond = {0};
        String[] last = {null};
        stream(res, OVERVIEW_MILLIS, sink -> {
            ObjectNode o = mapper.createObjectNode();
            Scheduler.Totals totals = scheduler.totals();
            ObjectNode workers = o.putObject("workers");
            workers.put("total", totals.workers());
            ObjectNode byKind = workers.putObject("byKind");
            long cores = 0;
            for (Map.Entry<String, Scheduler.KindCount> e :
                    scheduler.workersByKind().entrySet()) {
                byKind.putObject(e.getKey())
                        .put("count", e.getValue().count())
                        .put("cores", e.getValue().cores());
                cores += e.getValue().cores();
            }
            workers.put("cores", cores);
            o.put("rate", Math.round(totals.rate() * 10) / 10.0);
            o.put("queued", totals.queued());
            o.put("running", totals.running());
            o.put("completed", totals.completed());
            Optional<String> problem = health.problem();
            o.put("store", problem.isPresent() ? "degraded" : "ok");
            problem.ifPresent(p -> o.put("storeProblem", p));
            ArrayNode jobs = o.putArray("jobs");
            for (StoredJob job : principal.isAdmin()
                    ? store.jobs(0, OVERVIEW_JOBS)
                    : store.jobsOf(principal.tenant(), 0, OVERVIEW_JOBS)) {
                jobs.add(views.summaryJson(job));
            }
            long[][] history = scheduler.history(null, lastSecond[0]).orElse(new long[0][]);
            String state = o.toString();
            if (state.equals(last[0]) && history.length == 0) {
                return false;
            }
            last[0] = state;
            o.put("time", System.currentTimeMillis());
            o.set("history", series(history));
            if (history.length > 0) {
                lastSecond[0] = history[history.length - 1][0];
            }
            sink.event("overview", o);
            return true;
        });
    }

    private ArrayNode series(long[][] points) {
        ArrayNode out = mapper.createArrayNode();
        for (long[] p : points) {
            out.addArray().add(p[0]).add(p[1]);
        }
        return out;
    }

    // ------------------------------------------------------------------------------- one job

    private void job(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        ownership.require(Ownership.Kind.JOB, id, Access.required(req), "no job with id '" + id + "'");
        StoredJob stored = views.stored(id);
        JobState state = new JobState(id);
        state.lastSecond = stored.createdAt() / 1000 - 1; // the chart starts when the job did
        stream(res, JOB_MILLIS, state::tick);
    }

    /** What one job stream has sent so far. */
    private final class JobState {
        private final String id;
        private String lastJob;
        private byte[] lastCodes;
        private boolean mapSent;
        private long lastSecond;
        private String lastWorkers;
        private long eventsAfter;
        /** Whether the job's module exports {@code log}: its job events get a second version. */
        private boolean hasLogger;
        /** Events whose logger answer may still come: their seq and what was sent. */
        private final List<JobEvent> awaitingLogger = new ArrayList<>();

        JobState(String id) {
            this.id = id;
        }

        boolean tick(Sink sink) throws IOException {
            Optional<StoredJob> stored = store.job(id);
            if (stored.isEmpty()) {
                sink.event("gone", "{\"id\":" + mapper.writeValueAsString(id) + "}");
                throw new IOException("job deleted");
            }
            boolean wrote = false;
            ObjectNode job = views.streamJson(stored.get());
            String jobText = job.toString();
            if (lastJob == null) {
                for (JsonNode name : job.path("code").path("exports")) {
                    hasLogger |= name.asText().equals("log");
                }
            }
            if (!jobText.equals(lastJob)) {
                lastJob = jobText;
                sink.event("job", jobText);
                wrote = true;
            }
            wrote |= map(sink, stored.get());
            // a finished job's chart ends where the job did
            long end = stored.get().finishedAt().map(t -> t / 1000).orElse(Long.MAX_VALUE);
            long[][] history = lastSecond >= end
                    ? new long[0][]
                    : scheduler.history(id, lastSecond).orElse(new long[0][]);
            if (history.length > 0) {
                lastSecond = history[history.length - 1][0];
                sink.event("history", series(history));
                wrote = true;
            }
            ArrayNode workers = mapper.createArrayNode();
            for (Scheduler.JobWorker w : scheduler.jobWorkers(id)) {
                workers.addObject()
                        .put("id", w.id())
                        .put("name", w.name())
                        .put("kind", w.kind())
                        .put("running", w.running())
                        .put("rate", Math.round(w.rate() * 10) / 10.0);
            }
            String workersText = workers.toString();
            if (!workersText.equals(lastWorkers)) {
                lastWorkers = workersText;
                sink.event("workers", workersText);
                wrote = true;
            }
            wrote |= events(sink);
            return wrote;
        }

        private boolean map(Sink sink, StoredJob stored) throws IOException {
            Optional<byte[]> codes = scheduler.partitionCodes(id);
            if (codes.isEmpty()) {
                if (!mapSent && stored.partitions() > 0) {
                    // finished before this coordinator started: no per-partition record
                    sink.event("map", views.mapJson(stored, null));
                    mapSent = true;
                    return true;
                }
                return false;
            }
            byte[] now = codes.get();
            long[] runs = PartitionMap.diff(lastCodes, now);
            boolean full = lastCodes == null || lastCodes.length != now.length;
            lastCodes = now;
            if (runs.length == 0 && !full) {
                return false;
            }
            StringBuilder json = new StringBuilder(32 + runs.length * 8);
            json.append("{\"partitions\":")
                    .append(now.length)
                    .append(",\"full\":")
                    .append(full);
            json.append(",\"runs\":[");
            for (int i = 0; i < runs.length; i++) {
                if (i > 0) {
                    json.append(',');
                }
                json.append(runs[i]);
            }
            json.append("]}");
            sink.event("map", json.toString());
            mapSent = true;
            return true;
        }

        private boolean events(Sink sink) throws IOException {
            ArrayNode out = mapper.createArrayNode();
            // job-level events are written again once the module's logger answered
            for (int i = 0; i < awaitingLogger.size(); i++) {
                JobEvent sent = awaitingLogger.get(i);
                List<JobEvent> now = store.events(id, sent.seq() - 1, 1);
                if (!now.isEmpty() && !now.get(0).json().equals(sent.json())) {
                    out.add(mapper.readTree(now.get(0).json()));
                    awaitingLogger.remove(i--);
                }
            }
            List<JobEvent> fresh = store.events(id, eventsAfter, EVENTS_PER_MESSAGE);
            for (JobEvent e : fresh) {
                JsonNode node = mapper.readTree(e.json());
                out.add(node);
                eventsAfter = e.seq();
                if ((e.type().equals("started") || e.type().equals("finished"))
                        && !node.has("logged")
                        && !node.has("logError")
                        && hasLogger) {
                    awaitingLogger.add(e);
                }
            }
            if (awaitingLogger.size() > 16) {
                awaitingLogger.subList(0, awaitingLogger.size() - 16).clear();
            }
            if (out.isEmpty()) {
                return false;
            }
            sink.event("events", out);
            return true;
        }
    }
}
