package io.partita.store;

import java.util.Objects;

/**
 * One entry of a job's event log.
 *
 * @param jobId the job
 * @param seq its number in the job's log, from 1
 * @param at when it happened, epoch milliseconds
 * @param type {@code submitted}, {@code started}, {@code prepared}, {@code partition}, {@code failed},
 *     {@code finished} or {@code truncated}
 * @param json the whole event as a JSON object
 */
public record JobEvent(String jobId, long seq, long at, String type, String json) {
    public JobEvent {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(json, "json");
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be at least 1, was " + seq);
        }
    }
}
