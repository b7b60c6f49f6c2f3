package io.partita.store;

import java.util.Objects;
import java.util.Optional;

/**
 * A job as the store holds it.
 *
 * @param id unique id
 * @param name the user's name for it
 * @param function the function name
 * @param spec the validated spec, as JSON text
 * @param partitions the partition count, or -1 until prepared
 * @param status where it is in its life
 * @param error why it failed, if it did
 * @param result the collected result (JSON bytes), once done
 * @param createdAt submission time, epoch milliseconds
 * @param finishedAt when it reached a final status, epoch milliseconds
 */
public record StoredJob(
        String id,
        String name,
        String function,
        String spec,
        long partitions,
        JobStatus status,
        Optional<String> error,
        Optional<byte[]> result,
        long createdAt,
        Optional<Long> finishedAt) {

    /** Checks that no field is null. */
    public StoredJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(finishedAt, "finishedAt");
    }

    /** A newly submitted job. */
    public static StoredJob submitted(
            String id, String name, String function, String spec, long partitions, long createdAt) {
        return new StoredJob(
                id,
                name,
                function,
                spec,
                partitions,
                partitions < 0 ? JobStatus.PREPARING : JobStatus.RUNNING,
                Optional.empty(),
                Optional.empty(),
                createdAt,
                Optional.empty());
    }
}
