package io.partita.coordinator.sched;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.core.CompletionPolicy;
import io.partita.coordinator.core.SingleWork;
import io.partita.store.JobEvent;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * Builds the entries of jobs' event logs ({@code GET /api/jobs/{id}/events}). Guarded by the
 * scheduler's lock, like the {@link JobRun}s whose counters it uses.
 *
 * <p>Job-level events ({@code submitted}, {@code started}, {@code prepared}, {@code finished}) are
 * always kept. Task events ({@code partition} when the task's logger said something, {@code failed}
 * for every failed attempt) are kept up to {@link #maxTaskEvents} per job and {@link
 * #maxTaskEventBytes} of JSON per job ({@code max-job-event-bytes}); past either one {@code
 * truncated} event says so and further task events are only counted, so that a million-partition job
 * whose logger writes a line per partition cannot fill the store. The task events of all a tenant's
 * live jobs are bounded too ({@code event-bytes} quota), so that many jobs cannot do it together.
 */
final class JobEvents {
    /** The level of a log task on the wire: a call of the module's {@code log} for a job event. */
    static final int LOG_LEVEL = -2;

    static final int DEFAULT_MAX_TASK_EVENTS = 10_000;

    private final ObjectMapper mapper;
    private final LongSupplier millis;
    private final int maxTaskEvents;
    private final long maxTaskEventBytes;
    private final long maxTenantEventBytes;
    /** Bytes of task events kept by each tenant's live jobs. */
    private final java.util.Map<String, Long> tenantBytes = new java.util.HashMap<>();

    JobEvents(ObjectMapper mapper, LongSupplier millis, int maxTaskEvents) {
        this(mapper, millis, maxTaskEvents, io.partita.coordinator.Limits.DEFAULT_MAX_JOB_EVENT_BYTES, 0);
    }

    /**
     * With bounds on the bytes of a job's task events ({@code max-job-event-bytes}) and of all the
     * task events of a tenant's live jobs ({@code event-bytes} quota; 0 for none).
     */
    JobEvents(
            ObjectMapper mapper,
            LongSupplier millis,
            int maxTaskEvents,
            long maxTaskEventBytes,
            long maxTenantEventBytes) {
        this.mapper = mapper;
        this.millis = millis;
        this.maxTaskEvents = maxTaskEvents;
        this.maxTaskEventBytes = maxTaskEventBytes;
        this.maxTenantEventBytes = maxTenantEventBytes;
    }

    /** A job ended: its task events no longer count against its tenant's live total. */
    void ended(JobRun job) {
        if (job.taskEventBytes > 0) {
            tenantBytes.computeIfPresent(
                    job.tenant(), (t, b) -> b - job.taskEventBytes > 0 ? b - job.taskEventBytes : null);
        }
    }

    /** A new event object of this type, stamped with the time. */
    ObjectNode create(String type) {
        ObjectNode event = mapper.createObjectNode();
        event.put("type", type);
        event.put("at", millis.getAsLong());
        return event;
    }

    /** Numbers a job-level event and returns its durable form. */
    JobEvent jobEvent(JobRun job, ObjectNode event) {
        event.put("seq", ++job.eventSeq);
        return toStored(job.id, event);
    }

    /**
     * Numbers a task event and returns its durable form, or null once the job's task events are past
     * the limit (the first one past it becomes the {@code truncated} event instead).
     */
    JobEvent taskEvent(JobRun job, ObjectNode event) {
        if (job.taskEventsDropped > 0) {
            job.taskEventsDropped++;
            return null;
        }
        long bytes = job.taskEvents >= maxTaskEvents
                ? 0
                : event.toString().getBytes(StandardCharsets.UTF_8).length + SEQ_BYTES;
        long tenantUse = tenantBytes.getOrDefault(job.tenant(), 0L);
        boolean tenantFull = maxTenantEventBytes > 0 && tenantUse + bytes > maxTenantEventBytes;
        if (job.taskEvents >= maxTaskEvents || job.taskEventBytes + bytes > maxTaskEventBytes || tenantFull) {
            job.taskEventsDropped++;
            ObjectNode truncated = create("truncated");
            truncated.put(
                    "message",
                    job.taskEvents >= maxTaskEvents
                            ? "this job logged more than " + maxTaskEvents + " task events; further ones are not kept"
                            : tenantFull
                                    ? "the task events of tenant "
                                            + (job.tenant().isEmpty() ? "(none)" : job.tenant())
                                            + "'s live jobs reached " + tenantUse + " bytes, the limit is "
                                            + maxTenantEventBytes + " (quota event-bytes); further ones of this job"
                                            + " are not kept"
                                    : "this job's task events reached " + job.taskEventBytes + " bytes, the limit is "
                                            + maxTaskEventBytes + " (max-job-event-bytes); further ones are not kept");
            return jobEvent(job, truncated);
        }
        job.taskEvents++;
        job.taskEventBytes += bytes;
        if (bytes > 0) {
            tenantBytes.merge(job.tenant(), bytes, Long::sum);
        }
        return jobEvent(job, event);
    }

    /** Room for the {@code seq} field that numbering adds. */
    private static final int SEQ_BYTES = 24;

    /** The durable form of an already numbered event (written again after its logger ran). */
    JobEvent toStored(String jobId, ObjectNode event) {
        return new JobEvent(
                jobId,
                event.get("seq").longValue(),
                event.get("at").longValue(),
                event.get("type").asText(),
                event.toString());
    }

    /** Whether a job's module has a logger to call for its events. */
    static boolean hasLogger(JobRun job) {
        return job.spec.code().map(c -> c.exports().contains("log")).orElse(false);
    }

    /** Adds what a logger returned or printed, if anything, to an event. */
    static void attachLogged(ObjectNode event, JsonNode logged) {
        if (logged != null && !logged.isNull() && !logged.isEmpty()) {
            event.set("logged", logged);
        }
    }

    /**
     * A call of a module's {@code log} for one job-level event: a one-task work of the scheduling
     * core. Lost with its worker, it runs again without counting; an error or a time-out counts, and
     * after {@value #LOG_ATTEMPTS} the event is written with the error. Guarded by the scheduler's lock.
     */
    static final class LogCall extends SingleWork {
        static final int LOG_ATTEMPTS = 3;

        final JobRun job;
        final ObjectNode event;

        LogCall(JobRun job, ObjectNode event) {
            super(
                    Kind.LOG,
                    job.id + "/log/" + event.get("seq").longValue(),
                    job.spec.taskTimeout(),
                    LOG_ATTEMPTS,
                    false,
                    CompletionPolicy.FIRST_ANSWER,
                    null,
                    false,
                    0);
            this.job = job;
            this.event = event;
        }

        long seq() {
            return event.get("seq").longValue();
        }

        /** The key of this call among the live log calls. */
        Key key() {
            return new Key(job.id, seq());
        }

        @Override
        public String describe(long key) {
            return "log";
        }

        @Override
        public String timedOut(long key, int attempt) {
            return "log (attempt " + attempt + "): timed out after " + job.spec.taskTimeout();
        }

        @Override
        public String finalError(String error, int failures) {
            return error;
        }

        record Key(String job, long seq) {}
    }
}
